package io.serve4j.resilience;

import io.serve4j.Endpoint;
import io.serve4j.ErrorCategory;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.ServingException;
import io.serve4j.internal.Futures;
import io.serve4j.internal.Timers;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * An endpoint that answers from a fallback when its primary cannot: typically a cloud endpoint
 * backed by a local ONNX Runtime endpoint of the same model (the edge-fallback case).
 *
 * <pre>{@code
 * Endpoint fraud = FailoverEndpoint.builder()
 *     .primary(sagemaker.endpoint("fraud"))
 *     .fallback(local.endpoint("fraud"))
 *     .hedgeAfter(Duration.ofMillis(300))   // optional
 *     .build();
 * InferenceResponse r = fraud.predict(request);
 * r.parameters().get(FailoverEndpoint.SERVED_BY);   // "primary" or "fallback"
 * }</pre>
 *
 * <p>The fallback is used when the primary fails with a category of {@link Builder#failoverOn(Set)}
 * (by default UNAVAILABLE — which includes an open circuit breaker —, TIMEOUT and THROTTLED) after
 * the primary client's own retries. With hedging, the fallback is also asked when the primary has
 * not answered within the hedge delay, and the first answer wins (the other call is cancelled).
 * Every response says who served it in the {@link #SERVED_BY} parameter; when both fail, the
 * primary's error is thrown with the fallback's attached as suppressed. Describe, update, traffic
 * and delete go to the primary.
 */
public final class FailoverEndpoint extends ForwardingEndpoint {
  /** Response parameter naming who served it: {@code "primary"} or {@code "fallback"}. */
  public static final String SERVED_BY = "serve4j_served_by";

  /** Hears failovers. Callbacks must not block. */
  public interface Listener {
    /**
     * The fallback is being asked.
     *
     * @param request the request
     * @param primaryError why (empty when hedging)
     */
    void onFailover(InferenceRequest request, java.util.Optional<ServingException> primaryError);
  }

  private final Endpoint fallback;
  private final Duration hedgeAfter;
  private final Set<ErrorCategory> failoverOn;
  private final Listener listener;

  private FailoverEndpoint(Builder b) {
    super(b.primary);
    this.fallback = Objects.requireNonNull(b.fallback, "fallback");
    this.hedgeAfter = b.hedgeAfter;
    this.failoverOn = Set.copyOf(b.failoverOn);
    this.listener = b.listener;
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
    CompletableFuture<InferenceResponse> result = new CompletableFuture<>();
    AtomicReference<ServingException> primaryError = new AtomicReference<>();
    AtomicReference<CompletableFuture<InferenceResponse>> fallbackCall = new AtomicReference<>();
    CompletableFuture<InferenceResponse> primaryCall = primary().predictAsync(request);
    ScheduledFuture<?> hedge =
        hedgeAfter == null
            ? null
            : Timers.shared()
                .schedule(
                    () -> {
                      if (!result.isDone()) {
                        startFallback(request, null, result, fallbackCall, primaryError);
                      }
                    },
                    hedgeAfter.toNanos(),
                    TimeUnit.NANOSECONDS);
    primaryCall.whenComplete(
        (r, e) -> {
          if (e == null) {
            if (result.complete(mark(r, "primary"))) {
              cancel(fallbackCall.get());
            }
            return;
          }
          ServingException se = Futures.toServing(e, null);
          primaryError.set(se);
          if (!failoverOn.contains(se.category())) {
            result.completeExceptionally(se);
            return;
          }
          CompletableFuture<InferenceResponse> running = fallbackCall.get();
          if (running == null) {
            startFallback(request, se, result, fallbackCall, primaryError);
          } else if (running.isCompletedExceptionally()) {
            fail(result, se, running);
          }
        });
    result.whenComplete(
        (r, e) -> {
          if (hedge != null) {
            hedge.cancel(false);
          }
          if (result.isCancelled()) {
            primaryCall.cancel(true);
            cancel(fallbackCall.get());
          }
        });
    return result;
  }

  private void startFallback(
      InferenceRequest request,
      ServingException cause,
      CompletableFuture<InferenceResponse> result,
      AtomicReference<CompletableFuture<InferenceResponse>> fallbackCall,
      AtomicReference<ServingException> primaryError) {
    synchronized (fallbackCall) {
      if (fallbackCall.get() != null) {
        return;
      }
      if (listener != null) {
        try {
          listener.onFailover(request, java.util.Optional.ofNullable(cause));
        } catch (RuntimeException ignored) {
          // listeners must not break the call
        }
      }
      CompletableFuture<InferenceResponse> f = fallback.predictAsync(request);
      fallbackCall.set(f);
      f.whenComplete(
          (r, e) -> {
            if (e == null) {
              result.complete(mark(r, "fallback"));
            } else {
              ServingException pe = primaryError.get();
              if (pe != null) {
                fail(result, pe, f);
              }
              // else: hedged fallback failed first; the primary's answer decides.
            }
          });
    }
  }

  private static void fail(
      CompletableFuture<InferenceResponse> result,
      ServingException primaryError,
      CompletableFuture<InferenceResponse> fallbackCall) {
    ServingException fe = Futures.toServing(fallbackCall.handle((r, e) -> e).join(), null);
    ServingException out =
        primaryError.toBuilder()
            .message(primaryError.getMessage() + "; the fallback failed too: " + fe.getMessage())
            .build();
    out.addSuppressed(fe);
    result.completeExceptionally(out);
  }

  private static InferenceResponse mark(InferenceResponse r, String who) {
    return r.toBuilder().parameter(SERVED_BY, who).build();
  }

  private static void cancel(CompletableFuture<?> f) {
    if (f != null) {
      f.cancel(true);
    }
  }

  @Override
  public String toString() {
    return "FailoverEndpoint[" + primary() + " -> " + fallback + "]";
  }

  /** Builds a {@link FailoverEndpoint}. Not thread-safe. */
  public static final class Builder {
    private Endpoint primary;
    private Endpoint fallback;
    private Duration hedgeAfter;
    private Set<ErrorCategory> failoverOn =
        EnumSet.of(ErrorCategory.UNAVAILABLE, ErrorCategory.TIMEOUT, ErrorCategory.THROTTLED);
    private Listener listener;

    private Builder() {}

    /**
     * Sets the primary (required).
     *
     * @param primary the endpoint tried first
     * @return this builder
     */
    public Builder primary(Endpoint primary) {
      this.primary = primary;
      return this;
    }

    /**
     * Sets the fallback (required).
     *
     * @param fallback the endpoint asked when the primary cannot answer
     * @return this builder
     */
    public Builder fallback(Endpoint fallback) {
      this.fallback = fallback;
      return this;
    }

    /**
     * Enables hedging: ask the fallback too when the primary has not answered within the delay.
     *
     * @param delay the hedge delay, or null for no hedging (the default)
     * @return this builder
     */
    public Builder hedgeAfter(Duration delay) {
      this.hedgeAfter = delay;
      return this;
    }

    /**
     * Sets which primary failures switch to the fallback.
     *
     * @param categories the categories
     * @return this builder
     */
    public Builder failoverOn(Set<ErrorCategory> categories) {
      this.failoverOn = EnumSet.copyOf(categories);
      return this;
    }

    /**
     * Sets a listener of failovers.
     *
     * @param listener the listener
     * @return this builder
     */
    public Builder listener(Listener listener) {
      this.listener = listener;
      return this;
    }

    /**
     * Builds the endpoint.
     *
     * @return the endpoint
     */
    public FailoverEndpoint build() {
      return new FailoverEndpoint(this);
    }
  }
}
