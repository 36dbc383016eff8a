/**
 * Staying up when a cloud endpoint is not: cloud-to-local failover with optional hedging ({@link
 * io.serve4j.resilience.FailoverEndpoint}) and shadow comparison ({@link
 * io.serve4j.resilience.ShadowEndpoint}). Retries and circuit breakers are configured on the client
 * with {@link io.serve4j.RetryPolicy} and {@link io.serve4j.CircuitBreakerPolicy}.
 */
package io.serve4j.resilience;
