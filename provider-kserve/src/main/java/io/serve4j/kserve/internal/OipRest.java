package io.serve4j.kserve.internal;

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
    return PredictCall.send(lifecycle, name, endpoint, request, ctx, this::send);
  }

  /**
   * The URL of a prediction.
   *
   * @param call the prediction
   * @param baseOverride the base URL override, or null
   * @return the infer URL
   */
  static URI inferUrl(PredictCall call, URI baseOverride) {
    URI base = baseOverride != null ? baseOverride : call.endpoint().url().orElse(null);
    if (base == null) {
      throw ServingException.builder(ErrorCategory.UNAVAILABLE)
          .providerId(KserveProvider.ID)
          .message(
              "InferenceService '"
                  + call.name()
                  + "' has no status.url yet (status "
                  + call.endpoint().status()
                  + "); or set KServeOptions.predictBaseUrl")
          .build();
    }
    String b = base.toString().replaceAll("/+$", "");
    return URI.create(
        b + "/v2/models/" + URLEncoder.encode(call.model(), StandardCharsets.UTF_8) + "/infer");
  }

  private CompletableFuture<InferenceResponse> send(PredictCall call) {
    HttpRequest req =
        HttpRequest.newBuilder(inferUrl(call, baseOverride))
            .timeout(call.timeout())
            .header("Content-Type", "application/json")
            .header(REQUEST_ID, call.requestId())
            .POST(HttpRequest.BodyPublishers.ofByteArray(OipJson.writeRequest(call.request())))
            .build();
    return http.sendAsync(req, HttpResponse.BodyHandlers.ofByteArray())
        .thenApply(
            r -> {
              if (r.statusCode() != 200) {
                throw KServeErrors.oip(call.what(), r.statusCode(), r.headers(), r.body());
              }
              return OipJson.readResponse(r.body());
            });
  }
}
