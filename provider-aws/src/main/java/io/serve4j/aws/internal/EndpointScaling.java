package io.serve4j.aws.internal;

import static io.serve4j.aws.internal.AwsCalls.checkCancelled;
import static io.serve4j.aws.internal.AwsCalls.timeout;

import io.serve4j.ScalingMetric;
import io.serve4j.spi.CallContext;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import software.amazon.awssdk.services.applicationautoscaling.ApplicationAutoScalingAsyncClient;
import software.amazon.awssdk.services.applicationautoscaling.model.CustomizedMetricSpecification;
import software.amazon.awssdk.services.applicationautoscaling.model.MetricDimension;
import software.amazon.awssdk.services.applicationautoscaling.model.MetricStatistic;
import software.amazon.awssdk.services.applicationautoscaling.model.MetricType;
import software.amazon.awssdk.services.applicationautoscaling.model.PolicyType;
import software.amazon.awssdk.services.applicationautoscaling.model.PredefinedMetricSpecification;
import software.amazon.awssdk.services.applicationautoscaling.model.ScalableDimension;
import software.amazon.awssdk.services.applicationautoscaling.model.ScalableTarget;
import software.amazon.awssdk.services.applicationautoscaling.model.ScalingPolicy;
import software.amazon.awssdk.services.applicationautoscaling.model.ServiceNamespace;
import software.amazon.awssdk.services.applicationautoscaling.model.TargetTrackingScalingPolicyConfiguration;

/**
 * Application Auto Scaling of endpoint variants: the scalable target and target-tracking policy of
 * each autoscaled variant, registered after a deploy or update and deregistered before an update or
 * delete.
 */
final class EndpointScaling {
  private final ApplicationAutoScalingAsyncClient scaling;

  /**
   * Creates the part over the session's clients.
   *
   * @param clients the SDK clients
   */
  EndpointScaling(AwsClients clients) {
    this.scaling = clients.scaling;
  }

  static String resourceId(String endpoint, String variant) {
    return "endpoint/" + endpoint + "/variant/" + variant;
  }

  CompletableFuture<Void> register(EndpointPlan plan, CallContext ctx) {
    CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
    for (EndpointPlan.Variant v : plan.variants()) {
      if (v.shadow() || !v.deployment().scaling().isAutoscaling()) {
        continue;
      }
      String resource = resourceId(plan.spec().name(), v.variantName());
      var s = v.deployment().scaling();
      chain =
          chain
              .thenCompose(
                  x ->
                      AwsErrors.WIRE.call(
                          "RegisterScalableTarget " + resource,
                          () ->
                              scaling.registerScalableTarget(
                                  r ->
                                      r.serviceNamespace(ServiceNamespace.SAGEMAKER)
                                          .resourceId(resource)
                                          .scalableDimension(
                                              ScalableDimension
                                                  .SAGEMAKER_VARIANT_DESIRED_INSTANCE_COUNT)
                                          .minCapacity(Math.max(1, s.minInstances()))
                                          .maxCapacity(s.maxInstances())
                                          .overrideConfiguration(timeout(ctx)))))
              .thenCompose(
                  x -> {
                    checkCancelled(ctx);
                    return AwsErrors.WIRE.call(
                        "PutScalingPolicy " + resource,
                        () ->
                            scaling.putScalingPolicy(
                                r ->
                                    r.policyName("serve4j-" + v.variantName() + "-target-tracking")
                                        .serviceNamespace(ServiceNamespace.SAGEMAKER)
                                        .resourceId(resource)
                                        .scalableDimension(
                                            ScalableDimension
                                                .SAGEMAKER_VARIANT_DESIRED_INSTANCE_COUNT)
                                        .policyType(PolicyType.TARGET_TRACKING_SCALING)
                                        .targetTrackingScalingPolicyConfiguration(
                                            tracking(
                                                plan.spec().name(),
                                                v.variantName(),
                                                s.metric().orElseThrow(),
                                                s.target(),
                                                plan.spec().asyncInference().isPresent()))
                                        .overrideConfiguration(timeout(ctx))));
                  })
              .thenApply(x -> null);
    }
    return chain;
  }

  /**
   * The target tracking of one variant. On an asynchronous endpoint, invocations per instance
   * become the queue's {@code ApproximateBacklogSizePerInstance} (namespace {@code AWS/SageMaker},
   * dimension {@code EndpointName}), the metric SageMaker's documentation tracks to autoscale
   * asynchronous endpoints; the target is then queued requests per instance.
   */
  private static TargetTrackingScalingPolicyConfiguration tracking(
      String endpoint, String variant, ScalingMetric metric, double target, boolean async) {
    TargetTrackingScalingPolicyConfiguration.Builder b =
        TargetTrackingScalingPolicyConfiguration.builder().targetValue(target);
    if (metric == ScalingMetric.INVOCATIONS_PER_INSTANCE && async) {
      return b.customizedMetricSpecification(
              CustomizedMetricSpecification.builder()
                  .metricName("ApproximateBacklogSizePerInstance")
                  .namespace("AWS/SageMaker")
                  .dimensions(
                      MetricDimension.builder().name("EndpointName").value(endpoint).build())
                  .statistic(MetricStatistic.AVERAGE)
                  .build())
          .build();
    }
    if (metric == ScalingMetric.INVOCATIONS_PER_INSTANCE) {
      return b.predefinedMetricSpecification(
              PredefinedMetricSpecification.builder()
                  .predefinedMetricType(MetricType.SAGE_MAKER_VARIANT_INVOCATIONS_PER_INSTANCE)
                  .build())
          .build();
    }
    String name = metric == ScalingMetric.CPU_UTILIZATION ? "CPUUtilization" : "GPUUtilization";
    return b.customizedMetricSpecification(
            CustomizedMetricSpecification.builder()
                .metricName(name)
                .namespace("/aws/sagemaker/Endpoints")
                .dimensions(
                    MetricDimension.builder().name("EndpointName").value(endpoint).build(),
                    MetricDimension.builder().name("VariantName").value(variant).build())
                .statistic(MetricStatistic.AVERAGE)
                .unit("Percent")
                .build())
        .build();
  }

  /**
   * The scaling of an endpoint's variants as found before an update: their scalable targets and
   * policies, to deregister (SageMaker updates autoscaled variants only once deregistered) and to
   * restore if the update fails or is cancelled.
   *
   * @param targets the registered scalable targets
   * @param policies their scaling policies
   */
  record Saved(List<ScalableTarget> targets, List<ScalingPolicy> policies) {
    static final Saved NONE = new Saved(List.of(), List.of());
  }

  /**
   * Reads the scalable targets and policies of these variants of an endpoint.
   *
   * @param endpoint the endpoint
   * @param variants its variants
   * @param withPolicies whether to read the policies too
   * @param ctx the call's context
   * @return what is registered
   */
  CompletableFuture<Saved> find(
      String endpoint, List<String> variants, boolean withPolicies, CallContext ctx) {
    if (variants.isEmpty()) {
      return CompletableFuture.completedFuture(Saved.NONE);
    }
    List<String> ids = variants.stream().map(v -> resourceId(endpoint, v)).toList();
    return AwsErrors.WIRE
        .call(
            "DescribeScalableTargets " + endpoint,
            () ->
                scaling.describeScalableTargets(
                    r ->
                        r.serviceNamespace(ServiceNamespace.SAGEMAKER)
                            .resourceIds(ids)
                            .scalableDimension(
                                ScalableDimension.SAGEMAKER_VARIANT_DESIRED_INSTANCE_COUNT)
                            .overrideConfiguration(timeout(ctx))))
        .thenCompose(
            found -> {
              List<ScalableTarget> targets = found.scalableTargets();
              if (targets.isEmpty() || !withPolicies) {
                return CompletableFuture.completedFuture(
                    new Saved(List.copyOf(targets), List.of()));
              }
              List<CompletableFuture<List<ScalingPolicy>>> each = new ArrayList<>();
              for (ScalableTarget t : targets) {
                each.add(
                    AwsErrors.WIRE
                        .call(
                            "DescribeScalingPolicies " + t.resourceId(),
                            () ->
                                scaling.describeScalingPolicies(
                                    r ->
                                        r.serviceNamespace(ServiceNamespace.SAGEMAKER)
                                            .resourceId(t.resourceId())
                                            .scalableDimension(t.scalableDimension())
                                            .overrideConfiguration(timeout(ctx))))
                        .thenApply(p -> p.scalingPolicies()));
              }
              return CompletableFuture.allOf(each.toArray(CompletableFuture[]::new))
                  .thenApply(
                      x ->
                          new Saved(
                              List.copyOf(targets),
                              each.stream().flatMap(f -> f.join().stream()).toList()));
            });
  }

  /**
   * Deregisters the scalable targets (and with them their policies) of these variants.
   *
   * @param endpoint the endpoint
   * @param variants its variants
   * @param ctx the call's context
   * @return done when deregistered
   */
  CompletableFuture<Void> deregister(String endpoint, List<String> variants, CallContext ctx) {
    return find(endpoint, variants, false, ctx).thenCompose(saved -> deregister(saved, ctx));
  }

  /**
   * Deregisters saved scalable targets (and with them their policies).
   *
   * @param saved what {@link #find} found
   * @param ctx the call's context
   * @return done when deregistered
   */
  CompletableFuture<Void> deregister(Saved saved, CallContext ctx) {
    CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
    for (ScalableTarget t : saved.targets()) {
      chain =
          chain
              .thenCompose(
                  x ->
                      AwsErrors.WIRE.call(
                          "DeregisterScalableTarget " + t.resourceId(),
                          () ->
                              scaling.deregisterScalableTarget(
                                  r ->
                                      r.serviceNamespace(ServiceNamespace.SAGEMAKER)
                                          .resourceId(t.resourceId())
                                          .scalableDimension(t.scalableDimension())
                                          .overrideConfiguration(timeout(ctx)))))
              .thenApply(x -> null);
    }
    return chain;
  }

  /**
   * Registers saved scalable targets and puts their policies back, as they were.
   *
   * @param saved what {@link #find} found
   * @param ctx the call's context
   * @return done when restored
   */
  CompletableFuture<Void> restore(Saved saved, CallContext ctx) {
    CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
    for (ScalableTarget t : saved.targets()) {
      chain =
          chain
              .thenCompose(
                  x ->
                      AwsErrors.WIRE.call(
                          "RegisterScalableTarget " + t.resourceId(),
                          () ->
                              scaling.registerScalableTarget(
                                  r ->
                                      r.serviceNamespace(ServiceNamespace.SAGEMAKER)
                                          .resourceId(t.resourceId())
                                          .scalableDimension(t.scalableDimension())
                                          .minCapacity(t.minCapacity())
                                          .maxCapacity(t.maxCapacity())
                                          .overrideConfiguration(timeout(ctx)))))
              .thenApply(x -> null);
    }
    for (ScalingPolicy p : saved.policies()) {
      chain =
          chain
              .thenCompose(
                  x ->
                      AwsErrors.WIRE.call(
                          "PutScalingPolicy " + p.resourceId(),
                          () ->
                              scaling.putScalingPolicy(
                                  r ->
                                      r.policyName(p.policyName())
                                          .serviceNamespace(ServiceNamespace.SAGEMAKER)
                                          .resourceId(p.resourceId())
                                          .scalableDimension(p.scalableDimension())
                                          .policyType(p.policyType())
                                          .targetTrackingScalingPolicyConfiguration(
                                              p.targetTrackingScalingPolicyConfiguration())
                                          .stepScalingPolicyConfiguration(
                                              p.stepScalingPolicyConfiguration())
                                          .overrideConfiguration(timeout(ctx)))))
              .thenApply(x -> null);
    }
    return chain;
  }
}
