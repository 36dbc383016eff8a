package io.serve4j.aws.internal;

import static io.serve4j.aws.internal.AwsCalls.checkCancelled;
import static io.serve4j.aws.internal.AwsCalls.timeout;

import io.serve4j.EndpointDescription;
import io.serve4j.EndpointSpec;
import io.serve4j.ErrorCategory;
import io.serve4j.Mirror;
import io.serve4j.aws.AwsOptions;
import io.serve4j.spi.CallContext;
import io.serve4j.spi.EndpointLifecycle;
import io.serve4j.spi.Polling;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import software.amazon.awssdk.services.sagemaker.SageMakerAsyncClient;
import software.amazon.awssdk.services.sagemaker.model.DesiredWeightAndCapacity;
import software.amazon.awssdk.services.sagemaker.model.ProductionVariant;

/**
 * The endpoint lifecycle on SageMaker: create, update, traffic and delete, each a chain of
 * SageMaker and Application Auto Scaling calls waited on with {@link Polling}; describe and list
 * are {@link EndpointDescriptions}.
 */
public final class SageMakerEndpoints implements EndpointLifecycle {
  private final SageMakerModels models;
  private final EndpointConfigs configs;
  private final EndpointScaling scaling;
  private final EndpointDescriptions descriptions;
  private final AwsOptions options;
  private final SageMakerAsyncClient sm;
  private final SageMakerAsyncClient smOnce;
  private final AwsClients clients;

  /**
   * Creates the part over the session's clients.
   *
   * @param clients the SDK clients
   * @param models the models part
   */
  public SageMakerEndpoints(AwsClients clients, SageMakerModels models) {
    this.clients = clients;
    this.options = clients.options;
    this.sm = clients.sm;
    this.smOnce = clients.smOnce;
    this.models = models;
    this.configs = new EndpointConfigs(clients, models);
    this.scaling = new EndpointScaling(clients);
    this.descriptions = new EndpointDescriptions(clients);
  }

  @Override
  public CompletableFuture<EndpointDescription> createEndpoint(EndpointSpec spec, CallContext ctx) {
    EndpointPlan plan;
    try {
      plan = EndpointPlan.of(spec, models);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    String name = spec.name();
    List<String> madeModels = new ArrayList<>();
    AtomicBoolean madeConfig = new AtomicBoolean();
    ctx.progress("checking that endpoint " + name + " is free", 0.0);
    CompletableFuture<Void> created =
        descriptions
            .describeRaw(name, ctx)
            .handle(
                (d, e) -> {
                  if (e == null) {
                    throw AwsErrors.error(
                        ErrorCategory.CONFLICT,
                        "endpoint '"
                            + name
                            + "' already exists ("
                            + d.endpointStatusAsString()
                            + ")");
                  }
                  if (!AwsErrors.isNotFound(e)) {
                    throw AwsErrors.map("DescribeEndpoint", e);
                  }
                  return (Void) null;
                })
            .thenCompose(x -> models.createModels(plan, madeModels, ctx))
            .thenCompose(x -> configs.create(plan, ctx))
            .thenCompose(
                x -> {
                  madeConfig.set(true);
                  checkCancelled(ctx);
                  ctx.progress("creating endpoint " + name, 0.3);
                  return AwsErrors.WIRE.call(
                      "CreateEndpoint " + name,
                      () ->
                          sm.createEndpoint(
                              r ->
                                  r.endpointName(name)
                                      .endpointConfigName(plan.configName())
                                      .tags(clients.tags(spec.tags()))
                                      .overrideConfiguration(timeout(ctx))));
                })
            .handle(
                (r, e) -> {
                  if (e != null) {
                    configs.cleanUp(madeConfig.get() ? plan.configName() : null, madeModels);
                    throw AwsErrors.map("CreateEndpoint " + name, e);
                  }
                  return (Void) null;
                });
    return created
        .thenCompose(x -> descriptions.awaitStable(name, ctx))
        .thenCompose(d -> descriptions.requireInService(d, plan.configName()))
        .thenCompose(x -> scaling.register(plan, ctx))
        .thenCompose(x -> descriptions.describeInOperation(name, ctx));
  }

  @Override
  public CompletableFuture<EndpointDescription> updateEndpoint(EndpointSpec spec, CallContext ctx) {
    EndpointPlan plan;
    try {
      plan = EndpointPlan.of(spec, models);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    String name = spec.name();
    List<String> madeModels = new ArrayList<>();
    return descriptions
        .describeRaw(name, ctx)
        .thenCompose(
            current ->
                descriptions
                    .describeConfig(current.endpointConfigName(), ctx)
                    .thenCompose(
                        oldConfig ->
                            models
                                .createModels(plan, madeModels, ctx)
                                .thenCompose(x -> configs.create(plan, ctx))
                                .whenComplete(
                                    (x, e) -> {
                                      if (e != null) {
                                        configs.cleanUp(null, madeModels);
                                      }
                                    })
                                // SageMaker updates autoscaled variants only once deregistered.
                                .thenCompose(
                                    x ->
                                        scaling.deregister(
                                            name,
                                            EndpointDescriptions.variantNames(oldConfig),
                                            ctx))
                                .thenCompose(
                                    x -> {
                                      ctx.progress("updating endpoint " + name, 0.3);
                                      return AwsErrors.WIRE.call(
                                          "UpdateEndpoint " + name,
                                          () ->
                                              sm.updateEndpoint(
                                                  r -> {
                                                    r.endpointName(name)
                                                        .endpointConfigName(plan.configName())
                                                        .overrideConfiguration(timeout(ctx));
                                                    options
                                                        .updatePolicy()
                                                        .ifPresent(
                                                            p ->
                                                                r.deploymentConfig(
                                                                    EndpointConfigs.deployment(p)));
                                                  }));
                                    })
                                .thenCompose(x -> descriptions.awaitStable(name, ctx))
                                .thenCompose(
                                    d -> descriptions.requireInService(d, plan.configName()))
                                .thenCompose(x -> scaling.register(plan, ctx))
                                .thenApply(
                                    x -> {
                                      configs.cleanUp(
                                          oldConfig.endpointConfigName(),
                                          EndpointDescriptions.modelNames(oldConfig));
                                      return x;
                                    })))
        .thenCompose(x -> descriptions.describeInOperation(name, ctx));
  }

  @Override
  public CompletableFuture<EndpointDescription> updateTraffic(
      String endpoint, Map<String, Integer> traffic, Mirror mirror, CallContext ctx) {
    return descriptions
        .describeRaw(endpoint, ctx)
        .thenCompose(current -> descriptions.describeConfig(current.endpointConfigName(), ctx))
        .thenCompose(
            config -> {
              Mirror now = EndpointDescriptions.mirrorOf(config).orElse(null);
              if (!Objects.equals(now, mirror)) {
                throw AwsErrors.clientError(
                    ErrorCategory.INVALID_INPUT,
                    "SageMaker changes a shadow variant only with a new endpoint config: use"
                        + " Endpoint.update to change the mirror of '"
                        + endpoint
                        + "'");
              }
              List<DesiredWeightAndCapacity> weights = new ArrayList<>();
              for (ProductionVariant v : config.productionVariants()) {
                weights.add(
                    DesiredWeightAndCapacity.builder()
                        .variantName(v.variantName())
                        .desiredWeight((float) (int) traffic.getOrDefault(v.variantName(), 0))
                        .build());
              }
              return AwsErrors.WIRE.call(
                  "UpdateEndpointWeightsAndCapacities " + endpoint,
                  () ->
                      sm.updateEndpointWeightsAndCapacities(
                          r ->
                              r.endpointName(endpoint)
                                  .desiredWeightsAndCapacities(weights)
                                  .overrideConfiguration(timeout(ctx))));
            })
        .thenCompose(x -> descriptions.awaitStable(endpoint, ctx))
        .thenCompose(d -> descriptions.requireInService(d, null))
        .thenCompose(x -> descriptions.describeInOperation(endpoint, ctx));
  }

  @Override
  public CompletableFuture<Void> deleteEndpoint(String endpoint, CallContext ctx) {
    return descriptions
        .describeRaw(endpoint, ctx)
        .thenCompose(
            current ->
                descriptions
                    .describeConfig(current.endpointConfigName(), ctx)
                    .handle((c, e) -> e == null ? c : null)
                    .thenCompose(
                        config ->
                            scaling
                                .deregister(
                                    endpoint,
                                    config == null
                                        ? List.of()
                                        : EndpointDescriptions.variantNames(config),
                                    ctx)
                                .thenCompose(
                                    x ->
                                        AwsErrors.WIRE.call(
                                            "DeleteEndpoint " + endpoint,
                                            () ->
                                                smOnce.deleteEndpoint(
                                                    r ->
                                                        r.endpointName(endpoint)
                                                            .overrideConfiguration(timeout(ctx)))))
                                .thenCompose(x -> descriptions.awaitGone(endpoint, ctx))
                                .thenCompose(
                                    x ->
                                        configs.deleteQuietly(
                                            current.endpointConfigName(),
                                            config == null
                                                ? List.of()
                                                : EndpointDescriptions.modelNames(config),
                                            ctx))));
  }

  @Override
  public CompletableFuture<EndpointDescription> describeEndpoint(String endpoint, CallContext ctx) {
    // Core retries describe: no SDK retries underneath.
    return descriptions.describeEndpoint(endpoint, ctx);
  }

  @Override
  public CompletableFuture<List<EndpointDescription>> listEndpoints(CallContext ctx) {
    return descriptions.listEndpoints(ctx);
  }
}
