package io.serve4j.spring.boot.internal;

import io.serve4j.ServingException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * A health indicator over one asynchronous call (describe, list), bounded by a timeout and cached
 * for a time to live, so that probes arriving every few seconds call the provider at most once per
 * TTL; concurrent probes wait for the same check. A failure is DOWN with its {@link
 * io.serve4j.ErrorCategory}, origin, retryability, status code and request id, and the {@link
 * ServingException}'s message (which never carries a secret); a cause's message is never shown, nor
 * the message of an exception that is not a {@link ServingException}.
 *
 * @param <T> what the call answers
 */
public final class CachedHealthCheck<T> implements HealthIndicator {
  private final Supplier<CompletableFuture<T>> call;
  private final Function<T, Health> toHealth;
  private final Map<String, Object> identity;
  private final Duration timeout;
  private final long ttlNanos;
  private final LongSupplier nanoTime;
  private Health cached;
  private long expiresAt;

  /**
   * Creates the check.
   *
   * @param identity details every result carries (provider, endpoint)
   * @param call starts the call
   * @param toHealth maps its answer
   * @param timeout longest wait for the answer
   * @param ttl how long a result is reused; zero checks every time
   * @param nanoTime the clock, {@code System::nanoTime} outside tests
   */
  public CachedHealthCheck(
      Map<String, Object> identity,
      Supplier<CompletableFuture<T>> call,
      Function<T, Health> toHealth,
      Duration timeout,
      Duration ttl,
      LongSupplier nanoTime) {
    this.identity = Map.copyOf(identity);
    this.call = call;
    this.toHealth = toHealth;
    this.timeout = timeout;
    this.ttlNanos = ttl.toNanos();
    this.nanoTime = nanoTime;
  }

  @Override
  public synchronized Health health() {
    if (cached != null && nanoTime.getAsLong() - expiresAt < 0) {
      return cached;
    }
    Health h = check();
    cached = h;
    expiresAt = nanoTime.getAsLong() + ttlNanos;
    return h;
  }

  private Health check() {
    CompletableFuture<T> f;
    try {
      f = call.get();
    } catch (RuntimeException e) {
      return down(e);
    }
    T answer;
    try {
      answer = f.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      f.cancel(true);
      return with(Health.down())
          .withDetail("category", "TIMEOUT")
          .withDetail("error", "no answer within " + timeout)
          .build();
    } catch (ExecutionException | CompletionException e) {
      return down(e.getCause() != null ? e.getCause() : e);
    } catch (CancellationException e) {
      return down(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      f.cancel(true);
      return with(Health.unknown()).withDetail("error", "interrupted").build();
    }
    try {
      Health mapped = toHealth.apply(answer);
      Health.Builder b = with(Health.status(mapped.getStatus()));
      mapped.getDetails().forEach(b::withDetail);
      return b.build();
    } catch (RuntimeException e) {
      return down(e);
    }
  }

  private Health.Builder with(Health.Builder b) {
    identity.forEach(b::withDetail);
    return b;
  }

  private Health down(Throwable t) {
    Throwable e = t;
    while ((e instanceof CompletionException || e instanceof ExecutionException)
        && e.getCause() != null) {
      e = e.getCause();
    }
    Health.Builder b = with(Health.down());
    if (e instanceof ServingException se) {
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("category", se.category().name());
      d.put("origin", se.origin().name());
      d.put("retryable", se.retryable());
      se.statusCode().ifPresent(s -> d.put("statusCode", s));
      se.requestId().ifPresent(r -> d.put("requestId", r));
      d.put("error", se.getMessage());
      return b.withDetails(d).build();
    }
    // Not typed: a bug or an unexpected answer. Its message may say anything, so only its type.
    return b.withDetail("category", "INTERNAL").withDetail("error", e.getClass().getName()).build();
  }
}
