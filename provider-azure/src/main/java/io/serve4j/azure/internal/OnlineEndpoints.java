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
import io.serve4j.azure.ScoringAuthMode;
import io.serve4j.spi.CallContext;
import io.serve4j.spi.EndpointLifecycle;
import java.util.ArrayList;
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

  @Override
  public CompletableFuture<EndpointDescription> createEndpoint(EndpointSpec spec, CallContext ctx) {
    String name = spec.name();
    String what = "create endpoint '" + name + "'";
    return AzureErrors.WIRE.call(
        what,
        () -> {
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
                    return ws.arm
                        .putAndWait(
                            ONLINE + "/" + name,
                            Bodies.onlineEndpoint(
                                loc, ws.options.scoringAuthMode(), spec.tags(), Map.of(), null),
                            ctx,
                            what,
                            ErrorCategory.INTERNAL)
                        .thenCompose(e -> deployments.putAll(spec, loc, ctx))
                        .thenCompose(
                            x -> setTraffic(name, spec.traffic(), spec.mirror().orElse(null), ctx));
                  })
              .thenCompose(x -> descriptions.describe(name, ws.arm.within(ctx.deadline())));
        });
  }

  @Override
  public CompletableFuture<EndpointDescription> updateEndpoint(EndpointSpec spec, CallContext ctx) {
    String name = spec.name();
    String what = "update endpoint '" + name + "'";
    return AzureErrors.WIRE.call(
        what,
        () -> {
          deployments.checkDeployable(spec);
          return ws.arm
              .get(ONLINE + "/" + name)
              .thenCompose(r -> ws.location())
              .thenCompose(loc -> deployments.putAll(spec, loc, ctx))
              .thenCompose(x -> setTraffic(name, spec.traffic(), spec.mirror().orElse(null), ctx))
              .thenCompose(x -> descriptions.listDeployments(name, ws.arm.within(ctx.deadline())))
              .thenCompose(
                  existing -> {
                    Set<String> wanted =
                        spec.deployments().stream()
                            .map(DeploymentSpec::name)
                            .collect(Collectors.toSet());
                    List<CompletableFuture<Void>> deletes = new ArrayList<>();
                    for (JsonNode d : existing) {
                      String dn = d.path("name").asText();
                      if (!wanted.contains(dn)) {
                        deletes.add(deployments.delete(name, dn, ctx));
                      }
                    }
                    return CompletableFuture.allOf(deletes.toArray(new CompletableFuture<?>[0]));
                  })
              .thenCompose(x -> descriptions.describe(name, ws.arm.within(ctx.deadline())));
        });
  }

  @Override
  public CompletableFuture<EndpointDescription> updateTraffic(
      String endpoint, Map<String, Integer> traffic, Mirror mirror, CallContext ctx) {
    return AzureErrors.WIRE.call(
        "update traffic of endpoint '" + endpoint + "'",
        () ->
            setTraffic(endpoint, traffic, mirror, ctx)
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
                .thenCompose(r -> ws.arm.deleteAndWait(ONLINE + "/" + endpoint, ctx, what))
                .whenComplete((v, e) -> ws.auth.forget(ONLINE, endpoint)));
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

  /** Sets an endpoint's traffic and mirror share: a GET, then a PUT of the endpoint. */
  private CompletableFuture<JsonNode> setTraffic(
      String endpoint, Map<String, Integer> traffic, Mirror mirror, CallContext ctx) {
    return ws.arm
        .get(ONLINE + "/" + endpoint)
        .thenCompose(
            r -> {
              JsonNode current = r.json();
              ObjectNode body =
                  Bodies.onlineEndpoint(
                      current.path("location").asText(),
                      ScoringAuthMode.fromArm(
                          current.path("properties").path("authMode").asText("Key")),
                      Bodies.strings(current.path("tags")),
                      traffic,
                      mirror);
              ctx.progress("setting traffic of " + endpoint + " to " + traffic, -1);
              return ws.arm.putAndWait(
                  ONLINE + "/" + endpoint,
                  body,
                  ctx,
                  "traffic of endpoint '" + endpoint + "'",
                  ErrorCategory.INTERNAL);
            });
  }

  @Override
  public String toString() {
    return "OnlineEndpoints[" + ws + "]";
  }
}
