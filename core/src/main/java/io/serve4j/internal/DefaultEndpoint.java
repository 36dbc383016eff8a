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
import io.serve4j.ServingException;
import io.serve4j.spi.Deadline;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
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

  private void check(InferenceRequest request) {
    RequestValidator.checkSize(request, client.config().maxRequestBytes(), name);
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
            ctx -> bounded(client.session().inference().predict(name, description, request, ctx)));
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
