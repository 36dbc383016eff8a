package io.serve4j.resilience;

import io.serve4j.Endpoint;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.internal.Futures;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * Sends each request to a primary and (for a share of requests) to a shadow, returns the primary's
 * answer, and reports how far the shadow's outputs differ — to validate that a local model matches
 * the cloud one before relying on it as a fallback.
 *
 * <pre>{@code
 * Endpoint checked = ShadowEndpoint.builder()
 *     .primary(vertex.endpoint("fraud"))
 *     .shadow(local.endpoint("fraud"))
 *     .onComparison(c -> { if (!c.matches(1e-4)) log.warn("drift: {}", c); })
 *     .build();
 * }</pre>
 *
 * <p>The shadow never delays or fails the caller: its call runs beside the primary's, and its
 * failure is reported in the comparison.
 */
public final class ShadowEndpoint extends ForwardingEndpoint {
  private final Endpoint shadow;
  private final Consumer<ShadowComparison> onComparison;
  private final int percent;

  private ShadowEndpoint(Builder b) {
    super(b.primary);
    this.shadow = Objects.requireNonNull(b.shadow, "shadow");
    this.onComparison = Objects.requireNonNull(b.onComparison, "onComparison");
    this.percent = b.percent;
  }

  /**
   * Starts a builder.
   *
   * @return a builder
   */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public CompletableFuture<InferenceResponse> predictAsync(InferenceRequest request) {
    CompletableFuture<InferenceResponse> p = primary().predictAsync(request);
    if (percent < 100 && ThreadLocalRandom.current().nextInt(100) >= percent) {
      return p;
    }
    CompletableFuture<InferenceResponse> s = shadow.predictAsync(request);
    String id = request.id().orElse("");
    p.thenAcceptBoth(
        s.handle((r, e) -> e == null ? r : null),
        (pr, sr) -> {
          ShadowComparison c;
          if (sr == null) {
            c =
                new ShadowComparison(
                    id,
                    java.util.List.of(),
                    Optional.of(Futures.toServing(s.handle((r, e) -> e).join(), null)));
          } else {
            c = ShadowComparison.of(id, pr, sr);
          }
          try {
            onComparison.accept(c);
          } catch (RuntimeException ignored) {
            // the consumer's failure must not reach the caller
          }
        });
    return p;
  }

  @Override
  public String toString() {
    return "ShadowEndpoint[" + primary() + " shadowed by " + shadow + "]";
  }

  /** Builds a {@link ShadowEndpoint}. Not thread-safe. */
  public static final class Builder {
    private Endpoint primary;
    private Endpoint shadow;
    private Consumer<ShadowComparison> onComparison;
    private int percent = 100;

    private Builder() {}

    /**
     * Sets the primary (required): its answers are returned.
     *
     * @param primary the endpoint
     * @return this builder
     */
    public Builder primary(Endpoint primary) {
      this.primary = primary;
      return this;
    }

    /**
     * Sets the shadow (required): its answers are only compared.
     *
     * @param shadow the endpoint
     * @return this builder
     */
    public Builder shadow(Endpoint shadow) {
      this.shadow = shadow;
      return this;
    }

    /**
     * Sets where comparisons go (required); called on a completing thread, must not block.
     *
     * @param onComparison the consumer
     * @return this builder
     */
    public Builder onComparison(Consumer<ShadowComparison> onComparison) {
      this.onComparison = onComparison;
      return this;
    }

    /**
     * Sets the share of requests also sent to the shadow; default 100.
     *
     * @param percent 1..100
     * @return this builder
     */
    public Builder percent(int percent) {
      if (percent < 1 || percent > 100) {
        throw new IllegalArgumentException("percent must be 1..100");
      }
      this.percent = percent;
      return this;
    }

    /**
     * Builds the endpoint.
     *
     * @return the endpoint
     */
    public ShadowEndpoint build() {
      return new ShadowEndpoint(this);
    }
  }
}
