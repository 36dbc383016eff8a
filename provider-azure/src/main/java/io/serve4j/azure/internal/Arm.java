package io.serve4j.azure.internal;

import com.azure.core.http.HttpMethod;
import com.azure.core.management.exception.ManagementError;
import com.fasterxml.jackson.databind.JsonNode;
import io.serve4j.ErrorCategory;
import io.serve4j.azure.AzureOptions;
import io.serve4j.spi.CallContext;
import io.serve4j.spi.Deadline;
import io.serve4j.spi.Polling;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The Azure ML control plane: resource URLs of one workspace and ARM long-running operations
 * (201/202 with {@code Azure-AsyncOperation} or {@code Location}, polled with serve4j's {@link
 * Polling} so that the caller's deadline and cancellation hold, and each poll waits at least the
 * {@code Retry-After} ARM sent, 10-600 s in Azure's documentation, never past the deadline). Every
 * exchange of an operation, each poll included, is bounded by the operation's deadline ({@link
 * #within(Deadline)}).
 */
final class Arm {
  private final Rest rest;

  /** The same pipeline without azure-core's retries: one wire attempt per request. */
  private final Rest restOnce;

  private final String workspaceUrl;
  private final Duration pollInterval;
  private final ScheduledExecutorService scheduler;

  Arm(Rest rest, Rest restOnce, AzureOptions options, ScheduledExecutorService scheduler) {
    this.rest = rest;
    this.restOnce = restOnce;
    String arm = options.armEndpoint().toString();
    if (arm.endsWith("/")) {
      arm = arm.substring(0, arm.length() - 1);
    }
    this.workspaceUrl =
        arm
            + "/subscriptions/"
            + options.subscriptionId()
            + "/resourceGroups/"
            + options.resourceGroup()
            + "/providers/Microsoft.MachineLearningServices/workspaces/"
            + options.workspace();
    this.pollInterval = options.pollInterval();
    this.scheduler = scheduler;
  }

  private Arm(Arm base, Rest rest, Rest restOnce) {
    this.rest = rest;
    this.restOnce = restOnce;
    this.workspaceUrl = base.workspaceUrl;
    this.pollInterval = base.pollInterval;
    this.scheduler = base.scheduler;
  }

  /**
   * The same workspace, with every HTTP exchange (each poll included) bounded by a deadline.
   *
   * @param deadline the caller's deadline
   * @return a view sharing the pipeline
   */
  Arm within(Deadline deadline) {
    return deadline.isFinite()
        ? new Arm(this, rest.within(deadline), restOnce.within(deadline))
        : this;
  }

  /**
   * The same workspace with azure-core's retries off: for the reads core retries itself (describe,
   * list), so that one core attempt is one wire request.
   *
   * @return a view whose every request is one attempt
   */
  Arm once() {
    return new Arm(this, restOnce, restOnce);
  }

  /** ARM resource id of the workspace (the URL path without the host). */
  String workspaceId() {
    return Rest.pathOf(workspaceUrl);
  }

  /**
   * URL of a workspace resource with the api-version query.
   *
   * @param relative e.g. {@code onlineEndpoints/fraud}, or empty for the workspace
   * @return the URL
   */
  String url(String relative) {
    return url(relative, "");
  }

  String url(String relative, String extraQuery) {
    return workspaceUrl
        + (relative.isEmpty() ? "" : "/" + relative)
        + "?api-version="
        + AzureOptions.API_VERSION
        + extraQuery;
  }

  /**
   * URL of a resource of another ARM provider in the workspace's resource group.
   *
   * @param providerPath e.g. {@code Microsoft.Insights/autoscalesettings/name}
   * @param apiVersion that provider's api-version
   * @return the URL
   */
  String resourceGroupUrl(String providerPath, String apiVersion) {
    String rg = workspaceUrl.substring(0, workspaceUrl.indexOf("/providers/"));
    return rg + "/providers/" + providerPath + "?api-version=" + apiVersion;
  }

  /**
   * One request to an absolute ARM URL (azure-core's retries as this view has them).
   *
   * @param method the method
   * @param url the URL
   * @param body the JSON body, or null
   * @return the response
   */
  CompletableFuture<Rest.Response> send(HttpMethod method, String url, Object body) {
    return rest.send(method, url, body);
  }

  CompletableFuture<Rest.Response> get(String relative) {
    return rest.send(HttpMethod.GET, url(relative), null);
  }

  CompletableFuture<Rest.Response> getUrl(String url) {
    return rest.send(HttpMethod.GET, url, null);
  }

  CompletableFuture<Rest.Response> post(String relative, Object body) {
    return rest.send(HttpMethod.POST, url(relative), body);
  }

  CompletableFuture<Rest.Response> put(String relative, Object body) {
    return rest.send(HttpMethod.PUT, url(relative), body);
  }

  /**
   * PUT a resource and wait until its long-running operation ends; completes with the resource as
   * it then is. Not sent if the caller already cancelled.
   *
   * @param relative the resource
   * @param body the body
   * @param ctx deadline, cancellation, progress
   * @param what for messages
   * @param failure category when the operation fails without a more specific code
   * @return the final resource
   */
  CompletableFuture<JsonNode> putAndWait(
      String relative, Object body, CallContext ctx, String what, ErrorCategory failure) {
    if (ctx.isCancelled()) {
      return CompletableFuture.failedFuture(new CancellationException(what + " was cancelled"));
    }
    Arm a = within(ctx.deadline());
    return a.rest
        .send(HttpMethod.PUT, url(relative), body)
        .thenCompose(r -> a.await(r, relative, ctx, what, failure, true))
        .thenApply(r -> r == null ? null : r.json());
  }

  /**
   * DELETE a resource and wait until it is gone; not sent if the caller already cancelled.
   *
   * @param relative the resource
   * @param ctx deadline, cancellation, progress
   * @param what for messages
   * @return completes when deleted
   */
  CompletableFuture<Void> deleteAndWait(String relative, CallContext ctx, String what) {
    if (ctx.isCancelled()) {
      return CompletableFuture.failedFuture(new CancellationException(what + " was cancelled"));
    }
    Arm a = within(ctx.deadline());
    // The DELETE itself is one wire attempt; the polls that follow keep azure-core's retries.
    return a.restOnce
        .send(HttpMethod.DELETE, url(relative), null)
        .thenCompose(r -> a.await(r, relative, ctx, what, ErrorCategory.INTERNAL, false))
        .thenApply(r -> null);
  }

  private CompletableFuture<Rest.Response> await(
      Rest.Response initial,
      String relative,
      CallContext ctx,
      String what,
      ErrorCategory failure,
      boolean fetchResult) {
    String asyncOp = initial.header("Azure-AsyncOperation");
    String location = initial.header("Location");
    if (asyncOp != null) {
      return Polling.until(
              () -> getUrl(asyncOp),
              r -> isTerminal(r.json().path("status").asText()),
              r -> what + ": " + r.json().path("status").asText("InProgress"),
              pollInterval,
              r -> AzureErrors.retryAfter(r.headers()),
              ctx,
              scheduler)
          .thenCompose(
              r -> {
                String status = r.json().path("status").asText();
                if (!status.equalsIgnoreCase("Succeeded")) {
                  throw AzureErrors.operationFailed(
                      what, status, error(r.json().path("error")), failure);
                }
                return fetchResult ? get(relative) : CompletableFuture.completedFuture(null);
              });
    }
    if (location != null && initial.status() == 202) {
      return Polling.until(
              () -> getUrl(location),
              r -> r.status() != 202,
              r -> what + ": in progress",
              pollInterval,
              r -> AzureErrors.retryAfter(r.headers()),
              ctx,
              scheduler)
          .thenCompose(r -> fetchResult ? get(relative) : CompletableFuture.completedFuture(null));
    }
    if (!fetchResult) {
      return CompletableFuture.completedFuture(null);
    }
    // 200/201 without operation headers: the resource's provisioningState tells.
    CompletableFuture<Rest.Response> first = CompletableFuture.completedFuture(initial);
    boolean[] usedFirst = {false};
    return Polling.until(
            () -> {
              if (!usedFirst[0]) {
                usedFirst[0] = true;
                return first;
              }
              return get(relative);
            },
            r -> isTerminal(provisioningState(r.json())),
            r -> what + ": " + provisioningState(r.json()),
            pollInterval,
            r -> AzureErrors.retryAfter(r.headers()),
            ctx,
            scheduler)
        .thenApply(
            r -> {
              String state = provisioningState(r.json());
              if (!state.equalsIgnoreCase("Succeeded")) {
                throw AzureErrors.operationFailed(what, state, null, failure);
              }
              return r;
            });
  }

  static String provisioningState(JsonNode resource) {
    return resource.path("properties").path("provisioningState").asText("Succeeded");
  }

  static boolean isTerminal(String status) {
    String s = status.toLowerCase(Locale.ROOT);
    return s.equals("succeeded") || s.equals("failed") || s.equals("canceled");
  }

  static ManagementError error(JsonNode error) {
    if (error == null || error.isMissingNode() || error.isNull()) {
      return null;
    }
    try {
      return Rest.armError(Rest.JSON.writeValueAsBytes(error));
    } catch (java.io.IOException e) {
      return null;
    }
  }
}
