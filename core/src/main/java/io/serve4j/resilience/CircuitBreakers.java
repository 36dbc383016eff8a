package io.serve4j.resilience;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.serve4j.ErrorCategory;
import io.serve4j.ServingException;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;

/**
 * Circuit breaker settings for {@link io.serve4j.Serve4j.Builder#circuitBreaker}: resilience4j's
 * own configuration, with a failure predicate that understands serve4j's errors.
 *
 * <pre>{@code
 * Serve4j.builder().provider("aws").circuitBreaker(CircuitBreakers.defaults()).build();
 * }</pre>
 */
public final class CircuitBreakers {
  private static final Set<ErrorCategory> UNWELL =
      EnumSet.of(
          ErrorCategory.UNAVAILABLE,
          ErrorCategory.TIMEOUT,
          ErrorCategory.THROTTLED,
          ErrorCategory.INTERNAL);

  private CircuitBreakers() {}

  /**
   * Opens after half of the last 10 calls (at least 5) failed because the endpoint was unwell;
   * stays open 10 s, then lets 3 trial calls through.
   *
   * @return the configuration
   */
  public static CircuitBreakerConfig defaults() {
    return builder().waitDurationInOpenState(Duration.ofSeconds(10)).build();
  }

  /**
   * A resilience4j builder preset with {@link #countsAsFailure(Throwable)} and the defaults except
   * the open-state wait (set it with {@code waitDurationInOpenState}; resilience4j's own default is
   * 60 s), to adjust further.
   *
   * @return the builder
   */
  public static CircuitBreakerConfig.Builder builder() {
    return CircuitBreakerConfig.custom()
        .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
        .slidingWindowSize(10)
        .minimumNumberOfCalls(5)
        .failureRateThreshold(50)
        .permittedNumberOfCallsInHalfOpenState(3)
        .recordException(CircuitBreakers::countsAsFailure);
  }

  /**
   * Whether a failure says the endpoint is unwell: unavailable, timeout, throttled or internal. Bad
   * input, missing endpoints and model errors do not open the breaker.
   *
   * @param error the failure
   * @return true if it counts
   */
  public static boolean countsAsFailure(Throwable error) {
    return error instanceof ServingException se && UNWELL.contains(se.category());
  }
}
