package io.serve4j;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How core retries a failed call, once for every provider: exponential backoff with full jitter, a
 * cap on attempts and on total time, the service's retry-after honoured, only retryable categories
 * retried, and a retry budget per endpoint so that a failing endpoint is not hammered.
 *
 * <pre>{@code
 * ServingClient client = Serve4j.builder()
 *     .provider("aws")
 *     .retryPolicy(RetryPolicy.builder().maxAttempts(4).initialBackoff(Duration.ofMillis(50)).build())
 *     .build();
 * }</pre>
 *
 * <p>Retried: predictions, describe and list. Not retried: long-running operations (their providers
 * poll), and errors whose category is not in {@link #retryOn()} (by default only THROTTLED,
 * UNAVAILABLE and TIMEOUT). A retry never outlives the call's deadline: when the next wait would
 * pass it, the last error is returned.
 *
 * <p>The budget is a token bucket per endpoint: each first attempt deposits {@link #budgetRatio()}
 * tokens (up to {@link #budgetBurst()}), each retry takes one; with the bucket empty a failure is
 * returned without retrying. With the defaults, retries add at most 20% load beyond a burst of 10.
 */
public final class RetryPolicy {
  private static final RetryPolicy NONE = builder().maxAttempts(1).build();

  private final int maxAttempts;
  private final Duration initialBackoff;
  private final Duration maxBackoff;
  private final double multiplier;
  private final Duration maxElapsed;
  private final Set<ErrorCategory> retryOn;
  private final double budgetRatio;
  private final int budgetBurst;

  private RetryPolicy(Builder b) {
    if (b.maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be >= 1");
    }
    if (b.multiplier < 1) {
      throw new IllegalArgumentException("multiplier must be >= 1");
    }
    this.maxAttempts = b.maxAttempts;
    this.initialBackoff = b.initialBackoff;
    this.maxBackoff = b.maxBackoff;
    this.multiplier = b.multiplier;
    this.maxElapsed = b.maxElapsed;
    this.retryOn = Set.copyOf(b.retryOn);
    this.budgetRatio = b.budgetRatio;
    this.budgetBurst = b.budgetBurst;
  }

  /**
   * The default: 3 attempts, 100 ms doubling to at most 2 s, 30 s in all, on THROTTLED, UNAVAILABLE
   * and TIMEOUT, budget 20% with a burst of 10.
   *
   * @return the default policy
   */
  public static RetryPolicy defaults() {
    return builder().build();
  }

  /**
   * No retries.
   *
   * @return a policy with one attempt
   */
  public static RetryPolicy none() {
    return NONE;
  }

  /**
   * Starts a builder with the defaults.
   *
   * @return a builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns the most attempts per call, first included.
   *
   * @return max attempts
   */
  public int maxAttempts() {
    return maxAttempts;
  }

  /**
   * Returns the longest time from the first attempt after which no retry starts.
   *
   * @return the cap on total time
   */
  public Duration maxElapsed() {
    return maxElapsed;
  }

  /**
   * Returns the categories that are retried.
   *
   * @return the categories
   */
  public Set<ErrorCategory> retryOn() {
    return retryOn;
  }

  /**
   * Returns the tokens each first attempt adds to the budget.
   *
   * @return the ratio
   */
  public double budgetRatio() {
    return budgetRatio;
  }

  /**
   * Returns the most tokens the budget holds.
   *
   * @return the burst
   */
  public int budgetBurst() {
    return budgetBurst;
  }

  /**
   * Returns whether a failed attempt may be retried (ignoring budget and deadline).
   *
   * @param error the failure
   * @param attempt the attempt that failed, from 1
   * @param elapsed time since the first attempt
   * @return true if the policy allows another attempt
   */
  public boolean allowsRetry(ServingException error, int attempt, Duration elapsed) {
    return attempt < maxAttempts
        && error.retryable()
        && retryOn.contains(error.category())
        && elapsed.compareTo(maxElapsed) < 0;
  }

  /**
   * Returns the wait before the next attempt: a uniformly random time between zero and the
   * exponential backoff (full jitter), but at least the service's retry-after.
   *
   * @param error the failure
   * @param attempt the attempt that failed, from 1
   * @return the wait
   */
  public Duration backoff(ServingException error, int attempt) {
    double cap =
        Math.min(
            maxBackoff.toNanos(), initialBackoff.toNanos() * Math.pow(multiplier, attempt - 1));
    long jitter = (long) (ThreadLocalRandom.current().nextDouble() * cap);
    Duration wait = Duration.ofNanos(jitter);
    Duration after = error.retryAfter().orElse(Duration.ZERO);
    return after.compareTo(wait) > 0 ? after : wait;
  }

  @Override
  public String toString() {
    return "RetryPolicy[maxAttempts="
        + maxAttempts
        + ", backoff="
        + initialBackoff
        + ".."
        + maxBackoff
        + " x"
        + multiplier
        + ", maxElapsed="
        + maxElapsed
        + ", retryOn="
        + retryOn
        + ", budget="
        + budgetRatio
        + "/"
        + budgetBurst
        + "]";
  }

  /** Builds a {@link RetryPolicy}. Not thread-safe. */
  public static final class Builder {
    private int maxAttempts = 3;
    private Duration initialBackoff = Duration.ofMillis(100);
    private Duration maxBackoff = Duration.ofSeconds(2);
    private double multiplier = 2;
    private Duration maxElapsed = Duration.ofSeconds(30);
    private Set<ErrorCategory> retryOn =
        EnumSet.of(ErrorCategory.THROTTLED, ErrorCategory.UNAVAILABLE, ErrorCategory.TIMEOUT);
    private double budgetRatio = 0.2;
    private int budgetBurst = 10;

    private Builder() {}

    /**
     * Sets the most attempts, first included; default 3.
     *
     * @param maxAttempts at least 1
     * @return this builder
     */
    public Builder maxAttempts(int maxAttempts) {
      this.maxAttempts = maxAttempts;
      return this;
    }

    /**
     * Sets the first backoff cap; default 100 ms.
     *
     * @param initialBackoff the first cap
     * @return this builder
     */
    public Builder initialBackoff(Duration initialBackoff) {
      this.initialBackoff = Objects.requireNonNull(initialBackoff);
      return this;
    }

    /**
     * Sets the largest backoff cap; default 2 s.
     *
     * @param maxBackoff the cap
     * @return this builder
     */
    public Builder maxBackoff(Duration maxBackoff) {
      this.maxBackoff = Objects.requireNonNull(maxBackoff);
      return this;
    }

    /**
     * Sets the growth of the backoff cap per attempt; default 2.
     *
     * @param multiplier at least 1
     * @return this builder
     */
    public Builder multiplier(double multiplier) {
      this.multiplier = multiplier;
      return this;
    }

    /**
     * Sets the total time after which no retry starts; default 30 s.
     *
     * @param maxElapsed the cap
     * @return this builder
     */
    public Builder maxElapsed(Duration maxElapsed) {
      this.maxElapsed = Objects.requireNonNull(maxElapsed);
      return this;
    }

    /**
     * Sets the categories to retry (only retryable errors of them are retried).
     *
     * @param categories the categories
     * @return this builder
     */
    public Builder retryOn(Set<ErrorCategory> categories) {
      this.retryOn = EnumSet.copyOf(categories);
      return this;
    }

    /**
     * Sets the retry budget: tokens per first attempt and the most tokens held; default 0.2 / 10.
     *
     * @param ratio tokens added per first attempt, >= 0
     * @param burst most tokens, >= 0
     * @return this builder
     */
    public Builder budget(double ratio, int burst) {
      if (ratio < 0 || burst < 0) {
        throw new IllegalArgumentException("budget must be >= 0");
      }
      this.budgetRatio = ratio;
      this.budgetBurst = burst;
      return this;
    }

    /**
     * Builds the policy.
     *
     * @return the policy
     */
    public RetryPolicy build() {
      return new RetryPolicy(this);
    }
  }
}
