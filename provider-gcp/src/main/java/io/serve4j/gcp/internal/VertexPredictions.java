package io.serve4j.gcp.internal;

import static io.serve4j.gcp.internal.VertexCalls.predictCall;

import com.google.api.HttpBody;
import com.google.cloud.aiplatform.v1.PredictRequest;
import com.google.cloud.aiplatform.v1.PredictResponse;
import com.google.cloud.aiplatform.v1.RawPredictRequest;
import com.google.protobuf.UnsafeByteOperations;
import io.serve4j.DeploymentDescription;
import io.serve4j.EndpointDescription;
import io.serve4j.ErrorCategory;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.Payload;
import io.serve4j.ServingException;
import io.serve4j.TensorSpec;
import io.serve4j.gcp.GcpProvider;
import io.serve4j.protocol.OipJson;
import io.serve4j.spi.CallContext;
import io.serve4j.spi.CancellableFutures;
import io.serve4j.spi.Inference;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Real-time inference on Vertex AI: raw payloads and Open Inference Protocol JSON go through {@code
 * RawPredict}; prebuilt containers get {@code Predict} with instances ({@link InstancesCodec}).
 */
final class VertexPredictions implements Inference {
  private final VertexClients vertex;
  private final VertexNames names;
  private final EndpointDescriptions descriptions;

  VertexPredictions(VertexClients vertex, VertexNames names, EndpointDescriptions descriptions) {
    this.vertex = vertex;
    this.names = names;
    this.descriptions = descriptions;
  }

  /**
   * {@inheritDoc}
   *
   * <p>No guard of the provider's own around it: core's {@link io.serve4j.spi.Wire} (with this
   * provider's mapper) guards every prediction, a throw here included. The future returned is the
   * call's own (no stage between), so that its cancellation, core's at the deadline included,
   * cancels the RPC.
   */
  @Override
  public CompletableFuture<InferenceResponse> predict(
      String endpoint, EndpointDescription known, InferenceRequest request, CallContext ctx) {
    if (request.targetDeployment().isPresent()) {
      throw ServingException.builder(ErrorCategory.UNSUPPORTED_CAPABILITY)
          .providerId(GcpProvider.ID)
          .message(
              "Vertex AI routes predictions by the endpoint's traffic split; it cannot pin"
                  + " a request to deployment '"
                  + request.targetDeployment().get()
                  + "'")
          .build();
    }
    String resource = names.endpointName(endpoint);
    // Core hands over its cached description; only if core could not describe is it read.
    if (known != null) {
      return send(resource, known, request, ctx);
    }
    return CancellableFutures.thenCompose(
        descriptions.read(resource, ctx),
        e -> send(resource, descriptions.describe(e), request, ctx));
  }

  private CompletableFuture<InferenceResponse> send(
      String resource, EndpointDescription endpoint, InferenceRequest request, CallContext ctx) {
    if ("true".equals(endpoint.details().get("privateServiceConnect"))) {
      // https://cloud.google.com/vertex-ai/docs/predictions/private-service-connect
      throw ServingException.builder(ErrorCategory.UNSUPPORTED_CAPABILITY)
          .providerId(GcpProvider.ID)
          .message(
              "endpoint '"
                  + endpoint.name()
                  + "' is a Private Service Connect endpoint: Vertex AI answers it through the"
                  + " forwarding rule in your VPC (gRPC calls also need the"
                  + " x-vertex-ai-endpoint-id header), not through the public prediction API"
                  + " this provider calls. Call it from inside that network")
          .build();
    }
    String network = endpoint.details().get("network");
    if (network != null) {
      // https://cloud.google.com/vertex-ai/docs/predictions/using-private-endpoints
      throw ServingException.builder(ErrorCategory.UNSUPPORTED_CAPABILITY)
          .providerId(GcpProvider.ID)
          .message(
              "endpoint '"
                  + endpoint.name()
                  + "' is a private services access endpoint on "
                  + network
                  + ": Vertex AI answers it only over HTTP from inside that VPC, at the deployed"
                  + " model's privateEndpoints.predictHttpUri (the deployment's 'predictHttpUri'"
                  + " detail), not through the public prediction API this provider calls."
                  + " Call that URI from inside the network, or deploy without"
                  + " GcpOptions.network")
          .build();
    }
    if (request.payload().isPresent()) {
      Payload p = request.payload().get();
      return rawPredict(
          resource,
          p.bytes(),
          p.contentType(),
          ctx,
          body ->
              InferenceResponse.builder()
                  .id(request.id().orElse(null))
                  .payload(
                      Payload.of(
                          body.getData().toByteArray(),
                          body.getContentType().isEmpty()
                              ? "application/octet-stream"
                              : body.getContentType()))
                  .build());
    }
    if (Manifest.PREDICT.equals(endpoint.details().get("protocol"))) {
      return predictInstances(resource, endpoint, request, ctx);
    }
    return rawPredict(
        resource,
        OipJson.writeRequest(request),
        "application/json",
        ctx,
        body -> {
          InferenceResponse r = OipJson.readResponse(body.getData().toByteArray());
          if (!request.outputs().isEmpty()) {
            r =
                r.toBuilder()
                    .outputs(
                        r.outputs().stream()
                            .filter(t -> request.outputs().contains(t.name()))
                            .toList())
                    .build();
          }
          return r.id().isEmpty() && request.id().isPresent()
              ? r.toBuilder().id(request.id().get()).build()
              : r;
        });
  }

  /** RawPredict of {@code body}, its answer read by {@code answer} where it arrives. */
  private CompletableFuture<InferenceResponse> rawPredict(
      String resource,
      byte[] body,
      String contentType,
      CallContext ctx,
      Function<HttpBody, InferenceResponse> answer) {
    RawPredictRequest r =
        RawPredictRequest.newBuilder()
            .setEndpoint(resource)
            .setHttpBody(
                HttpBody.newBuilder()
                    .setContentType(contentType)
                    // this call's own array (written here, or Payload's copy)
                    .setData(UnsafeByteOperations.unsafeWrap(body)))
            .build();
    return predictCall(ctx, vertex.predictions.rawPredictCallable().futureCall(r), answer);
  }

  /** The first declared output of the endpoint's deployments, or null. */
  private static TensorSpec firstOutput(EndpointDescription endpoint) {
    for (DeploymentDescription d : endpoint.deployments()) {
      if (d.signature().isPresent() && !d.signature().get().outputs().isEmpty()) {
        return d.signature().get().outputs().get(0);
      }
    }
    return null;
  }

  private CompletableFuture<InferenceResponse> predictInstances(
      String resource, EndpointDescription endpoint, InferenceRequest request, CallContext ctx) {
    TensorSpec out = firstOutput(endpoint);
    PredictRequest req = InstancesCodec.encode(resource, request);
    return predictCall(
        ctx,
        vertex.predictions.predictCallable().futureCall(req),
        (PredictResponse r) -> InstancesCodec.decode(r, out, request));
  }
}
