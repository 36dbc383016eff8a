package io.serve4j.internal;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.serve4j.CircuitBreakerPolicy;

/** Maps serve4j's {@link CircuitBreakerPolicy} onto resilience4j, which implements it. */
final class CircuitBreakerConfigs {
  private CircuitBreakerConfigs() {}

  static CircuitBreakerConfig of(CircuitBreakerPolicy policy) {
    return CircuitBreakerConfig.custom()
        .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
        .slidingWindowSize(policy.slidingWindowSize())
        .minimumNumberOfCalls(policy.minimumNumberOfCalls())
        .failureRateThreshold(policy.failureRateThreshold())
        .waitDurationInOpenState(policy.waitInOpenState())
        .permittedNumberOfCallsInHalfOpenState(policy.permittedCallsInHalfOpenState())
        .recordException(policy::countsAsFailure)
        .build();
  }
}
