package io.serve4j.aws.internal;

import static io.serve4j.aws.internal.AwsCalls.checkCancelled;
import static io.serve4j.aws.internal.AwsCalls.timeout;

import io.serve4j.ErrorCategory;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.Payload;
import io.serve4j.aws.AwsOptions;
import io.serve4j.aws.AwsParameters;
import io.serve4j.protocol.OipJson;
import io.serve4j.spi.CallContext;
import io.serve4j.spi.Polling;
import io.serve4j.spi.ProviderContext;
import io.serve4j.spi.QueuedInference;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.sagemakerruntime.SageMakerRuntimeAsyncClient;
import software.amazon.awssdk.services.sagemakerruntime.model.InvokeEndpointAsyncRequest;
import software.amazon.awssdk.services.sagemakerruntime.model.InvokeEndpointAsyncResponse;

/**
 * Queued (asynchronous) inference: the input staged to S3, InvokeEndpointAsync, and the result or
 * failure SageMaker writes to S3 polled for within the caller's deadline.
 */
public final class SageMakerAsyncInvocations implements QueuedInference {

  /** RequestTTLSeconds of InvokeEndpointAsync: how long a request may wait in the queue. */
  static final int MIN_REQUEST_TTL_SECONDS = 60;

  static final int MAX_REQUEST_TTL_SECONDS = 21_600;

  /** InvocationTimeoutSeconds of InvokeEndpointAsync: how long the container may work on it. */
  static final int MAX_INVOCATION_TIMEOUT_SECONDS = 3_600;

  /** Results of asynchronous inferences are looked for at least this often. */
  static final Duration MAX_RESULT_POLL_INTERVAL = Duration.ofSeconds(2);

  /** How much of a container's failure text goes into the exception message. */
  static final int MAX_FAILURE_TEXT = 2_000;

  private final AwsOptions options;
  private final ProviderContext context;
  private final SageMakerRuntimeAsyncClient runtime;
  private final S3Staging staging;
  private final AwsClients clients;

  /**
   * Creates the part over the session's clients.
   *
   * @param clients the SDK clients
   */
  public SageMakerAsyncInvocations(AwsClients clients) {
    this.clients = clients;
    this.options = clients.options;
    this.context = clients.context;
    this.runtime = clients.runtime;
    this.staging = clients.staging;
  }

  /**
   * Stages the request to S3 as the OIP JSON {@code predict} sends (a raw payload as it is), calls
   * {@code InvokeEndpointAsync}, then polls S3 for the result or the failure SageMaker writes,
   * within the caller's deadline and until cancelled. The staged input is deleted afterwards.
   */
  @Override
  public CompletableFuture<InferenceResponse> submitInference(
      String endpoint, InferenceRequest request, CallContext ctx) {
    if (request.targetDeployment().isPresent()) {
      return CompletableFuture.failedFuture(
          AwsErrors.clientError(
              ErrorCategory.INVALID_INPUT,
              "InvokeEndpointAsync cannot pin a deployment (an asynchronous SageMaker endpoint has"
                  + " exactly one); drop targetDeployment from the request to endpoint '"
                  + endpoint
                  + "'"));
    }
    if (request.targetModel().isPresent()) {
      return CompletableFuture.failedFuture(
          AwsErrors.clientError(
              ErrorCategory.UNSUPPORTED_CAPABILITY,
              "InvokeEndpointAsync has no TargetModel parameter, so an asynchronous request cannot"
                  + " name a model of a multi-model endpoint; drop targetModel from the request to"
                  + " endpoint '"
                  + endpoint
                  + "'"));
    }
    String inferenceId =
        request.id().filter(SageMakerAsyncInvocations::isInferenceId).orElse(ctx.requestId());
    String attributes = InvocationCodec.customAttributes(request);
    byte[] body;
    String contentType;
    try {
      InvocationCodec.Body encoded = InvocationCodec.Body.of(request);
      body = encoded.bytes();
      contentType = encoded.contentType();
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    ctx.progress("staging the input of inference " + inferenceId, 0.0);
    CompletableFuture<URI> staged =
        clients
            .stagingBucket(ctx)
            .thenCompose(
                bucket -> {
                  String key =
                      AsyncInferenceConfigs.prefix(options, endpoint)
                          + "input/"
                          + AwsNames.safe(inferenceId)
                          + (contentType.startsWith(InvocationCodec.JSON) ? ".json" : ".bin");
                  return staging
                      .put(bucket, key, body, contentType, ctx)
                      .thenApply(x -> URI.create("s3://" + bucket + "/" + key));
                });
    CompletableFuture<InferenceResponse> result =
        staged
            .thenCompose(
                input -> {
                  checkCancelled(ctx);
                  ctx.progress("submitting inference " + inferenceId + " to " + endpoint, 0.1);
                  InvokeEndpointAsyncRequest.Builder b =
                      InvokeEndpointAsyncRequest.builder()
                          .endpointName(endpoint)
                          .inputLocation(input.toString())
                          .contentType(contentType)
                          .inferenceId(inferenceId)
                          .overrideConfiguration(timeout(ctx));
                  if (request.payload().isEmpty()) {
                    b.accept(InvocationCodec.JSON);
                  }
                  if (attributes != null) {
                    b.customAttributes(attributes);
                  }
                  if (ctx.deadline().isFinite()) {
                    long left = Math.max(1, ctx.deadline().remaining().toSeconds());
                    b.requestTTLSeconds(
                            (int)
                                Math.min(
                                    MAX_REQUEST_TTL_SECONDS,
                                    Math.max(MIN_REQUEST_TTL_SECONDS, left)))
                        .invocationTimeoutSeconds(
                            (int) Math.min(MAX_INVOCATION_TIMEOUT_SECONDS, left));
                  }
                  InvokeEndpointAsyncRequest invoke = b.build();
                  return AwsErrors.WIRE.call(
                      "InvokeEndpointAsync on endpoint '" + endpoint + "'",
                      () -> runtime.invokeEndpointAsync(invoke));
                })
            .thenCompose(r -> awaitResult(endpoint, inferenceId, r, ctx))
            .thenApply(out -> toAsyncResponse(request, inferenceId, out));
    // Whatever the outcome (result, failure, timeout, cancellation), the staged input goes once
    // it is written: a request still queued then fails on SageMaker instead of running.
    result.whenComplete(
        (v, e) ->
            staged.whenComplete(
                (input, pe) -> {
                  if (input != null) {
                    staging.deleteQuietly(input.getHost(), S3Staging.key(input));
                  }
                }));
    return result;
  }

  /** The S3 object SageMaker wrote for an asynchronous inference. */
  private record AsyncOutcome(
      URI location, ResponseBytes<GetObjectResponse> object, boolean failed) {
    boolean done() {
      return object != null;
    }
  }

  private CompletableFuture<AsyncOutcome> awaitResult(
      String endpoint, String inferenceId, InvokeEndpointAsyncResponse r, CallContext ctx) {
    if (r.outputLocation() == null) {
      return CompletableFuture.failedFuture(
          AwsErrors.error(
              ErrorCategory.INTERNAL,
              "InvokeEndpointAsync on endpoint '"
                  + endpoint
                  + "' accepted inference "
                  + inferenceId
                  + " but named no output location"));
    }
    URI output = URI.create(r.outputLocation());
    URI failure = r.failureLocation() != null ? URI.create(r.failureLocation()) : null;
    String id = r.inferenceId() != null ? r.inferenceId() : inferenceId;
    ctx.progress("inference " + id + " is queued on endpoint " + endpoint, 0.2);
    Duration interval =
        options.pollInterval().compareTo(MAX_RESULT_POLL_INTERVAL) < 0
            ? options.pollInterval()
            : MAX_RESULT_POLL_INTERVAL;
    return Polling.until(
            () ->
                staging
                    .getIfExists(output, ctx)
                    .thenCompose(
                        o -> {
                          if (o.isPresent() || failure == null) {
                            return CompletableFuture.completedFuture(
                                new AsyncOutcome(output, o.orElse(null), false));
                          }
                          return staging
                              .getIfExists(failure, ctx)
                              .thenApply(f -> new AsyncOutcome(failure, f.orElse(null), true));
                        }),
            AsyncOutcome::done,
            o ->
                "inference "
                    + id
                    + " is queued or running on endpoint "
                    + endpoint
                    + "; its result goes to "
                    + output,
            interval,
            ctx,
            context.scheduler())
        .thenApply(
            o -> {
              if (o.failed()) {
                throw AwsErrors.error(
                    ErrorCategory.MODEL_ERROR,
                    "asynchronous inference "
                        + id
                        + " on endpoint '"
                        + endpoint
                        + "' failed in the model container: "
                        + failureText(o.object().asByteArray())
                        + " (failure written to "
                        + o.location()
                        + ")");
              }
              ctx.progress("inference " + id + " finished", 1.0);
              return o;
            });
  }

  static String failureText(byte[] bytes) {
    String text = new String(bytes, StandardCharsets.UTF_8).strip();
    if (text.isEmpty()) {
      return "(empty failure object)";
    }
    return text.length() <= MAX_FAILURE_TEXT
        ? text
        : text.substring(0, MAX_FAILURE_TEXT) + "... (" + text.length() + " characters)";
  }

  private static InferenceResponse toAsyncResponse(
      InferenceRequest request, String inferenceId, AsyncOutcome out) {
    byte[] body = out.object().asByteArray();
    InferenceResponse.Builder b;
    if (request.payload().isPresent()) {
      String type = out.object().response().contentType();
      b =
          InferenceResponse.builder()
              .payload(Payload.of(body, type != null ? type : "application/octet-stream"));
    } else {
      b = OipJson.readResponse(body).toBuilder();
    }
    return b.id(inferenceId)
        .parameter(AwsParameters.OUTPUT_LOCATION, out.location().toString())
        .build();
  }

  /** SageMaker's InferenceId: 1-64 printable ASCII characters. */
  private static boolean isInferenceId(String id) {
    return !id.isEmpty() && id.length() <= 64 && id.chars().allMatch(c -> c > 32 && c < 127);
  }
}
