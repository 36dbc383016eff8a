package io.serve4j.aws.internal;

import static io.serve4j.aws.internal.AwsCalls.checkCancelled;
import static io.serve4j.aws.internal.AwsCalls.timeout;

import io.serve4j.aws.AwsOptions;
import io.serve4j.aws.AwsUpdatePolicy;
import io.serve4j.spi.CallContext;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import software.amazon.awssdk.services.sagemaker.SageMakerAsyncClient;
import software.amazon.awssdk.services.sagemaker.model.Alarm;
import software.amazon.awssdk.services.sagemaker.model.AsyncInferenceConfig;
import software.amazon.awssdk.services.sagemaker.model.AutoRollbackConfig;
import software.amazon.awssdk.services.sagemaker.model.BlueGreenUpdatePolicy;
import software.amazon.awssdk.services.sagemaker.model.CapacitySize;
import software.amazon.awssdk.services.sagemaker.model.CapacitySizeType;
import software.amazon.awssdk.services.sagemaker.model.CaptureMode;
import software.amazon.awssdk.services.sagemaker.model.CaptureOption;
import software.amazon.awssdk.services.sagemaker.model.DataCaptureConfig;
import software.amazon.awssdk.services.sagemaker.model.DeploymentConfig;
import software.amazon.awssdk.services.sagemaker.model.ProductionVariant;
import software.amazon.awssdk.services.sagemaker.model.TrafficRoutingConfig;
import software.amazon.awssdk.services.sagemaker.model.TrafficRoutingConfigType;

/**
 * SageMaker endpoint configs: CreateEndpointConfig from an {@link EndpointPlan} (variants, shadow,
 * asynchronous inference, KMS, data capture), the blue/green deployment config of an update, and
 * the quiet deletion of a config with its models.
 */
final class EndpointConfigs {
  private final SageMakerModels models;
  private final AwsOptions options;
  private final SageMakerAsyncClient sm;
  private final AwsClients clients;

  /**
   * Creates the part over the session's clients.
   *
   * @param clients the SDK clients
   * @param models the models part
   */
  EndpointConfigs(AwsClients clients, SageMakerModels models) {
    this.clients = clients;
    this.options = clients.options;
    this.sm = clients.sm;
    this.models = models;
  }

  CompletableFuture<Void> create(EndpointPlan plan, CallContext ctx) {
    checkCancelled(ctx);
    return plan.spec()
        .asyncInference()
        .map(a -> AsyncInferenceConfigs.toConfig(clients, plan.spec().name(), a, ctx))
        .orElse(CompletableFuture.completedFuture(null))
        .thenCompose(async -> create(plan, async, ctx));
  }

  private CompletableFuture<Void> create(
      EndpointPlan plan, AsyncInferenceConfig async, CallContext ctx) {
    List<ProductionVariant> production = new ArrayList<>();
    List<ProductionVariant> shadows = new ArrayList<>();
    for (EndpointPlan.Variant v : plan.variants()) {
      ProductionVariant.Builder pv =
          ProductionVariant.builder()
              .variantName(v.variantName())
              .modelName(v.modelName())
              .initialVariantWeight(v.weight());
      if (v.deployment().scaling().isServerless()) {
        pv.serverlessConfig(ServerlessConfigs.toConfig(v.deployment().scaling()));
      } else {
        pv.instanceType(v.instanceType())
            .initialInstanceCount(v.deployment().scaling().initialInstances());
      }
      (v.shadow() ? shadows : production).add(pv.build());
    }
    return AwsErrors.WIRE
        .call(
            "CreateEndpointConfig " + plan.configName(),
            () ->
                sm.createEndpointConfig(
                    r -> {
                      r.endpointConfigName(plan.configName())
                          .productionVariants(production)
                          .tags(clients.tags(plan.spec().tags()))
                          .overrideConfiguration(timeout(ctx));
                      if (!shadows.isEmpty()) {
                        r.shadowProductionVariants(shadows);
                      }
                      if (async != null) {
                        r.asyncInferenceConfig(async);
                      }
                      options.kmsKeyId().ifPresent(r::kmsKeyId);
                      options
                          .dataCapture()
                          .ifPresent(
                              dc ->
                                  r.dataCaptureConfig(
                                      DataCaptureConfig.builder()
                                          .enableCapture(true)
                                          .initialSamplingPercentage(dc.samplingPercent())
                                          .destinationS3Uri(dc.destination().toString())
                                          .kmsKeyId(options.kmsKeyId().orElse(null))
                                          .captureOptions(
                                              CaptureOption.builder()
                                                  .captureMode(CaptureMode.INPUT)
                                                  .build(),
                                              CaptureOption.builder()
                                                  .captureMode(CaptureMode.OUTPUT)
                                                  .build())
                                          .build()));
                    }))
        .thenApply(x -> null);
  }

  static DeploymentConfig deployment(AwsUpdatePolicy p) {
    TrafficRoutingConfig.Builder routing =
        TrafficRoutingConfig.builder().waitIntervalInSeconds((int) p.waitInterval().toSeconds());
    CapacitySize step =
        CapacitySize.builder()
            .type(CapacitySizeType.CAPACITY_PERCENT)
            .value(p.stepPercent())
            .build();
    switch (p.type()) {
      case ALL_AT_ONCE -> routing.type(TrafficRoutingConfigType.ALL_AT_ONCE);
      case CANARY -> routing.type(TrafficRoutingConfigType.CANARY).canarySize(step);
      case LINEAR -> routing.type(TrafficRoutingConfigType.LINEAR).linearStepSize(step);
    }
    DeploymentConfig.Builder b =
        DeploymentConfig.builder()
            .blueGreenUpdatePolicy(
                BlueGreenUpdatePolicy.builder()
                    .trafficRoutingConfiguration(routing.build())
                    .terminationWaitInSeconds((int) p.terminationWait().toSeconds())
                    .build());
    if (!p.rollbackAlarms().isEmpty()) {
      b.autoRollbackConfiguration(
          AutoRollbackConfig.builder()
              .alarms(
                  p.rollbackAlarms().stream()
                      .map(a -> Alarm.builder().alarmName(a).build())
                      .toList())
              .build());
    }
    return b.build();
  }

  CompletableFuture<Void> deleteQuietly(String config, List<String> models, CallContext ctx) {
    List<CompletableFuture<?>> all = new ArrayList<>();
    if (config != null) {
      all.add(
          AwsErrors.WIRE
              .call(
                  "DeleteEndpointConfig " + config,
                  () ->
                      sm.deleteEndpointConfig(
                          r -> r.endpointConfigName(config).overrideConfiguration(timeout(ctx))))
              .handle((v, e) -> null));
    }
    for (String m : models) {
      all.add(
          AwsErrors.WIRE
              .call(
                  "DeleteModel " + m,
                  () -> sm.deleteModel(r -> r.modelName(m).overrideConfiguration(timeout(ctx))))
              .handle((v, e) -> null));
    }
    return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new));
  }

  void cleanUp(String config, List<String> models) {
    List<String> copy;
    synchronized (models) {
      copy = List.copyOf(models);
    }
    deleteQuietly(config, copy, AwsCalls.cleanupContext());
  }
}
