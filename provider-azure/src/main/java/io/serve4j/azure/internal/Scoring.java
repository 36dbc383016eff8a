package io.serve4j.azure.internal;

import static io.serve4j.azure.internal.Workspace.ONLINE;

import com.azure.core.http.HttpHeaderName;
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
import java.util.concurrent.ConcurrentHashMap;
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

  private static final HttpHeaderName DEPLOYMENT = HttpHeaderName.fromString(DEPLOYMENT_HEADER);

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
   * What routing derives from one description: its {@link Info}, whether deployments serve
   * different Triton models (then each call pins one drawn by the traffic weights) and the URL of
   * each route. Made once per description core hands over (core keeps one until the endpoint
   * changes), not on every prediction.
   */
  static final class Target {
    final EndpointDescription description;
    final Info info;
    final boolean pinByWeight;
    final String url;
    private final Map<String, String> urls;

    Target(EndpointDescription description, Info info) {
      this.description = description;
      this.info = info;
      Set<String> modelsServed =
          info.traffic().entrySet().stream()
              .filter(e -> e.getValue() > 0)
              .map(e -> String.valueOf(info.tritonModels().get(e.getKey())))
              .collect(Collectors.toSet());
      this.pinByWeight = modelsServed.size() > 1;
      String triton =
          info.traffic().entrySet().stream()
              .filter(e -> e.getValue() > 0)
              .map(e -> info.tritonModels().get(e.getKey()))
              .findFirst()
              .orElse(info.tritonModels().values().stream().findFirst().orElse(null));
      this.url = urlOf(info, triton);
      Map<String, String> byDeployment = new HashMap<>();
      info.tritonModels().forEach((d, t) -> byDeployment.put(d, urlOf(info, t)));
      this.urls = byDeployment;
    }

    /** The URL a call pinned to a deployment (or, for null, left to Azure's routing) posts to. */
    String url(String deployment) {
      return deployment == null ? url : urls.getOrDefault(deployment, info.scoringUri());
    }

    private static String urlOf(Info info, String triton) {
      return triton != null && !triton.isEmpty()
          ? oipUrl(info.scoringUri(), triton)
          : info.scoringUri();
    }
  }

  /** The target of core's current description of each endpoint. */
  private final Map<String, Target> targets = new ConcurrentHashMap<>();

  Target target(String endpoint, EndpointDescription d) {
    Target t = targets.get(endpoint);
    if (t == null || t.description != d) {
      t = new Target(d, Info.of(d));
      targets.put(endpoint, t);
    }
    return t;
  }

  /**
   * Predicts. Every HTTP exchange made for it (describe and list of deployments when not cached,
   * listKeys / token, the scoring POST) is bounded by the call's deadline, and cancelling the
   * returned future (core does when the deadline passes) cancels the exchange under way. Scoring is
   * one attempt on the wire: core's retry policy decides whether to try again.
   *
   * <p>When core hands over its description and the endpoint's key or token is cached (nearly every
   * call), the POST is made straight away on the caller's thread, with no future in between.
   */
  @Override
  public CompletableFuture<InferenceResponse> predict(
      String endpoint, EndpointDescription known, InferenceRequest request, CallContext ctx) {
    Deadline deadline = ctx.deadline();
    Target ready = known != null ? target(endpoint, known) : null;
    String cached = ready != null ? ws.auth.cached(ONLINE, endpoint, ready.info.authMode()) : null;
    if (cached != null) {
      // The exchange's own future: its reader forgets a rejected key before it completes, and
      // cancelling it cancels the exchange.
      try {
        return score(endpoint, ready, deployment(endpoint, ready, request), cached, request, ctx);
      } catch (RuntimeException e) {
        return CompletableFuture.failedFuture(e);
      }
    }
    AtomicReference<CompletableFuture<?>> wire = new AtomicReference<>();
    CompletableFuture<InferenceResponse> mapped = new CompletableFuture<>();
    // Core hands over its cached description; only if core could not describe is it read here.
    CompletableFuture<Target> described =
        ready != null
            ? CompletableFuture.completedFuture(ready)
            : descriptions
                .describe(endpoint, ws.armOnce.within(deadline))
                .thenApply(d -> new Target(d, Info.of(d)));
    CompletableFuture<InferenceResponse> result =
        described.thenCompose(
            target -> {
              String deployment = deployment(endpoint, target, request);
              return ws.auth
                  .authorization(ONLINE, endpoint, target.info.authMode(), deadline)
                  .thenCompose(
                      header -> {
                        if (mapped.isCancelled()) {
                          throw new CancellationException(what(endpoint) + " was cancelled");
                        }
                        // After fetching the key this runs on azure-core's thread: the call's
                        // observation (a tracer's span) is made current again for the POST.
                        CompletableFuture<InferenceResponse> scored;
                        try (ServingListener.Scope observed = ctx.enter()) {
                          scored = score(endpoint, target, deployment, header, request, ctx);
                        }
                        wire.set(scored);
                        if (mapped.isCancelled()) {
                          scored.cancel(true); // cancelled while the POST was starting
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
          ServingException s = AzureErrors.WIRE.typed(what(endpoint), e);
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

  private static String what(String endpoint) {
    return "predict on endpoint '" + endpoint + "'";
  }

  /** The deployment a call pins: the request's, else one drawn when the models served differ. */
  private static String deployment(String endpoint, Target target, InferenceRequest request) {
    String pinned = request.targetDeployment().orElse(null);
    if (pinned != null && !target.info.tritonModels().containsKey(pinned)) {
      throw ServingException.builder(ErrorCategory.NOT_FOUND)
          .providerId(AzureProvider.ID)
          .message("endpoint '" + endpoint + "' has no deployment '" + pinned + "'")
          .build();
    }
    return pinned != null ? pinned : target.pinByWeight ? route(target.info) : null;
  }

  /** Draws the deployment to pin by the traffic weights (deployments serve different models). */
  private static String route(Info info) {
    int pick = ThreadLocalRandom.current().nextInt(100);
    int acc = 0;
    String live = null;
    for (Map.Entry<String, Integer> e : info.traffic().entrySet()) {
      acc += e.getValue();
      if (pick < acc) {
        return e.getKey();
      }
      if (live == null && e.getValue() > 0) {
        live = e.getKey();
      }
    }
    return live;
  }

  private CompletableFuture<InferenceResponse> score(
      String endpoint,
      Target target,
      String deployment,
      String header,
      InferenceRequest request,
      CallContext ctx) {
    Info info = target.info;
    Rest rest = ws.scoring.within(ctx.deadline());
    Map<String, String> headers =
        deployment == null
            ? Map.of("Authorization", header, "x-ms-client-request-id", ctx.requestId())
            : Map.of(
                "Authorization",
                header,
                "x-ms-client-request-id",
                ctx.requestId(),
                DEPLOYMENT_HEADER,
                deployment);
    Answer answer = new Answer(endpoint, deployment, request.payload().isPresent());
    if (answer.raw) {
      Payload p = request.payload().get();
      return rest.send(
          HttpMethod.POST, info.scoringUri(), p.bytes(), p.contentType(), headers, answer);
    }
    return rest.send(
        HttpMethod.POST,
        target.url(deployment),
        OipJson.writeRequest(request),
        "application/json",
        headers,
        answer);
  }

  /**
   * Reads a scoring answer where it arrives; a failure that says the key or token was refused
   * forgets it (the next call fetches it again) before the caller hears of it.
   */
  private final class Answer implements Rest.Reader<InferenceResponse> {
    private final String endpoint;
    private final String deployment;
    private final boolean raw;

    Answer(String endpoint, String deployment, boolean raw) {
      this.endpoint = endpoint;
      this.deployment = deployment;
      this.raw = raw;
    }

    @Override
    public InferenceResponse read(Rest.Response r) {
      if (raw) {
        String type = r.header(HttpHeaderName.CONTENT_TYPE);
        return InferenceResponse.builder()
            .payload(Payload.of(r.body(), type != null ? type : "application/octet-stream"))
            .deployment(firstNonNull(r.header(DEPLOYMENT), deployment))
            .build();
      }
      InferenceResponse resp = readResponse(r);
      String served = firstNonNull(r.header(DEPLOYMENT), deployment);
      return served == null ? resp : resp.toBuilder().deployment(served).build();
    }

    @Override
    public void failed(Throwable failure) {
      ServingException s = AzureErrors.WIRE.typed(what(endpoint), failure);
      if (s != null && s.category() == ErrorCategory.UNAUTHENTICATED) {
        ws.auth.forget(ONLINE, endpoint);
      }
    }
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
