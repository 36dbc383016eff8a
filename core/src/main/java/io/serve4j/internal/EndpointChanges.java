package io.serve4j.internal;

import io.serve4j.Capability;
import io.serve4j.EndpointDescription;
import io.serve4j.EndpointSpec;
import io.serve4j.ErrorCategory;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.Operation;
import io.serve4j.OperationKind;
import io.serve4j.ServingException;
import io.serve4j.spi.CancellableFutures;
import io.serve4j.spi.Deadline;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The rarely used operations of {@link DefaultEndpoint} (queued inference, update, traffic shift,
 * delete), in a class of their own: a deploy and its predictions never load, parse or verify them.
 */
final class EndpointChanges {
  private final DefaultEndpoint endpoint;
  private final DefaultServingClient client;
  private final String name;

  EndpointChanges(DefaultEndpoint endpoint, DefaultServingClient client, String name) {
    this.endpoint = endpoint;
    this.client = client;
    this.name = name;
  }

  Operation<InferenceResponse> submit(InferenceRequest request) {
    client.ensureOpen();
    CapabilityCheck.require(
        client.providerId(),
        client.capabilities(),
        Capability.ASYNC_INFERENCE,
        "asynchronous inference on endpoint '" + name + "'");
    endpoint.check(request);
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

  Operation<EndpointDescription> update(EndpointSpec requested) {
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

  Operation<EndpointDescription> shiftTraffic(Map<String, Integer> traffic) {
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
                CancellableFutures.thenCompose(
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

  Operation<Void> delete() {
    client.ensureOpen();
    client.forget(name);
    return client.operation(
        OperationKind.DELETE,
        "delete endpoint " + name,
        name,
        ctx -> client.session().lifecycle().deleteEndpoint(name, ctx));
  }
}
