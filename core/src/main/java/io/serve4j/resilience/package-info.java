/**
 * Staying up when a cloud endpoint is not: circuit breaker settings ({@link
 * io.serve4j.resilience.CircuitBreakers}), cloud-to-local failover with optional hedging ({@link
 * io.serve4j.resilience.FailoverEndpoint}) and shadow comparison ({@link
 * io.serve4j.resilience.ShadowEndpoint}). Retries are configured on the client with {@link
 * io.serve4j.RetryPolicy}.
 */
package io.serve4j.resilience;
