package io.serve4j.kserve.internal;

import io.serve4j.DeploymentDescription;
import io.serve4j.EndpointDescription;
import io.serve4j.ErrorCategory;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.ServingException;
import io.serve4j.kserve.KserveProvider;
import io.serve4j.protocol.OipJson;
import io.serve4j.spi.CallContext;
import io.serve4j.spi.EndpointLifecycle;
import io.serve4j.spi.Inference;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * The inference part: one Open Inference Protocol v2 REST call, {@code POST
 * {status.url}/v2/models/{model}/infer} with core's OIP JSON codec, the request id in {@code
 * x-request-id}, and the call's deadline as the HTTP timeout. One wire attempt: core retries.
 */
public final class OipRest implements Inference {
  /** The request id header (Envoy's and Istio's, which KServe's ingress passes on). */
  public static final String REQUEST_ID = "x-request-id";

  private final HttpClient http;
  private final EndpointLifecycle lifecycle;
  private final URI baseOverride;

  /**
   * Creates the part.
   *
   * @param http the HTTP client
   * @param lifecycle to describe an endpoint core could not describe
   * @param baseOverride base URL replacing {@code status.url}, or null
   */
  public OipRest(HttpClient http, EndpointLifecycle lifecycle, URI baseOverride) {
    this.http = http;
    this.lifecycle = lifecycle;
    this.baseOverride = baseOverride;
  }

  @Override
  public CompletableFuture<InferenceResponse> predict(
      String name, EndpointDescription endpoint, InferenceRequest request, CallContext ctx) {
    CompletableFuture<EndpointDescription> known =
        endpoint != null
            ? CompletableFuture.completedFuture(endpoint)
            : lifecycle.describeEndpoint(name, ctx);
    return known.thenCompose(d -> send(name, d, request, ctx));
  }

  /**
   * The URL of a prediction.
   *
   * @param name the endpoint name
   * @param d its description
   * @param baseOverride the base URL override, or null
   * @return the infer URL
   */
  static URI inferUrl(String name, EndpointDescription d, URI baseOverride) {
    URI base = baseOverride != null ? baseOverride : d.url().orElse(null);
    if (base == null) {
      throw ServingException.builder(ErrorCategory.UNAVAILABLE)
          .providerId(KserveProvider.ID)
          .message(
              "InferenceService '"
                  + name
                  + "' has no status.url yet (status "
                  + d.status()
                  + "); or set KServeOptions.predictBaseUrl")
          .build();
    }
    String model =
        d.deployments().stream().findFirst().map(DeploymentDescription::modelName).orElse(name);
    String b = base.toString().replaceAll("/+$", "");
    return URI.create(
        b + "/v2/models/" + URLEncoder.encode(model, StandardCharsets.UTF_8) + "/infer");
  }

  private CompletableFuture<InferenceResponse> send(
      String name, EndpointDescription d, InferenceRequest request, CallContext ctx) {
    if (request.payload().isPresent()) {
      throw ServingException.builder(ErrorCategory.UNSUPPORTED_CAPABILITY)
          .providerId(KserveProvider.ID)
          .message("the KServe provider sends Open Inference Protocol tensors, not raw payloads")
          .build();
    }
    URI url = inferUrl(name, d, baseOverride);
    Duration left = ctx.deadline().remaining();
    if (left.isZero()) {
      throw ctx.deadline().timeoutError("predict on endpoint '" + name + "'");
    }
    HttpRequest req =
        HttpRequest.newBuilder(url)
            .timeout(left)
            .header("Content-Type", "application/json")
            .header(REQUEST_ID, ctx.requestId())
            .POST(HttpRequest.BodyPublishers.ofByteArray(OipJson.writeRequest(request)))
            .build();
    String what = "predict on endpoint '" + name + "'";
    return http.sendAsync(req, HttpResponse.BodyHandlers.ofByteArray())
        .thenApply(
            r -> {
              if (r.statusCode() != 200) {
                throw KServeErrors.oip(what, r.statusCode(), r.headers(), r.body());
              }
              return OipJson.readResponse(r.body());
            });
  }
}
