package io.serve4j;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * A circuit breaker in front of each endpoint's predictions, for {@link
 * Serve4j.Builder#circuitBreaker(CircuitBreakerPolicy)}. The breaker counts the outcomes of the
 * last {@link #slidingWindowSize()} predictions; once at least {@link #minimumNumberOfCalls()} were
 * made and the share of failures reaches {@link #failureRateThreshold()} percent it opens: for
 * {@link #waitInOpenState()} predictions fail at once with a non-retryable {@link
 * UnavailableException} and nothing is sent. Then it lets {@link #permittedCallsInHalfOpenState()}
 * trial predictions through, which close it again or reopen it. Listeners hear every change as a
 * {@link CircuitState}.
 *
 * <p>Only failures whose category is in {@link #failureCategories()} count (by default those that
 * say the endpoint is unwell: UNAVAILABLE, TIMEOUT, THROTTLED, INTERNAL); bad input, missing
 * endpoints and model errors never open the breaker. Immutable and thread-safe.
 *
 * <pre>{@code
 * ServingClient client = Serve4j.builder()
 *     .provider("aws")
 *     .circuitBreaker(CircuitBreakerPolicy.builder().waitInOpenState(Duration.ofSeconds(30)).build())
 *     .build();
 * }</pre>
 */
public final class CircuitBreakerPolicy {
  private static final CircuitBreakerPolicy DEFAULTS = builder().build();

  private final float failureRateThreshold;
  private final int slidingWindowSize;
  private final int minimumNumberOfCalls;
  private final Duration waitInOpenState;
  private final int permittedCallsInHalfOpenState;
  private final Set<ErrorCategory> failureCategories;

  private CircuitBreakerPolicy(Builder b) {
    if (!(b.failureRateThreshold > 0 && b.failureRateThreshold <= 100)) {
      throw new IllegalArgumentException(
          "failureRateThreshold must be in (0, 100] percent, was " + b.failureRateThreshold);
    }
    if (b.slidingWindowSize < 1) {
      throw new IllegalArgumentException("slidingWindowSize must be >= 1");
    }
    if (b.minimumNumberOfCalls < 1) {
      throw new IllegalArgumentException("minimumNumberOfCalls must be >= 1");
    }
    if (b.permittedCallsInHalfOpenState < 1) {
      throw new IllegalArgumentException("permittedCallsInHalfOpenState must be >= 1");
    }
    if (b.waitInOpenState.isNegative() || b.waitInOpenState.isZero()) {
      throw new IllegalArgumentException("waitInOpenState must be positive");
    }
    if (b.failureCategories.isEmpty()) {
      throw new IllegalArgumentException(
          "failureCategories must not be empty: such a breaker could never open");
    }
    this.failureRateThreshold = b.failureRateThreshold;
    this.slidingWindowSize = b.slidingWindowSize;
    this.minimumNumberOfCalls = Math.min(b.minimumNumberOfCalls, b.slidingWindowSize);
    this.waitInOpenState = b.waitInOpenState;
    this.permittedCallsInHalfOpenState = b.permittedCallsInHalfOpenState;
    this.failureCategories = Set.copyOf(b.failureCategories);
  }

  /**
   * The defaults: opens when half of the last 10 predictions (at least 5) failed because the
   * endpoint was unwell; stays open 10 s, then lets 3 trial predictions through.
   *
   * @return the default policy
   */
  public static CircuitBreakerPolicy defaults() {
    return DEFAULTS;
  }

  /**
   * Starts a builder with the {@link #defaults()}.
   *
   * @return a builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns a builder with this policy's settings.
   *
   * @return a builder
   */
  public Builder toBuilder() {
    return new Builder()
        .failureRateThreshold(failureRateThreshold)
        .slidingWindowSize(slidingWindowSize)
        .minimumNumberOfCalls(minimumNumberOfCalls)
        .waitInOpenState(waitInOpenState)
        .permittedCallsInHalfOpenState(permittedCallsInHalfOpenState)
        .failureCategories(failureCategories);
  }

  /**
   * Returns the share of failed predictions, in percent, at which the breaker opens.
   *
   * @return a percentage in (0, 100]
   */
  public float failureRateThreshold() {
    return failureRateThreshold;
  }

  /**
   * Returns how many of the latest predictions the failure rate is computed over.
   *
   * @return the window, in calls
   */
  public int slidingWindowSize() {
    return slidingWindowSize;
  }

  /**
   * Returns how many predictions the window must hold before the failure rate is computed; never
   * more than {@link #slidingWindowSize()}.
   *
   * @return the minimum number of calls
   */
  public int minimumNumberOfCalls() {
    return minimumNumberOfCalls;
  }

  /**
   * Returns how long an open breaker fails predictions at once before letting trials through.
   *
   * @return the wait
   */
  public Duration waitInOpenState() {
    return waitInOpenState;
  }

  /**
   * Returns how many trial predictions a half-open breaker lets through.
   *
   * @return the number of trials
   */
  public int permittedCallsInHalfOpenState() {
    return permittedCallsInHalfOpenState;
  }

  /**
   * Returns the categories of failures that count against the endpoint.
   *
   * @return the categories
   */
  public Set<ErrorCategory> failureCategories() {
    return failureCategories;
  }

  /**
   * Returns whether a failure counts against the endpoint: a {@link ServingException} whose
   * category is in {@link #failureCategories()}.
   *
   * @param error the failure
   * @return true if it counts
   */
  public boolean countsAsFailure(Throwable error) {
    return error instanceof ServingException se && failureCategories.contains(se.category());
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CircuitBreakerPolicy p
        && Float.compare(p.failureRateThreshold, failureRateThreshold) == 0
        && p.slidingWindowSize == slidingWindowSize
        && p.minimumNumberOfCalls == minimumNumberOfCalls
        && p.waitInOpenState.equals(waitInOpenState)
        && p.permittedCallsInHalfOpenState == permittedCallsInHalfOpenState
        && p.failureCategories.equals(failureCategories);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        failureRateThreshold,
        slidingWindowSize,
        minimumNumberOfCalls,
        waitInOpenState,
        permittedCallsInHalfOpenState,
        failureCategories);
  }

  @Override
  public String toString() {
    return "CircuitBreakerPolicy[failureRate>="
        + failureRateThreshold
        + "% of "
        + slidingWindowSize
        + " calls (min "
        + minimumNumberOfCalls
        + "), open "
        + waitInOpenState
        + ", halfOpenCalls="
        + permittedCallsInHalfOpenState
        + ", failureCategories="
        + failureCategories
        + "]";
  }

  /** Builds a {@link CircuitBreakerPolicy}. Not thread-safe. */
  public static final class Builder {
    private float failureRateThreshold = 50;
    private int slidingWindowSize = 10;
    private int minimumNumberOfCalls = 5;
    private Duration waitInOpenState = Duration.ofSeconds(10);
    private int permittedCallsInHalfOpenState = 3;
    private Set<ErrorCategory> failureCategories =
        EnumSet.of(
            ErrorCategory.UNAVAILABLE,
            ErrorCategory.TIMEOUT,
            ErrorCategory.THROTTLED,
            ErrorCategory.INTERNAL);

    private Builder() {}

    /**
     * Sets the failure rate, in percent, at which the breaker opens; default 50.
     *
     * @param percent in (0, 100]
     * @return this builder
     */
    public Builder failureRateThreshold(float percent) {
      this.failureRateThreshold = percent;
      return this;
    }

    /**
     * Sets how many of the latest predictions count; default 10.
     *
     * @param calls at least 1
     * @return this builder
     */
    public Builder slidingWindowSize(int calls) {
      this.slidingWindowSize = calls;
      return this;
    }

    /**
     * Sets how many predictions must be counted before the breaker may open; default 5, capped at
     * the sliding window size.
     *
     * @param calls at least 1
     * @return this builder
     */
    public Builder minimumNumberOfCalls(int calls) {
      this.minimumNumberOfCalls = calls;
      return this;
    }

    /**
     * Sets how long the breaker stays open; default 10 s.
     *
     * @param wait positive
     * @return this builder
     */
    public Builder waitInOpenState(Duration wait) {
      this.waitInOpenState = Objects.requireNonNull(wait, "wait");
      return this;
    }

    /**
     * Sets how many trial predictions a half-open breaker lets through; default 3.
     *
     * @param calls at least 1
     * @return this builder
     */
    public Builder permittedCallsInHalfOpenState(int calls) {
      this.permittedCallsInHalfOpenState = calls;
      return this;
    }

    /**
     * Sets the failure categories that count; default UNAVAILABLE, TIMEOUT, THROTTLED, INTERNAL.
     *
     * @param categories not empty
     * @return this builder
     */
    public Builder failureCategories(Set<ErrorCategory> categories) {
      this.failureCategories =
          categories.isEmpty() ? EnumSet.noneOf(ErrorCategory.class) : EnumSet.copyOf(categories);
      return this;
    }

    /**
     * Builds the policy.
     *
     * @return the policy
     * @throws IllegalArgumentException if a setting is out of range
     */
    public CircuitBreakerPolicy build() {
      return new CircuitBreakerPolicy(this);
    }
  }
}
