package io.serve4j.aws.internal;

import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.Payload;
import io.serve4j.aws.AwsParameters;
import io.serve4j.protocol.OipJson;
import software.amazon.awssdk.services.sagemakerruntime.model.InvokeEndpointResponse;

/**
 * The wire codec of SageMaker invocations: the body InvokeEndpoint and InvokeEndpointAsync send and
 * the response read back.
 */
final class InvocationCodec {
  static final String JSON = "application/json";

  private InvocationCodec() {}

  /**
   * What InvokeEndpoint and InvokeEndpointAsync send: a raw payload as it is, else the request as
   * Open Inference Protocol JSON without the custom-attributes parameter (sent as a header).
   */
  record Body(byte[] bytes, String contentType) {
    static Body of(InferenceRequest request) {
      if (request.payload().isPresent()) {
        Payload p = request.payload().get();
        return new Body(p.bytes(), p.contentType());
      }
      boolean attributes = request.parameters().containsKey(AwsParameters.CUSTOM_ATTRIBUTES);
      return new Body(
          OipJson.writeRequest(attributes ? withoutAttributes(request) : request), JSON);
    }
  }

  /**
   * Returns the CustomAttributes header of an invocation.
   *
   * @param request the request
   * @return the {@link AwsParameters#CUSTOM_ATTRIBUTES} parameter as text, or null
   */
  static String customAttributes(InferenceRequest request) {
    Object attributes = request.parameters().get(AwsParameters.CUSTOM_ATTRIBUTES);
    return attributes == null ? null : String.valueOf(attributes);
  }

  /**
   * Returns the InferenceId of a real-time or streaming invocation: the caller's request id where
   * SageMaker takes it (at most 64 characters).
   *
   * @param request the request
   * @return the id, or null
   */
  static String inferenceId(InferenceRequest request) {
    return request.id().filter(id -> id.length() <= 64).orElse(null);
  }

  private static InferenceRequest withoutAttributes(InferenceRequest request) {
    InferenceRequest.Builder b = InferenceRequest.builder().inputs(request.inputs());
    request.id().ifPresent(b::id);
    request.outputs().forEach(b::output);
    request.targetDeployment().ifPresent(b::targetDeployment);
    request
        .parameters()
        .forEach(
            (k, v) -> {
              if (!k.equals(AwsParameters.CUSTOM_ATTRIBUTES)) {
                b.parameter(k, v);
              }
            });
    return b.build();
  }

  static InferenceResponse toResponse(InferenceRequest request, InvokeEndpointResponse r) {
    // Read in place: OipJson only reads it, and Payload.of copies.
    byte[] body = r.body() == null ? new byte[0] : r.body().asByteArrayUnsafe();
    InferenceResponse.Builder b;
    if (request.payload().isPresent()) {
      b =
          InferenceResponse.builder()
              .payload(
                  Payload.of(
                      body,
                      r.contentType() != null ? r.contentType() : "application/octet-stream"));
    } else {
      b = OipJson.readResponse(body).toBuilder();
    }
    if (r.invokedProductionVariant() != null) {
      b.deployment(r.invokedProductionVariant());
    }
    if (r.customAttributes() != null) {
      b.parameter(AwsParameters.CUSTOM_ATTRIBUTES, r.customAttributes());
    }
    return b.build();
  }
}
