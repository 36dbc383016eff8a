package io.serve4j.azure.internal;

import static io.serve4j.azure.internal.Workspace.ONLINE;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.serve4j.ErrorCategory;
import io.serve4j.Mirror;
import io.serve4j.ServingException;
import io.serve4j.azure.AzureProvider;
import io.serve4j.spi.CallContext;
import io.serve4j.spi.Wire;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Replaces a deployment whose create-only fields change (Azure ML takes {@code instanceType} only
 * on create) without a moment in which its traffic has no healthy deployment, and under its own
 * name, so that the endpoint's deployments keep the names of the spec:
 *
 * <ol>
 *   <li>a stand-in {@code <name>-s4j} is created with the new settings and waited for until it is
 *       provisioned (healthy);
 *   <li>the old deployment's traffic and mirror share move to the stand-in;
 *   <li>the old deployment is deleted;
 *   <li>it is created again under its name with the new settings, waited for, takes its traffic
 *       back, and the stand-in is deleted.
 * </ol>
 *
 * If step 1 or 2 fails or the caller cancels, the stand-in is deleted and the traffic put back: the
 * old deployment keeps its traffic and settings. After step 3 the old settings are gone; if step 4
 * fails, the stand-in keeps serving the traffic and the error says so.
 */
final class BlueGreen {
  /** What a stand-in's name ends with. */
  static final String STAND_IN = "-s4j";

  private final Workspace ws;
  private final OnlineDeployments deployments;

  BlueGreen(Workspace ws, OnlineDeployments deployments) {
    this.ws = ws;
    this.deployments = deployments;
  }

  /**
   * Replaces a deployment blue/green.
   *
   * @param endpoint the endpoint name
   * @param name the deployment to replace
   * @param body the deployment as it is to be (a create body)
   * @param changes the create-only fields that change, for progress and messages
   * @param existing the endpoint's deployments, by name (the stand-in's name avoids them)
   * @param ctx the call
   * @return the deployment as provisioned under its name
   */
  CompletableFuture<JsonNode> replace(
      String endpoint,
      String name,
      ObjectNode body,
      List<String> changes,
      Map<String, JsonNode> existing,
      CallContext ctx) {
    String standIn = standInName(name, existing.keySet());
    String what = "deployment '" + name + "' of endpoint '" + endpoint + "'";
    ctx.progress(
        "replacing " + what + " blue/green (create-only " + changes + ") via '" + standIn + "'",
        -1);
    CompletableFuture<JsonNode> handedOver =
        UndoLog.run(
            ctx,
            undo -> {
              undo.add(
                  () ->
                      deployments
                          .delete(endpoint, standIn, UndoLog.context())
                          .exceptionally(e -> null));
              return deployments
                  .create(endpoint, standIn, body, ctx)
                  .thenCompose(x -> moveTraffic(endpoint, name, standIn, ctx, undo));
            });
    return handedOver.thenCompose(
        x ->
            deployments
                .delete(endpoint, name, ctx)
                .thenCompose(y -> deployments.create(endpoint, name, body, ctx))
                .thenCompose(
                    created ->
                        moveTraffic(endpoint, standIn, name, ctx, null)
                            .thenCompose(y -> deployments.delete(endpoint, standIn, ctx))
                            .thenApply(y -> created))
                .exceptionallyCompose(
                    e -> CompletableFuture.failedFuture(stoppedAfterHandOver(e, what, standIn))));
  }

  /** A failure or cancel after the traffic moved to the stand-in: it stays, serving. */
  private static Throwable stoppedAfterHandOver(Throwable e, String what, String standIn) {
    ServingException s = AzureErrors.WIRE.typed(what, e);
    if (s == null) {
      return Wire.unwrap(e); // cancelled
    }
    return s.toBuilder()
        .message(
            s.getMessage()
                + " (blue/green replacement of "
                + what
                + " stopped after its traffic moved to stand-in '"
                + standIn
                + "', which is left serving it)")
        .build();
  }

  static String standInName(String name, java.util.Set<String> taken) {
    String base = name.length() > 26 ? name.substring(0, 26) : name;
    for (int i = 1; i <= 9; i++) {
      String candidate = base + STAND_IN + (i == 1 ? "" : String.valueOf(i));
      if (!taken.contains(candidate)) {
        return candidate;
      }
    }
    throw ServingException.builder(ErrorCategory.CONFLICT)
        .providerId(AzureProvider.ID)
        .message("no free stand-in name for deployment '" + name + "'")
        .build();
  }

  /**
   * Moves a deployment's traffic and mirror share to another: the endpoint as read, only those
   * changed; with an undo log, records putting the endpoint back as read first.
   */
  private CompletableFuture<JsonNode> moveTraffic(
      String endpoint, String from, String to, CallContext ctx, UndoLog undo) {
    String what = "traffic of endpoint '" + endpoint + "'";
    return ws.arm
        .get(ONLINE + "/" + endpoint)
        .thenCompose(
            r -> {
              JsonNode current = r.json();
              JsonNode p = current.path("properties");
              Map<String, Integer> traffic = new LinkedHashMap<>(Bodies.ints(p.path("traffic")));
              Integer share = traffic.remove(from);
              traffic.merge(to, share == null ? 0 : share, Integer::sum);
              Mirror mirror = null;
              for (Map.Entry<String, Integer> m : Bodies.ints(p.path("mirrorTraffic")).entrySet()) {
                if (m.getValue() > 0) {
                  mirror = new Mirror(m.getKey().equals(from) ? to : m.getKey(), m.getValue());
                }
              }
              if (undo != null) {
                undo.add(
                    () ->
                        ws.arm.putAndWait(
                            ONLINE + "/" + endpoint,
                            Bodies.restorable(current),
                            UndoLog.context(),
                            "undo: put back " + what,
                            ErrorCategory.INTERNAL));
              }
              ctx.progress("moving the traffic of '" + from + "' to '" + to + "'", -1);
              return ws.arm.putAndWait(
                  ONLINE + "/" + endpoint,
                  Bodies.withTraffic(current, traffic, mirror),
                  ctx,
                  what,
                  ErrorCategory.INTERNAL);
            });
  }
}
