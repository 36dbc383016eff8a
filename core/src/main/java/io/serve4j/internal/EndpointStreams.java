package io.serve4j.internal;

import io.serve4j.Capability;
import io.serve4j.EndpointDescription;
import io.serve4j.ErrorCategory;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.NotFoundException;
import io.serve4j.OperationKind;
import io.serve4j.ResponseStream;
import io.serve4j.ServingException;
import io.serve4j.spi.Deadline;
import io.serve4j.spi.StreamingInference;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;

/**
 * The streaming predictions of {@link DefaultEndpoint}, in a class of their own: an endpoint that
 * never streams never loads, parses or verifies them.
 */
final class EndpointStreams {
  private final DefaultEndpoint endpoint;
  private final DefaultServingClient client;
  private final String name;

  EndpointStreams(DefaultEndpoint endpoint, DefaultServingClient client, String name) {
    this.endpoint = endpoint;
    this.client = client;
    this.name = name;
  }

  ResponseStream stream(InferenceRequest request) {
    client.ensureOpen();
    endpoint.check(request);
    requireStreaming();
    return ResponseStream.of(streamAsync(request));
  }

  Flow.Publisher<InferenceResponse> streamAsync(InferenceRequest request) {
    Objects.requireNonNull(request, "request");
    return subscriber -> {
      Objects.requireNonNull(subscriber, "subscriber");
      String id = request.id().orElseGet(RequestIds::next);
      InferenceRequest req =
          request.id().isPresent() ? request : request.toBuilder().id(id).build();
      String what = "stream from endpoint '" + name + "'";
      StreamCall call =
          new StreamCall(
              subscriber,
              t -> client.typed(what, t, id),
              () ->
                  ServingException.builder(ErrorCategory.TIMEOUT)
                      .providerId(client.providerId())
                      .requestId(id)
                      .message("the " + what + " did not finish before its deadline")
                      .build());
      subscriber.onSubscribe(call);
      if (client.isClosed()) {
        call.fail(client.closedError(), false);
        return;
      }
      StreamingInference streaming;
      try {
        endpoint.check(req);
        streaming = requireStreaming();
      } catch (RuntimeException e) {
        call.fail(Futures.toServing(e, client.providerId()), false);
        return;
      }
      DefaultServingClient.Known known = client.known(name);
      if (known != null) {
        try {
          RequestValidator.validate(req, known.signatures(), name);
        } catch (ServingException e) {
          call.fail(e, false);
          return;
        }
        open(streaming, req, known.description(), call);
        return;
      }
      CompletableFuture<Void> described =
          endpoint
              .describeAsync()
              .handle(
                  (d, e) -> {
                    if (e != null && Futures.unwrap(e) instanceof NotFoundException nf) {
                      throw nf;
                    }
                    DefaultServingClient.Known k = client.known(name);
                    if (k != null) {
                      RequestValidator.validate(req, k.signatures(), name);
                    }
                    open(streaming, req, k == null ? null : k.description(), call);
                    return null;
                  });
      call.pending(described);
      described.whenComplete(
          (v, e) -> {
            if (e != null && !described.isCancelled()) {
              call.fail(Futures.toServing(Futures.unwrap(e), client.providerId()), false);
            }
          });
    };
  }

  private StreamingInference requireStreaming() {
    CapabilityCheck.require(
        client.providerId(),
        client.capabilities(),
        Capability.STREAMING,
        "a streaming prediction on endpoint '" + name + "'");
    return client
        .session()
        .streamingInference()
        .orElseThrow(
            () ->
                ServingException.builder(ErrorCategory.UNSUPPORTED_CAPABILITY)
                    .providerId(client.providerId())
                    .message("provider declares streaming but has no streaming part")
                    .build());
  }

  /**
   * The first phase of a stream is an ordinary core call that lasts until the first chunk, so a
   * stream gets the same retries, circuit breaker and listeners as a prediction; then the winning
   * attempt's chunks are relayed under the same deadline.
   */
  private void open(
      StreamingInference streaming,
      InferenceRequest request,
      EndpointDescription description,
      StreamCall call) {
    Deadline deadline = Deadline.after(request.timeout().orElse(client.config().predictTimeout()));
    CompletableFuture<StreamCall.Attempt> first =
        client.call(
            OperationKind.STREAM,
            name,
            request.id().orElse(null),
            deadline,
            ctx -> {
              StreamCall.Attempt attempt = call.attempt();
              streaming.stream(name, description, request, ctx).subscribe(attempt);
              return attempt.head;
            });
    call.pending(first);
    first.whenComplete(
        (winner, e) -> {
          if (e == null) {
            call.adopt(winner, deadline);
          } else if (!first.isCancelled()) {
            if (Futures.unwrap(e) instanceof NotFoundException) {
              client.forget(name);
            }
            call.fail(Futures.toServing(Futures.unwrap(e), client.providerId()), false);
          }
        });
  }
}
