package io.serve4j.azure.internal;

import static io.serve4j.azure.internal.Workspace.ONLINE;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.serve4j.DeploymentSpec;
import io.serve4j.EndpointSpec;
import io.serve4j.ErrorCategory;
import io.serve4j.Model;
import io.serve4j.ServingException;
import io.serve4j.azure.AzureProvider;
import io.serve4j.spi.CallContext;
import io.serve4j.spi.Wire;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The managed online deployments of an endpoint: checks that a model can be deployed, registers it
 * (and its container image as an environment), creates or updates each deployment on its SKU, and
 * attaches the container's log tail to a deployment that failed to load.
 */
final class OnlineDeployments {
  private final Workspace ws;
  private final EndpointDescriptions descriptions;
  private final Autoscale autoscale;

  OnlineDeployments(Workspace ws, EndpointDescriptions descriptions) {
    this.ws = ws;
    this.descriptions = descriptions;
    this.autoscale = new Autoscale(ws);
  }

  /**
   * Refuses, before any call, deployments this provider cannot create.
   *
   * @param spec the endpoint spec
   */
  void checkDeployable(EndpointSpec spec) {
    for (DeploymentSpec d : spec.deployments()) {
      AzureOfferings.resolve(d.accelerator());
      Autoscale.check(d);
      Model m = d.model();
      Containers.check(m);
      if (!Models.isTriton(m) && m.image().isEmpty() && ws.options.environment().isEmpty()) {
        throw ServingException.builder(ErrorCategory.INVALID_INPUT)
            .providerId(AzureProvider.ID)
            .message(
                "model '"
                    + m.name()
                    + "' is "
                    + m.format()
                    + ", not ONNX: give it an image (Model.image) or set AzureOptions.environment")
            .build();
      }
    }
  }

  /**
   * Creates or updates the deployments of the spec one after the other (so that after a failure or
   * a cancel no further one is sent), recording in {@code undo}, before each, how to put it back: a
   * new one is deleted, an existing one is put back as it was.
   *
   * @param spec the endpoint spec
   * @param loc the Azure region
   * @param existing the endpoint's deployments as they were, by name
   * @param undo where to record the undos
   * @param ctx the call
   * @return done when all are provisioned
   */
  CompletableFuture<Void> putAll(
      EndpointSpec spec,
      String loc,
      Map<String, JsonNode> existing,
      UndoLog undo,
      CallContext ctx) {
    CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
    for (DeploymentSpec d : spec.deployments()) {
      JsonNode was = existing.get(d.name());
      String path = ONLINE + "/" + spec.name() + "/deployments/" + d.name();
      String what = "deployment '" + d.name() + "' of endpoint '" + spec.name() + "'";
      chain =
          chain
              .thenCompose(
                  x -> {
                    undo.add(
                        was == null
                            ? () ->
                                ws.arm.deleteAndWait(
                                    path, UndoLog.context(), "undo: delete " + what)
                            : () ->
                                ws.arm.putAndWait(
                                    path,
                                    Bodies.restorable(was),
                                    UndoLog.context(),
                                    "undo: put back " + what,
                                    ErrorCategory.INTERNAL));
                    return put(spec.name(), d, loc, ctx).thenApply(r -> null);
                  })
              .thenCompose(x -> autoscale.apply(spec.name(), d, loc, was != null, undo, ctx));
    }
    return chain;
  }

  private CompletableFuture<JsonNode> put(
      String endpoint, DeploymentSpec d, String loc, CallContext ctx) {
    String what = "deployment '" + d.name() + "' of endpoint '" + endpoint + "'";
    String sku = AzureOfferings.resolve(d.accelerator()).sku();
    return ws.models
        .register(d.model(), ctx)
        .thenCompose(
            registered ->
                environment(d.model())
                    .thenCompose(
                        env -> {
                          ctx.progress("creating " + what + " on " + sku, -1);
                          return ws.arm.putAndWait(
                              ONLINE + "/" + endpoint + "/deployments/" + d.name(),
                              Bodies.onlineDeployment(loc, d, sku, registered, env, ws.options),
                              ctx,
                              what,
                              ErrorCategory.MODEL_LOAD);
                        }))
        .exceptionallyCompose(e -> withLogs(endpoint, d.name(), e));
  }

  /**
   * Deletes a deployment and waits until it is gone, then the autoscale setting serve4j made for
   * it, if any.
   *
   * @param endpoint the endpoint name
   * @param deployment the deployment name
   * @param ctx the call
   * @return done when deleted
   */
  CompletableFuture<Void> delete(String endpoint, String deployment, CallContext ctx) {
    return ws.arm
        .deleteAndWait(
            ONLINE + "/" + endpoint + "/deployments/" + deployment,
            ctx,
            "delete deployment '" + deployment + "'")
        .thenCompose(x -> deleteAutoscale(endpoint, deployment, ctx));
  }

  /**
   * Deletes the autoscale setting serve4j made for a deployment, if there is one.
   *
   * @param endpoint the endpoint name
   * @param deployment the deployment name
   * @param ctx the call
   * @return done when gone
   */
  CompletableFuture<Void> deleteAutoscale(String endpoint, String deployment, CallContext ctx) {
    return autoscale.delete(Autoscale.settingName(endpoint, deployment), ctx);
  }

  /** Fails with the deployment's error, its container logs appended as a diagnostic. */
  private <T> CompletableFuture<T> withLogs(String endpoint, String deployment, Throwable e) {
    ServingException s = AzureErrors.WIRE.typed("deployment '" + deployment + "'", e);
    if (s == null) {
      return CompletableFuture.failedFuture(Wire.unwrap(e)); // cancelled
    }
    if (s.category() != ErrorCategory.MODEL_LOAD && s.category() != ErrorCategory.INTERNAL) {
      return CompletableFuture.failedFuture(s);
    }
    return descriptions
        .logs(endpoint, deployment)
        .handle(
            (logs, le) -> {
              throw logs == null || logs.isBlank()
                  ? s
                  : s.toBuilder()
                      .message(s.getMessage() + "\n--- deployment logs (tail) ---\n" + logs)
                      .build();
            });
  }

  /**
   * The environment a model runs in: none for Triton, its own image (registered as an environment
   * version with the container's routes as its {@code inferenceConfig}), or the configured one.
   */
  private CompletableFuture<String> environment(Model model) {
    if (Models.isTriton(model)) {
      return CompletableFuture.completedFuture(null);
    }
    if (model.image().isEmpty()) {
      return CompletableFuture.completedFuture(ws.options.environment().orElse(null));
    }
    ObjectNode body = Containers.environment(model);
    String relative =
        "environments/serve4j-"
            + model.name()
            + "/versions/"
            + Containers.environmentVersion(model, body);
    return ws.arm.put(relative, body).thenApply(r -> ws.arm.workspaceId() + "/" + relative);
  }
}
