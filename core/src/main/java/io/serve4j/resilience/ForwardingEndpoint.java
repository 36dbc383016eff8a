package io.serve4j.resilience;

import io.serve4j.Endpoint;
import io.serve4j.EndpointDescription;
import io.serve4j.EndpointSpec;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.Operation;
import io.serve4j.internal.Futures;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * An endpoint that forwards everything to a primary, for wrappers that change only how predictions
 * are made ({@link FailoverEndpoint}, {@link ShadowEndpoint}): describe, submit, update, traffic
 * and delete go to the primary, and the blocking {@link #predict} is derived from {@link
 * #predictAsync}.
 */
public abstract class ForwardingEndpoint implements Endpoint {
  private final Endpoint primary;

  /**
   * Creates the wrapper.
   *
   * @param primary the endpoint everything but predictions is forwarded to
   */
  protected ForwardingEndpoint(Endpoint primary) {
    this.primary = Objects.requireNonNull(primary, "primary");
  }

  /**
   * Returns the primary.
   *
   * @return the primary endpoint
   */
  protected final Endpoint primary() {
    return primary;
  }

  @Override
  public String name() {
    return primary.name();
  }

  @Override
  public EndpointDescription describe() {
    return primary.describe();
  }

  @Override
  public CompletableFuture<EndpointDescription> describeAsync() {
    return primary.describeAsync();
  }

  @Override
  public InferenceResponse predict(InferenceRequest request) {
    return Futures.join(predictAsync(request), null);
  }

  @Override
  public Operation<InferenceResponse> submit(InferenceRequest request) {
    return primary.submit(request);
  }

  @Override
  public Operation<EndpointDescription> update(EndpointSpec spec) {
    return primary.update(spec);
  }

  @Override
  public Operation<EndpointDescription> shiftTraffic(Map<String, Integer> traffic) {
    return primary.shiftTraffic(traffic);
  }

  @Override
  public Operation<Void> delete() {
    return primary.delete();
  }
}
