package io.serve4j.aws.internal;

import static io.serve4j.aws.internal.AwsCalls.timeout;

import io.serve4j.EndpointDescription;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.spi.CallContext;
import io.serve4j.spi.Inference;
import java.util.concurrent.CompletableFuture;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.sagemakerruntime.SageMakerRuntimeAsyncClient;
import software.amazon.awssdk.services.sagemakerruntime.model.InvokeEndpointRequest;

/** Real-time inference: InvokeEndpoint with the body {@link InvocationCodec} writes and reads. */
public final class SageMakerInvocations implements Inference {
  private final SageMakerRuntimeAsyncClient runtime;
  private final AwsClients clients;

  /**
   * Creates the part over the session's clients.
   *
   * @param clients the SDK clients
   */
  public SageMakerInvocations(AwsClients clients) {
    this.clients = clients;
    this.runtime = clients.runtime;
  }

  @Override
  public CompletableFuture<InferenceResponse> predict(
      String endpoint, EndpointDescription known, InferenceRequest request, CallContext ctx) {
    InvokeEndpointRequest.Builder b =
        InvokeEndpointRequest.builder().endpointName(endpoint).overrideConfiguration(timeout(ctx));
    InvocationCodec.Body body;
    try {
      body = InvocationCodec.Body.of(request);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    // The body is this call's own array (written here, or Payload's copy): the SDK may wrap it.
    b.contentType(body.contentType()).body(SdkBytes.fromByteArrayUnsafe(body.bytes()));
    if (request.payload().isEmpty()) {
      b.accept(InvocationCodec.JSON);
    }
    b.customAttributes(InvocationCodec.customAttributes(request))
        .inferenceId(InvocationCodec.inferenceId(request));
    request.targetDeployment().ifPresent(b::targetVariant);
    request.targetModel().ifPresent(b::targetModel);
    InvokeEndpointRequest invoke = b.build();
    CompletableFuture<InferenceResponse> call =
        AwsErrors.WIRE
            .call(
                "InvokeEndpoint on endpoint '" + endpoint + "'",
                () -> runtime.invokeEndpoint(invoke))
            .thenApply(r -> InvocationCodec.toResponse(request, r));
    return MultiModels.typed(call, request, endpoint);
  }
}
