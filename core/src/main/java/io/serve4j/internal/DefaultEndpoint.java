package io.serve4j.internal;

import io.serve4j.Capability;
import io.serve4j.Endpoint;
import io.serve4j.EndpointDescription;
import io.serve4j.EndpointSpec;
import io.serve4j.ErrorCategory;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.ModelSignature;
import io.serve4j.NotFoundException;
import io.serve4j.Operation;
import io.serve4j.ServingException;
import io.serve4j.spi.Deadline;
import java.util.List;
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
            "describe",
            name,
            null,
            Deadline.after(client.config().callTimeout()),
            ctx -> client.provider().describeEndpoint(name, ctx))
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
    List<ModelSignature> known = client.knownSignatures(name);
    if (known != null) {
      try {
        RequestValidator.validate(request, known, name);
      } catch (ServingException e) {
        return CompletableFuture.failedFuture(Futures.toServing(e, client.providerId()));
      }
      return send(request);
    }
    // First call on this handle: learn the signature so that bad input never leaves the process.
    return Futures.thenComposeCancellable(
        describeAsync()
            .handle(
                (d, e) -> {
                  if (e != null && Futures.unwrap(e) instanceof NotFoundException nf) {
                    throw nf;
                  }
                  List<ModelSignature> sigs = client.knownSignatures(name);
                  if (sigs != null) {
                    RequestValidator.validate(request, sigs, name);
                  }
                  return request;
                }),
        this::send);
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

  private CompletableFuture<InferenceResponse> send(InferenceRequest request) {
    Deadline deadline = Deadline.after(request.timeout().orElse(client.config().predictTimeout()));
    return client.call(
        "predict",
        name,
        request.id().orElse(null),
        deadline,
        ctx -> client.provider().predict(name, request, ctx));
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
    List<ModelSignature> known = client.knownSignatures(name);
    if (known != null) {
      RequestValidator.validate(request, known, name);
    }
    // A queued inference may wait far longer than a prediction: the request's own timeout bounds
    // it if given, else the client's operation timeout.
    Deadline deadline =
        Deadline.after(request.timeout().orElse(client.config().operationTimeout()));
    return client.operation(
        "submit inference to " + name,
        name,
        deadline,
        ctx -> client.provider().submitInference(name, request, ctx));
  }

  @Override
  public Operation<EndpointDescription> update(EndpointSpec spec) {
    client.ensureOpen();
    if (!spec.name().equals(name)) {
      throw ServingException.builder(ErrorCategory.INVALID_INPUT)
          .providerId(client.providerId())
          .message("spec is for endpoint '" + spec.name() + "', not '" + name + "'")
          .build();
    }
    CapabilityCheck.check(client.providerId(), client.capabilities(), spec);
    client.forget(name);
    DefaultOperation<EndpointDescription> op =
        client.operation(
            "update endpoint " + name, name, ctx -> client.provider().updateEndpoint(spec, ctx));
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
    return client.operation(
        "shiftTraffic on endpoint " + name,
        name,
        ctx ->
            client
                .provider()
                .describeEndpoint(name, ctx)
                .thenCompose(
                    current -> {
                      EndpointSpec.validateTraffic(
                          current.deployments().stream()
                              .map(d -> d.name())
                              .collect(Collectors.toSet()),
                          copy);
                      return client
                          .provider()
                          .updateTraffic(name, copy, current.mirror().orElse(null), ctx);
                    }));
  }

  @Override
  public Operation<Void> delete() {
    client.ensureOpen();
    client.forget(name);
    return client.operation(
        "delete endpoint " + name, name, ctx -> client.provider().deleteEndpoint(name, ctx));
  }

  @Override
  public String toString() {
    return "Endpoint[" + client.providerId() + ":" + name + "]";
  }
}
