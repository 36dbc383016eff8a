package io.serve4j.internal;

import io.serve4j.Capability;
import io.serve4j.Endpoint;
import io.serve4j.EndpointDescription;
import io.serve4j.EndpointSpec;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.NotFoundException;
import io.serve4j.Operation;
import io.serve4j.OperationKind;
import io.serve4j.ResponseStream;
import io.serve4j.ServingException;
import io.serve4j.spi.CancellableFutures;
import io.serve4j.spi.Deadline;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;

/** The {@link Endpoint} handle of {@link DefaultServingClient}. */
final class DefaultEndpoint implements Endpoint {
  private final DefaultServingClient client;
  private final String name;
  // The predictions' route (their text, retry budget and breaker), looked up at the first one. Racy
  // but safe: a Route is immutable (final fields) and two threads make equal ones.
  private DefaultServingClient.Route predictRoute;

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
    return CancellableFutures.thenCompose(
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
    return new EndpointStreams(this, client, name).stream(request);
  }

  @Override
  public Flow.Publisher<InferenceResponse> streamAsync(InferenceRequest request) {
    return new EndpointStreams(this, client, name).streamAsync(request);
  }

  @Override
  public Operation<InferenceResponse> submit(InferenceRequest request) {
    return new EndpointChanges(this, client, name).submit(request);
  }

  @Override
  public Operation<EndpointDescription> update(EndpointSpec requested) {
    return new EndpointChanges(this, client, name).update(requested);
  }

  @Override
  public Operation<EndpointDescription> shiftTraffic(Map<String, Integer> traffic) {
    return new EndpointChanges(this, client, name).shiftTraffic(traffic);
  }

  @Override
  public Operation<Void> delete() {
    return new EndpointChanges(this, client, name).delete();
  }

  void check(InferenceRequest request) {
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
    DefaultServingClient.Route route = predictRoute;
    if (route == null) {
      route = client.route(OperationKind.PREDICT, name);
      predictRoute = route;
    }
    CompletableFuture<InferenceResponse> sent =
        client.call(new Predict(route, deadline, request, description));
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
   * One prediction: the client's call and its provider call for each attempt in one object (two
   * before: the call and a hook it held), not a capturing lambda (whose instance the JIT made
   * through a method handle on every call: JFR showed it on the hot path).
   */
  private final class Predict extends DefaultServingClient.Call<InferenceResponse> {
    private final InferenceRequest request;
    private final EndpointDescription description;

    Predict(
        DefaultServingClient.Route route,
        Deadline deadline,
        InferenceRequest request,
        EndpointDescription description) {
      super(route, request.id().orElse(null), deadline);
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
  public String toString() {
    return "Endpoint[" + client.providerId() + ":" + name + "]";
  }
}
