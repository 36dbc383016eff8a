package io.serve4j.azure.internal;

import com.azure.core.http.HttpMethod;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.serve4j.DeploymentSpec;
import io.serve4j.DeviceKind;
import io.serve4j.ErrorCategory;
import io.serve4j.Scaling;
import io.serve4j.ScalingMetric;
import io.serve4j.ServingException;
import io.serve4j.azure.AzureProvider;
import io.serve4j.spi.CallContext;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;

/**
 * Autoscaling of managed online deployments the way Azure ML documents it ("Autoscale online
 * endpoints", learn.microsoft.com/azure/machine-learning/how-to-autoscale-endpoints): an Azure
 * Monitor autoscale setting ({@code Microsoft.Insights/autoscalesettings}, api-version {@value
 * #API_VERSION}) in the workspace's resource group whose {@code targetResourceUri} is the
 * deployment's ARM id, with one profile (capacity minimum / maximum / default) and two rules on the
 * metric the user asked for, from the deployment metrics Azure Monitor publishes for {@code
 * Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments}:
 *
 * <ul>
 *   <li>{@link ScalingMetric#CPU_UTILIZATION} → {@code CpuUtilizationPercentage};
 *   <li>{@link ScalingMetric#GPU_UTILIZATION} → {@code GpuUtilizationPercentage} (refused on CPU
 *       SKUs);
 *   <li>{@link ScalingMetric#INVOCATIONS_PER_INSTANCE} → {@code RequestsPerMinute} ("the number of
 *       requests sent to online deployment within a minute") with {@code dividePerInstance}, so the
 *       threshold is per instance per minute as the portable metric says.
 * </ul>
 *
 * <p>Azure Monitor rules are thresholds, not target tracking: serve4j adds one instance when the
 * 5-minute average is above the target and removes one when it is below half the target (with n
 * instances at half the target, n - 1 carry at most the target, so a scale-in never pushes the
 * metric straight over it). Anything else is refused before any call; nothing is converted.
 */
final class Autoscale {
  static final String API_VERSION = "2022-10-01";
  static final String NAMESPACE =
      "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments";

  private final Workspace ws;

  Autoscale(Workspace ws) {
    this.ws = ws;
  }

  /**
   * Refuses, before any call, a scaling policy Azure Monitor cannot carry out as asked.
   *
   * @param d the deployment
   */
  static void check(DeploymentSpec d) {
    Scaling s = d.scaling();
    if (!s.isAutoscaling()) {
      return;
    }
    ScalingMetric m = s.metric().orElseThrow();
    metricName(m, d.name());
    if (m == ScalingMetric.GPU_UTILIZATION && d.accelerator().kind() != DeviceKind.GPU) {
      throw invalid(
          "deployment '"
              + d.name()
              + "' scales on GPU utilisation but runs on "
              + d.accelerator()
              + ": GpuUtilizationPercentage has no GPU to measure there");
    }
    if (percent(m) && s.target() > 100) {
      throw invalid(
          "deployment '"
              + d.name()
              + "' scales on "
              + m
              + " with target "
              + s.target()
              + ": a utilisation percentage is at most 100");
    }
  }

  /** The Azure Monitor metric of a portable one; refused if Azure has none. */
  static String metricName(ScalingMetric m, String deployment) {
    return switch (m) {
      case CPU_UTILIZATION -> "CpuUtilizationPercentage";
      case GPU_UTILIZATION -> "GpuUtilizationPercentage";
      case INVOCATIONS_PER_INSTANCE -> "RequestsPerMinute";
      default ->
          throw ServingException.builder(ErrorCategory.UNSUPPORTED_CAPABILITY)
              .providerId(AzureProvider.ID)
              .message(
                  "deployment '"
                      + deployment
                      + "': Azure Monitor has no deployment metric for "
                      + m
                      + " to autoscale on")
              .build();
    };
  }

  private static boolean percent(ScalingMetric m) {
    return m == ScalingMetric.CPU_UTILIZATION || m == ScalingMetric.GPU_UTILIZATION;
  }

  /** The setting's name: one per deployment, owned by serve4j. */
  static String settingName(String endpoint, String deployment) {
    return "serve4j-" + endpoint + "-" + deployment;
  }

  String deploymentId(String endpoint, String deployment) {
    return ws.arm.workspaceId()
        + "/"
        + Workspace.ONLINE
        + "/"
        + endpoint
        + "/deployments/"
        + deployment;
  }

  /**
   * The {@code AutoscaleSettings_CreateOrUpdate} body of a deployment.
   *
   * @param location the region (the deployment's)
   * @param deploymentId the deployment's ARM id
   * @param d the deployment
   * @param name the setting's name
   * @return the body
   */
  static ObjectNode body(String location, String deploymentId, DeploymentSpec d, String name) {
    Scaling s = d.scaling();
    ScalingMetric m = s.metric().orElseThrow();
    ObjectNode root = Rest.JSON.createObjectNode();
    root.put("location", location);
    root.putObject("tags").put("serve4j.deployment", deploymentId);
    ObjectNode p = root.putObject("properties");
    p.put("name", name);
    p.put("enabled", true);
    p.put("targetResourceUri", deploymentId);
    p.put("targetResourceLocation", location);
    ObjectNode profile = p.putArray("profiles").addObject();
    profile.put("name", "serve4j");
    ObjectNode capacity = profile.putObject("capacity");
    capacity.put("minimum", String.valueOf(s.minInstances()));
    capacity.put("maximum", String.valueOf(s.maxInstances()));
    capacity.put("default", String.valueOf(s.initialInstances()));
    ArrayNode rules = profile.putArray("rules");
    String metric = metricName(m, d.name());
    boolean perInstance = m == ScalingMetric.INVOCATIONS_PER_INSTANCE;
    rule(rules, metric, deploymentId, perInstance, "GreaterThan", s.target(), "Increase");
    rule(rules, metric, deploymentId, perInstance, "LessThan", s.target() / 2, "Decrease");
    return root;
  }

  private static void rule(
      ArrayNode rules,
      String metric,
      String resource,
      boolean perInstance,
      String operator,
      double threshold,
      String direction) {
    ObjectNode rule = rules.addObject();
    ObjectNode t = rule.putObject("metricTrigger");
    t.put("metricName", metric);
    t.put("metricNamespace", NAMESPACE);
    t.put("metricResourceUri", resource);
    t.put("timeGrain", "PT1M");
    t.put("statistic", "Average");
    t.put("timeWindow", "PT5M");
    t.put("timeAggregation", "Average");
    t.put("operator", operator);
    t.put("threshold", threshold);
    t.put("dividePerInstance", perInstance);
    ObjectNode a = rule.putObject("scaleAction");
    a.put("direction", direction);
    a.put("type", "ChangeCount");
    a.put("value", "1");
    a.put("cooldown", "PT5M");
  }

  /**
   * Gives a deployment just put the autoscale setting its spec asks for: creates or replaces it
   * when it autoscales, deletes a setting serve4j made before when it no longer does. Records in
   * {@code undo}, before each change, how to put the setting back as it was (deleted if it did not
   * exist).
   *
   * @param endpoint the endpoint
   * @param d the deployment
   * @param loc its region
   * @param existed whether the deployment existed before (only then can a setting exist)
   * @param undo the undo log
   * @param ctx the call
   * @return done when the setting is as the spec asks
   */
  CompletableFuture<Void> apply(
      String endpoint,
      DeploymentSpec d,
      String loc,
      boolean existed,
      UndoLog undo,
      CallContext ctx) {
    String name = settingName(endpoint, d.name());
    if (!existed && !d.scaling().isAutoscaling()) {
      return CompletableFuture.completedFuture(null);
    }
    CompletableFuture<JsonNode> before =
        existed ? read(name, ctx) : CompletableFuture.completedFuture(null);
    return before.thenCompose(
        was -> {
          if (!d.scaling().isAutoscaling()) {
            if (was == null) {
              return CompletableFuture.completedFuture(null);
            }
            undo.add(() -> put(name, Bodies.restorable(was), UndoLog.context()));
            return delete(name, ctx);
          }
          undo.add(
              was == null
                  ? () -> delete(name, UndoLog.context())
                  : () -> put(name, Bodies.restorable(was), UndoLog.context()));
          ctx.progress("setting autoscale of deployment " + d.name() + " (" + name + ")", -1);
          return put(name, body(loc, deploymentId(endpoint, d.name()), d, name), ctx);
        });
  }

  private String url(String name) {
    return ws.arm.resourceGroupUrl("Microsoft.Insights/autoscalesettings/" + name, API_VERSION);
  }

  /** The setting as read, or null if there is none. */
  CompletableFuture<JsonNode> read(String name, CallContext ctx) {
    return ws.arm
        .within(ctx.deadline())
        .send(HttpMethod.GET, url(name), null)
        .thenApply(Rest.Response::json)
        .exceptionallyCompose(
            e -> {
              ServingException s =
                  AzureErrors.map(e, AzureErrors.Plane.CONTROL, "get autoscale setting " + name);
              return s.category() == ErrorCategory.NOT_FOUND
                  ? CompletableFuture.completedFuture(null)
                  : CompletableFuture.failedFuture(s);
            });
  }

  CompletableFuture<Void> put(String name, Object body, CallContext ctx) {
    if (ctx.isCancelled()) {
      return CompletableFuture.failedFuture(
          new CancellationException("autoscale setting " + name + " was cancelled"));
    }
    return ws.arm.within(ctx.deadline()).send(HttpMethod.PUT, url(name), body).thenApply(r -> null);
  }

  /**
   * Deletes a setting; one that is not there is no error.
   *
   * @param name the setting
   * @param ctx the call
   * @return done when gone
   */
  CompletableFuture<Void> delete(String name, CallContext ctx) {
    if (ctx.isCancelled()) {
      return CompletableFuture.failedFuture(
          new CancellationException("delete of autoscale setting " + name + " was cancelled"));
    }
    return ws.arm
        .within(ctx.deadline())
        .send(HttpMethod.DELETE, url(name), null)
        .<Void>thenApply(r -> null)
        .exceptionallyCompose(
            e -> {
              ServingException s =
                  AzureErrors.map(e, AzureErrors.Plane.CONTROL, "delete autoscale setting " + name);
              return s.category() == ErrorCategory.NOT_FOUND
                  ? CompletableFuture.completedFuture(null)
                  : CompletableFuture.failedFuture(s);
            });
  }

  private static ServingException invalid(String message) {
    return ServingException.builder(ErrorCategory.INVALID_INPUT)
        .providerId(AzureProvider.ID)
        .message(message)
        .build();
  }
}
