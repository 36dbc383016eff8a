package io.serve4j.batch;

import io.serve4j.ServingException;
import java.time.Duration;
import java.util.Optional;

/**
 * When to retry a failed prediction. A stop-gap until core has its own retry policy (serve4j issue
 * 9); the scorer will then take that policy and this interface will go.
 *
 * <pre>{@code
 * BatchRetry retry = BatchRetry.exponential(5, Duration.ofMillis(200), Duration.ofSeconds(10));
 * }</pre>
 */
@FunctionalInterface
public interface BatchRetry {
  /**
   * Decides whether to retry after a failure.
   *
   * @param failure what went wrong
   * @param attempt the number of the attempt that failed, from 1
   * @return how long to wait before the next attempt, or empty to give up
   */
  Optional<Duration> delayBeforeRetry(ServingException failure, int attempt);

  /**
   * Never retries.
   *
   * @return the policy
   */
  static BatchRetry none() {
    return (failure, attempt) -> Optional.empty();
  }

  /**
   * Retries {@link ServingException#retryable() retryable} failures with exponential backoff and
   * full jitter, honouring a service's retry-after hint (capped at {@code maxDelay}).
   *
   * @param maxAttempts attempts in all, including the first; at least 1
   * @param initialDelay the delay before the second attempt
   * @param maxDelay the cap on any delay
   * @return the policy
   */
  static BatchRetry exponential(int maxAttempts, Duration initialDelay, Duration maxDelay) {
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be >= 1, was " + maxAttempts);
    }
    return (failure, attempt) -> {
      if (!failure.retryable() || attempt >= maxAttempts) {
        return Optional.empty();
      }
      if (failure.retryAfter().isPresent()) {
        Duration hint = failure.retryAfter().get();
        return Optional.of(hint.compareTo(maxDelay) > 0 ? maxDelay : hint);
      }
      long cap =
          Math.min(maxDelay.toMillis(), initialDelay.toMillis() << Math.min(attempt - 1, 20));
      long jittered = (long) (java.util.concurrent.ThreadLocalRandom.current().nextDouble() * cap);
      return Optional.of(Duration.ofMillis(Math.max(1, jittered)));
    };
  }

  /**
   * The default: 4 attempts, 200 ms initial delay, 10 s cap.
   *
   * @return the policy
   */
  static BatchRetry defaults() {
    return exponential(4, Duration.ofMillis(200), Duration.ofSeconds(10));
  }
}
