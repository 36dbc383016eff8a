package io.serve4j.azure.internal;

import static io.serve4j.azure.internal.Workspace.ONLINE;

import com.azure.core.http.HttpMethod;
import io.serve4j.EndpointDescription;
import io.serve4j.ErrorCategory;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.Payload;
import io.serve4j.ServingException;
import io.serve4j.ServingListener;
import io.serve4j.azure.AzureProvider;
import io.serve4j.azure.ScoringAuthMode;
import io.serve4j.protocol.OipJson;
import io.serve4j.spi.CallContext;
import io.serve4j.spi.Deadline;
import io.serve4j.spi.Inference;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

/**
 * Predictions against an online endpoint's scoring URI: chooses the deployment (Azure's own
 * routing, or a pin drawn by the traffic weights when deployments serve different Triton models),
 * authorizes with the endpoint's key or an AAD token, and encodes the request as Open Inference
 * Protocol JSON (or posts a raw payload as-is).
 */
public final class Scoring implements Inference {
  static final String DEPLOYMENT_HEADER = "azureml-model-deployment";

  /** The deployment detail naming the Triton model behind an OIP route (empty: none). */
  static final String TRITON_DETAIL = "tritonModel";

  private final Workspace ws;
  private final EndpointDescriptions descriptions;

  /**
   * Creates the inference part of a workspace.
   *
   * @param ws the workspace
   */
  public Scoring(Workspace ws) {
    this.ws = ws;
    this.descriptions = new EndpointDescriptions(ws);
  }

  /** What predict needs to know about an endpoint, read from core's cached description. */
  record Info(
      String scoringUri,
      ScoringAuthMode authMode,
      Map<String, Integer> traffic,
      Map<String, String> tritonModels) {
    static Info of(EndpointDescription d) {
      Map<String, String> triton = new LinkedHashMap<>();
      d.deployments()
          .forEach(x -> triton.put(x.name(), x.details().getOrDefault(TRITON_DETAIL, "")));
      return new Info(
          d.url().map(Object::toString).orElse(""),
          ScoringAuthMode.fromArm(d.details().getOrDefault("authMode", "Key")),
          d.traffic(),
          triton);
    }
  }

  /**
   * Predicts. Every HTTP exchange made for it (describe and list of deployments when not cached,
   * listKeys / token, the scoring POST) is bounded by the call's deadline, and cancelling the
   * returned future (core does when the deadline passes) cancels the exchange under way. Scoring is
   * one attempt on the wire: core's retry policy decides whether to try again.
   */
  @Override
  public CompletableFuture<InferenceResponse> predict(
      String endpoint, EndpointDescription known, InferenceRequest request, CallContext ctx) {
    String what = "predict on endpoint '" + endpoint + "'";
    Deadline deadline = ctx.deadline();
    AtomicReference<CompletableFuture<?>> wire = new AtomicReference<>();
    CompletableFuture<InferenceResponse> mapped = new CompletableFuture<>();
    // Core hands over its cached description; only if core could not describe is it read here.
    CompletableFuture<EndpointDescription> description =
        known != null
            ? CompletableFuture.completedFuture(known)
            : descriptions.describe(endpoint, ws.armOnce.within(deadline));
    CompletableFuture<InferenceResponse> result =
        description
            .thenApply(Info::of)
            .thenCompose(
                info -> {
                  String pinned = request.targetDeployment().orElse(null);
                  if (pinned != null && !info.tritonModels().containsKey(pinned)) {
                    throw ServingException.builder(ErrorCategory.NOT_FOUND)
                        .providerId(AzureProvider.ID)
                        .message("endpoint '" + endpoint + "' has no deployment '" + pinned + "'")
                        .build();
                  }
                  String deployment = pinned != null ? pinned : route(info);
                  return ws.auth
                      .authorization(ONLINE, endpoint, info.authMode(), deadline)
                      .thenCompose(
                          header -> {
                            if (mapped.isCancelled()) {
                              throw new CancellationException(what + " was cancelled");
                            }
                            // After fetching the key this runs on azure-core's thread: the call's
                            // observation (a tracer's span) is made current again for the POST.
                            CompletableFuture<InferenceResponse> scored;
                            try (ServingListener.Scope observed = ctx.enter()) {
                              scored = score(info, deployment, header, request, ctx, wire);
                            }
                            if (mapped.isCancelled()) {
                              wire.get().cancel(true); // cancelled while the POST was starting
                            }
                            return scored;
                          });
                });
    result.whenComplete(
        (r, e) -> {
          if (e == null) {
            mapped.complete(r);
            return;
          }
          ServingException s = AzureErrors.WIRE.typed(what, e);
          if (s != null && s.category() == ErrorCategory.UNAUTHENTICATED) {
            ws.auth.forget(ONLINE, endpoint);
          }
          mapped.completeExceptionally(e);
        });
    mapped.whenComplete(
        (r, e) -> {
          if (mapped.isCancelled()) {
            CompletableFuture<?> exchange = wire.get();
            if (exchange != null) {
              exchange.cancel(true); // disposes the reactor subscription: the connection is let go
            }
          }
        });
    return mapped;
  }

  /**
   * Chooses the deployment to pin: none when Azure's own traffic routing reaches the same model
   * everywhere; otherwise one drawn by the traffic weights, because the OIP route names the model.
   */
  private static String route(Info info) {
    Set<String> live =
        info.traffic().entrySet().stream()
            .filter(e -> e.getValue() > 0)
            .map(Map.Entry::getKey)
            .collect(Collectors.toSet());
    Set<String> modelsServed =
        live.stream()
            .map(d -> String.valueOf(info.tritonModels().get(d)))
            .collect(Collectors.toSet());
    if (modelsServed.size() <= 1) {
      return null;
    }
    int pick = ThreadLocalRandom.current().nextInt(100);
    int acc = 0;
    for (Map.Entry<String, Integer> e : info.traffic().entrySet()) {
      acc += e.getValue();
      if (pick < acc) {
        return e.getKey();
      }
    }
    return live.iterator().next();
  }

  private CompletableFuture<InferenceResponse> score(
      Info info,
      String deployment,
      String header,
      InferenceRequest request,
      CallContext ctx,
      AtomicReference<CompletableFuture<?>> wire) {
    Rest rest = ws.scoring.within(ctx.deadline());
    Map<String, String> headers = new HashMap<>();
    headers.put("Authorization", header);
    headers.put("x-ms-client-request-id", ctx.requestId());
    if (deployment != null) {
      headers.put(DEPLOYMENT_HEADER, deployment);
    }
    String triton =
        deployment != null
            ? info.tritonModels().get(deployment)
            : info.traffic().entrySet().stream()
                .filter(e -> e.getValue() > 0)
                .map(e -> info.tritonModels().get(e.getKey()))
                .findFirst()
                .orElse(info.tritonModels().values().stream().findFirst().orElse(null));
    boolean oip = triton != null && !triton.isEmpty();
    String url = oip ? oipUrl(info.scoringUri(), triton) : info.scoringUri();
    if (request.payload().isPresent()) {
      Payload p = request.payload().get();
      CompletableFuture<Rest.Response> sent =
          rest.send(HttpMethod.POST, info.scoringUri(), p.bytes(), p.contentType(), headers);
      wire.set(sent);
      return sent.thenApply(
          r ->
              InferenceResponse.builder()
                  .payload(
                      Payload.of(
                          r.body(),
                          r.header("Content-Type") != null
                              ? r.header("Content-Type")
                              : "application/octet-stream"))
                  .deployment(firstNonNull(r.header(DEPLOYMENT_HEADER), deployment))
                  .build());
    }
    CompletableFuture<Rest.Response> sent =
        rest.send(HttpMethod.POST, url, OipJson.writeRequest(request), "application/json", headers);
    wire.set(sent);
    return sent.thenApply(
        r -> {
          InferenceResponse resp = readResponse(r);
          String served = firstNonNull(r.header(DEPLOYMENT_HEADER), deployment);
          return served == null ? resp : resp.toBuilder().deployment(served).build();
        });
  }

  /**
   * Reads an OIP JSON answer; a 200 whose body is not one fails as OipJson's "malformed inference
   * response" error (INTERNAL, not retryable) with this provider's id, the status and request id.
   */
  private static InferenceResponse readResponse(Rest.Response r) {
    try {
      return OipJson.readResponse(r.body());
    } catch (ServingException e) {
      ServingException.Builder b =
          e.toBuilder().providerId(AzureProvider.ID).fromService().statusCode(r.status());
      String requestId = AzureErrors.requestId(r.headers());
      if (requestId != null) {
        b.requestId(requestId);
      }
      throw b.build();
    }
  }

  /**
   * The OIP v2 route of a Triton deployment: the scoring URI's {@code /score} replaced by {@code
   * /v2/models/{model}/infer}.
   *
   * @param scoringUri the endpoint's scoring URI
   * @param model the Triton model name
   * @return the URL
   */
  static String oipUrl(String scoringUri, String model) {
    String base = scoringUri;
    if (base.endsWith("/score")) {
      base = base.substring(0, base.length() - "/score".length());
    }
    if (base.endsWith("/")) {
      base = base.substring(0, base.length() - 1);
    }
    return base + "/v2/models/" + model + "/infer";
  }

  private static String firstNonNull(String a, String b) {
    return a != null && !a.isEmpty() ? a : b;
  }

  @Override
  public String toString() {
    return "Scoring[" + ws + "]";
  }
}
