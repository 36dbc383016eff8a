package io.serve4j.azure.internal;

import static io.serve4j.azure.internal.Workspace.ONLINE;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.serve4j.DeploymentSpec;
import io.serve4j.EndpointDescription;
import io.serve4j.EndpointSpec;
import io.serve4j.ErrorCategory;
import io.serve4j.Mirror;
import io.serve4j.ServingException;
import io.serve4j.azure.AzureProvider;
import io.serve4j.spi.CallContext;
import io.serve4j.spi.EndpointLifecycle;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

/**
 * The lifecycle of Azure ML managed online endpoints: create (endpoint, deployments, traffic),
 * update (deployments, traffic, removal of deployments no longer wanted), traffic shifts and
 * delete. Deployments are {@link OnlineDeployments}' job; reading is {@link EndpointDescriptions}'.
 */
public final class OnlineEndpoints implements EndpointLifecycle {
  private final Workspace ws;
  private final OnlineDeployments deployments;
  private final EndpointDescriptions descriptions;

  /**
   * Creates the lifecycle part of a workspace.
   *
   * @param ws the workspace
   */
  public OnlineEndpoints(Workspace ws) {
    this.ws = ws;
    this.descriptions = new EndpointDescriptions(ws);
    this.deployments = new OnlineDeployments(ws, descriptions);
  }

  /**
   * Creates the endpoint, its deployments and its traffic. If a step fails or the caller cancels,
   * the endpoint (and with it its deployments) is deleted once the steps have stopped.
   */
  @Override
  public CompletableFuture<EndpointDescription> createEndpoint(EndpointSpec spec, CallContext ctx) {
    String name = spec.name();
    String what = "create endpoint '" + name + "'";
    return AzureErrors.WIRE.call(
        what,
        () ->
            UndoLog.run(
                ctx,
                undo -> {
                  deployments.checkDeployable(spec);
                  return ws.exists(ONLINE + "/" + name)
                      .thenCompose(
                          found -> {
                            if (found) {
                              throw ServingException.builder(ErrorCategory.CONFLICT)
                                  .providerId(AzureProvider.ID)
                                  .message("online endpoint '" + name + "' already exists")
                                  .build();
                            }
                            return ws.location();
                          })
                      .thenCompose(
                          loc -> {
                            ctx.progress("creating online endpoint " + name, -1);
                            undo.add(() -> delete(name, UndoLog.context()));
                            return ws.arm
                                .putAndWait(
                                    ONLINE + "/" + name,
                                    Bodies.onlineEndpoint(
                                        loc,
                                        ws.options.scoringAuthMode(),
                                        spec.tags(),
                                        Map.of(),
                                        null),
                                    ctx,
                                    what,
                                    ErrorCategory.INTERNAL)
                                .thenCompose(
                                    e -> deployments.putAll(spec, loc, Map.of(), undo, ctx))
                                .thenCompose(
                                    x ->
                                        setTraffic(
                                            name,
                                            spec.traffic(),
                                            spec.mirror().orElse(null),
                                            null,
                                            ctx));
                          })
                      .thenCompose(x -> descriptions.describe(name, ws.arm.within(ctx.deadline())));
                }));
  }

  /**
   * Updates the endpoint: puts every deployment of the spec, sets the traffic, then deletes the
   * deployments the spec no longer has. If a step before those deletes fails or the caller cancels,
   * the endpoint is put back as it was (traffic first, then each deployment: a new one deleted, a
   * changed one put back) once the steps have stopped.
   */
  @Override
  public CompletableFuture<EndpointDescription> updateEndpoint(EndpointSpec spec, CallContext ctx) {
    String name = spec.name();
    String what = "update endpoint '" + name + "'";
    return AzureErrors.WIRE.call(
        what,
        () ->
            UndoLog.run(
                ctx,
                undo -> {
                  deployments.checkDeployable(spec);
                  Arm bounded = ws.arm.within(ctx.deadline());
                  return bounded
                      .get(ONLINE + "/" + name)
                      .thenCompose(
                          r ->
                              descriptions
                                  .listDeployments(name, bounded)
                                  .thenCompose(
                                      existing ->
                                          ws.location()
                                              .thenCompose(
                                                  loc ->
                                                      update(
                                                          spec,
                                                          r.json(),
                                                          byName(existing),
                                                          loc,
                                                          undo,
                                                          ctx))));
                }));
  }

  private CompletableFuture<EndpointDescription> update(
      EndpointSpec spec,
      JsonNode endpoint,
      Map<String, JsonNode> existing,
      String loc,
      UndoLog undo,
      CallContext ctx) {
    String name = spec.name();
    return deployments
        .putAll(spec, loc, existing, undo, ctx)
        .thenCompose(
            x -> setTraffic(name, spec.traffic(), spec.mirror().orElse(null), endpoint, ctx, undo))
        .thenCompose(
            x -> {
              Set<String> wanted =
                  spec.deployments().stream().map(DeploymentSpec::name).collect(Collectors.toSet());
              List<CompletableFuture<Void>> deletes = new ArrayList<>();
              for (String dn : existing.keySet()) {
                if (!wanted.contains(dn)) {
                  deletes.add(deployments.delete(name, dn, ctx));
                }
              }
              return CompletableFuture.allOf(deletes.toArray(new CompletableFuture<?>[0]));
            })
        .thenCompose(x -> descriptions.describe(name, ws.arm.within(ctx.deadline())));
  }

  private static Map<String, JsonNode> byName(List<JsonNode> deployments) {
    Map<String, JsonNode> m = new LinkedHashMap<>();
    deployments.forEach(d -> m.put(d.path("name").asText(), d));
    return m;
  }

  @Override
  public CompletableFuture<EndpointDescription> updateTraffic(
      String endpoint, Map<String, Integer> traffic, Mirror mirror, CallContext ctx) {
    return AzureErrors.WIRE.call(
        "update traffic of endpoint '" + endpoint + "'",
        () ->
            setTraffic(endpoint, traffic, mirror, null, ctx)
                .thenCompose(x -> descriptions.describe(endpoint, ws.arm.within(ctx.deadline()))));
  }

  @Override
  public CompletableFuture<Void> deleteEndpoint(String endpoint, CallContext ctx) {
    String what = "delete endpoint '" + endpoint + "'";
    return AzureErrors.WIRE.call(
        what,
        () ->
            ws.armOnce
                .within(ctx.deadline())
                .get(ONLINE + "/" + endpoint)
                .thenCompose(
                    r -> descriptions.listDeployments(endpoint, ws.arm.within(ctx.deadline())))
                .thenCompose(
                    deps ->
                        delete(endpoint, ctx)
                            .thenCompose(
                                // serve4j deletes the autoscale settings it made for the
                                // endpoint's deployments once the endpoint is gone.
                                x ->
                                    CompletableFuture.allOf(
                                        deps.stream()
                                            .map(
                                                d ->
                                                    deployments.deleteAutoscale(
                                                        endpoint, d.path("name").asText(), ctx))
                                            .toArray(CompletableFuture<?>[]::new)))));
  }

  private CompletableFuture<Void> delete(String endpoint, CallContext ctx) {
    return ws.arm
        .deleteAndWait(ONLINE + "/" + endpoint, ctx, "delete endpoint '" + endpoint + "'")
        .whenComplete((v, e) -> ws.auth.forget(ONLINE, endpoint));
  }

  @Override
  public CompletableFuture<EndpointDescription> describeEndpoint(String endpoint, CallContext ctx) {
    return AzureErrors.WIRE.call(
        "describe endpoint '" + endpoint + "'",
        () -> descriptions.describe(endpoint, ws.armOnce.within(ctx.deadline())));
  }

  @Override
  public CompletableFuture<List<EndpointDescription>> listEndpoints(CallContext ctx) {
    return AzureErrors.WIRE.call(
        "list endpoints", () -> descriptions.list(ws.armOnce.within(ctx.deadline())));
  }

  private CompletableFuture<JsonNode> setTraffic(
      String endpoint, Map<String, Integer> traffic, Mirror mirror, JsonNode was, CallContext ctx) {
    return setTraffic(endpoint, traffic, mirror, was, ctx, null);
  }

  /**
   * Sets an endpoint's traffic and mirror share: a GET, then a PUT of the endpoint as read with
   * only those changed (what the user or Azure set stays); with an undo log, records putting {@code
   * was} back first.
   */
  private CompletableFuture<JsonNode> setTraffic(
      String endpoint,
      Map<String, Integer> traffic,
      Mirror mirror,
      JsonNode was,
      CallContext ctx,
      UndoLog undo) {
    String what = "traffic of endpoint '" + endpoint + "'";
    return ws.arm
        .get(ONLINE + "/" + endpoint)
        .thenCompose(
            r -> {
              ObjectNode body = Bodies.withTraffic(r.json(), traffic, mirror);
              if (undo != null && was != null) {
                undo.add(
                    () ->
                        ws.arm.putAndWait(
                            ONLINE + "/" + endpoint,
                            Bodies.restorable(was),
                            UndoLog.context(),
                            "undo: put back " + what,
                            ErrorCategory.INTERNAL));
              }
              ctx.progress("setting traffic of " + endpoint + " to " + traffic, -1);
              return ws.arm.putAndWait(
                  ONLINE + "/" + endpoint, body, ctx, what, ErrorCategory.INTERNAL);
            });
  }

  @Override
  public String toString() {
    return "OnlineEndpoints[" + ws + "]";
  }
}
