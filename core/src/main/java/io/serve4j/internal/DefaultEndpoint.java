package io.serve4j.internal;

import io.serve4j.Capability;
import io.serve4j.Endpoint;
import io.serve4j.EndpointDescription;
import io.serve4j.EndpointSpec;
import io.serve4j.ErrorCategory;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.NotFoundException;
import io.serve4j.Operation;
import io.serve4j.OperationKind;
import io.serve4j.ResponseStream;
import io.serve4j.ServingException;
import io.serve4j.spi.Deadline;
import io.serve4j.spi.StreamingInference;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.stream.Collectors;

/** The {@link Endpoint} handle of {@link DefaultServingClient}. */
final class DefaultEndpoint implements Endpoint {
  private final DefaultServingClient client;
  private final String name;

  DefaultEndpoint(DefaultServingClient client, String name) {
    this.client = client;
    this.name = name;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public EndpointDescription describe() {
    return Futures.join(describeAsync(), client.providerId());
  }

  @Override
  public CompletableFuture<EndpointDescription> describeAsync() {
    if (client.isClosed()) {
      return CompletableFuture.failedFuture(client.closedError());
    }
    return client
        .call(
            OperationKind.DESCRIBE,
            name,
            null,
            Deadline.after(client.config().callTimeout()),
            ctx -> client.session().lifecycle().describeEndpoint(name, ctx))
        .thenApply(
            d -> {
              client.remember(d);
              return d;
            });
  }

  @Override
  public InferenceResponse predict(InferenceRequest request) {
    return Futures.join(predictAsync(request), client.providerId());
  }

  @Override
  public CompletableFuture<InferenceResponse> predictAsync(InferenceRequest request) {
    if (client.isClosed()) {
      return CompletableFuture.failedFuture(client.closedError());
    }
    try {
      check(request);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(Futures.toServing(e, client.providerId()));
    }
    DefaultServingClient.Known known = client.known(name);
    if (known != null) {
      try {
        RequestValidator.validate(request, known.signatures(), name);
      } catch (ServingException e) {
        return CompletableFuture.failedFuture(Futures.toServing(e, client.providerId()));
      }
      return send(request, known.description());
    }
    // First call for this endpoint: describe it once (core's one description cache, handed to the
    // provider's predict) so that bad input never leaves the process.
    return Futures.thenComposeCancellable(
        describeAsync()
            .handle(
                (d, e) -> {
                  if (e != null && Futures.unwrap(e) instanceof NotFoundException nf) {
                    throw nf;
                  }
                  DefaultServingClient.Known k = client.known(name);
                  if (k != null) {
                    RequestValidator.validate(request, k.signatures(), name);
                  }
                  return k;
                }),
        k -> send(request, k == null ? null : k.description()));
  }

  @Override
  public ResponseStream stream(InferenceRequest request) {
    client.ensureOpen();
    check(request);
    requireStreaming();
    return ResponseStream.of(streamAsync(request));
  }

  @Override
  public Flow.Publisher<InferenceResponse> streamAsync(InferenceRequest request) {
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
        check(req);
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
          describeAsync()
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

  private void check(InferenceRequest request) {
    RequestValidator.checkSize(request, client.config().maxRequestBytes(), name);
    if (request.targetModel().isPresent()) {
      CapabilityCheck.require(
          client.providerId(),
          client.capabilities(),
          Capability.MULTI_MODEL,
          "a request for model '" + request.targetModel().get() + "' on endpoint '" + name + "'");
    }
    if (request.payload().isPresent()) {
      CapabilityCheck.require(
          client.providerId(),
          client.capabilities(),
          Capability.RAW_PAYLOAD,
          "a raw payload request to endpoint '" + name + "'");
    }
  }

  private CompletableFuture<InferenceResponse> send(
      InferenceRequest request, EndpointDescription description) {
    Deadline deadline = Deadline.after(request.timeout().orElse(client.config().predictTimeout()));
    CompletableFuture<InferenceResponse> sent =
        client.call(
            OperationKind.PREDICT,
            name,
            request.id().orElse(null),
            deadline,
            new Predict(request, description));
    if (!sent.isDone() || sent.isCompletedExceptionally()) {
      // The endpoint went away (or was replaced): the next call describes it again.
      sent.whenComplete(
          (r, e) -> {
            if (e != null && Futures.unwrap(e) instanceof NotFoundException) {
              client.forget(name);
            }
          });
    }
    return sent;
  }

  /**
   * One prediction's provider call, for each attempt: a plain class, not a capturing lambda (whose
   * instance the JIT made through a method handle on every call: JFR showed it on the hot path).
   */
  private final class Predict
      implements java.util.function.Function<
          io.serve4j.spi.CallContext, CompletableFuture<InferenceResponse>> {
    private final InferenceRequest request;
    private final EndpointDescription description;

    Predict(InferenceRequest request, EndpointDescription description) {
      this.request = request;
      this.description = description;
    }

    @Override
    public CompletableFuture<InferenceResponse> apply(io.serve4j.spi.CallContext ctx) {
      return bounded(client.session().inference().predict(name, description, request, ctx));
    }
  }

  /**
   * Applies the client's response limit to one attempt's answer: checked in place when the provider
   * answered on this thread (no allocation on that path), else when it completes; cancelling the
   * result cancels the provider's future.
   */
  private CompletableFuture<InferenceResponse> bounded(CompletableFuture<InferenceResponse> f) {
    long max = client.config().maxResponseBytes();
    if (f.isDone()) {
      if (f.isCompletedExceptionally()) {
        return f;
      }
      ServingException tooLarge = RequestValidator.responseTooLarge(f.getNow(null), max, name);
      return tooLarge == null ? f : CompletableFuture.failedFuture(tooLarge);
    }
    CompletableFuture<InferenceResponse> out = new CompletableFuture<>();
    f.whenComplete(
        (r, e) -> {
          if (e != null) {
            out.completeExceptionally(e);
            return;
          }
          ServingException tooLarge = RequestValidator.responseTooLarge(r, max, name);
          if (tooLarge != null) {
            out.completeExceptionally(tooLarge);
          } else {
            out.complete(r);
          }
        });
    out.whenComplete(
        (r, e) -> {
          if (out.isCancelled()) {
            f.cancel(true);
          }
        });
    return out;
  }

  @Override
  public Operation<InferenceResponse> submit(InferenceRequest request) {
    client.ensureOpen();
    CapabilityCheck.require(
        client.providerId(),
        client.capabilities(),
        Capability.ASYNC_INFERENCE,
        "asynchronous inference on endpoint '" + name + "'");
    check(request);
    DefaultServingClient.Known known = client.known(name);
    if (known != null) {
      RequestValidator.validate(request, known.signatures(), name);
    }
    // A queued inference may wait far longer than a prediction: the request's own timeout bounds
    // it if given, else the client's operation timeout.
    Deadline deadline =
        Deadline.after(request.timeout().orElse(client.config().operationTimeout()));
    return client.operation(
        OperationKind.SUBMIT_INFERENCE,
        "submit inference to " + name,
        name,
        deadline,
        ctx ->
            client
                .session()
                .queuedInference()
                .orElseThrow(
                    () ->
                        ServingException.builder(ErrorCategory.UNSUPPORTED_CAPABILITY)
                            .providerId(client.providerId())
                            .message("provider declares asynchronous inference but has none")
                            .build())
                .submitInference(name, request, ctx));
  }

  @Override
  public Operation<EndpointDescription> update(EndpointSpec requested) {
    client.ensureOpen();
    if (!requested.name().equals(name)) {
      throw ServingException.builder(ErrorCategory.INVALID_INPUT)
          .providerId(client.providerId())
          .message("spec is for endpoint '" + requested.name() + "', not '" + name + "'")
          .build();
    }
    CapabilityCheck.check(client.providerId(), client.capabilities(), requested);
    EndpointSpec spec = client.resolveSignatures(requested);
    client.forget(name);
    DefaultOperation<EndpointDescription> op =
        client.operation(
            OperationKind.UPDATE,
            "update endpoint " + name,
            name,
            ctx -> client.session().lifecycle().updateEndpoint(spec, ctx));
    return DefaultOperation.map(
        op,
        d -> {
          client.remember(spec, d);
          return d;
        });
  }

  @Override
  public Operation<EndpointDescription> shiftTraffic(Map<String, Integer> traffic) {
    client.ensureOpen();
    if (traffic.values().stream().filter(v -> v != null && v > 0).count() > 1) {
      CapabilityCheck.require(
          client.providerId(),
          client.capabilities(),
          Capability.TRAFFIC_SPLIT,
          "a traffic split on endpoint '" + name + "'");
    }
    Map<String, Integer> copy = Map.copyOf(traffic);
    client.forget(name);
    DefaultOperation<EndpointDescription> op =
        client.operation(
            OperationKind.SHIFT_TRAFFIC,
            "shift traffic on endpoint " + name,
            name,
            ctx ->
                Futures.thenComposeCancellable(
                    client.session().lifecycle().describeEndpoint(name, ctx),
                    current -> {
                      EndpointSpec.validateTraffic(
                          current.deployments().stream()
                              .map(d -> d.name())
                              .collect(Collectors.toSet()),
                          copy);
                      return client
                          .session()
                          .lifecycle()
                          .updateTraffic(name, copy, current.mirror().orElse(null), ctx);
                    }));
    return DefaultOperation.map(
        op,
        d -> {
          client.remember(d);
          return d;
        });
  }

  @Override
  public Operation<Void> delete() {
    client.ensureOpen();
    client.forget(name);
    return client.operation(
        OperationKind.DELETE,
        "delete endpoint " + name,
        name,
        ctx -> client.session().lifecycle().deleteEndpoint(name, ctx));
  }

  @Override
  public String toString() {
    return "Endpoint[" + client.providerId() + ":" + name + "]";
  }
}
