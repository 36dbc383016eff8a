package io.serve4j.spring.boot.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.serve4j.ErrorCategory;
import io.serve4j.ServingException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

class CachedHealthCheckTest {
  private final AtomicLong clock = new AtomicLong();

  private CachedHealthCheck<String> check(
      Supplier<CompletableFuture<String>> call, Duration timeout, Duration ttl) {
    return new CachedHealthCheck<>(
        Map.of("endpoint", "e"),
        call,
        s -> Health.up().withDetail("answer", s).build(),
        timeout,
        ttl,
        clock::get);
  }

  @Test
  void servingException_isDown_withItsFacts_butNeverItsCausesMessage() {
    ServingException e =
        ServingException.builder(ErrorCategory.UNAUTHENTICATED)
            .origin(ServingException.Origin.SERVICE)
            .providerId("aws")
            .requestId("req-1")
            .statusCode(403)
            .message("the credentials were refused")
            .cause(new RuntimeException("Authorization: Bearer SECRET-TOKEN"))
            .build();
    Health h =
        check(() -> CompletableFuture.failedFuture(e), Duration.ofSeconds(1), Duration.ZERO)
            .health();
    assertThat(h.getStatus()).isEqualTo(Status.DOWN);
    assertThat(h.getDetails())
        .containsEntry("category", "UNAUTHENTICATED")
        .containsEntry("origin", "SERVICE")
        .containsEntry("retryable", false)
        .containsEntry("statusCode", 403)
        .containsEntry("requestId", "req-1")
        .containsEntry("endpoint", "e")
        .containsEntry("error", "the credentials were refused");
    assertThat(h.toString()).doesNotContain("SECRET");
  }

  @Test
  void untypedException_isDown_internal_withoutItsMessage() {
    Health h =
        check(
                () -> CompletableFuture.failedFuture(new IllegalStateException("password=SECRET")),
                Duration.ofSeconds(1),
                Duration.ZERO)
            .health();
    assertThat(h.getStatus()).isEqualTo(Status.DOWN);
    assertThat(h.getDetails())
        .containsEntry("category", "INTERNAL")
        .containsEntry("error", "java.lang.IllegalStateException");
    assertThat(h.toString()).doesNotContain("SECRET");
  }

  @Test
  void throwingCall_isDown_notThrown() {
    Health h =
        check(
                () -> {
                  throw ServingException.builder(ErrorCategory.UNAVAILABLE)
                      .message("closed")
                      .build();
                },
                Duration.ofSeconds(1),
                Duration.ZERO)
            .health();
    assertThat(h.getStatus()).isEqualTo(Status.DOWN);
    assertThat(h.getDetails()).containsEntry("category", "UNAVAILABLE");
  }

  @Test
  void timeout_isDown_andCancelsTheCall() {
    CompletableFuture<String> never = new CompletableFuture<>();
    Health h = check(() -> never, Duration.ofMillis(50), Duration.ZERO).health();
    assertThat(h.getStatus()).isEqualTo(Status.DOWN);
    assertThat(h.getDetails()).containsEntry("category", "TIMEOUT");
    assertThat(never).isCancelled();
  }

  @Test
  void result_isReused_untilTheTtlPasses() {
    AtomicInteger calls = new AtomicInteger();
    CachedHealthCheck<String> c =
        check(
            () -> CompletableFuture.completedFuture("n" + calls.incrementAndGet()),
            Duration.ofSeconds(1),
            Duration.ofSeconds(30));
    assertThat(c.health().getDetails()).containsEntry("answer", "n1");
    clock.addAndGet(Duration.ofSeconds(29).toNanos());
    assertThat(c.health().getDetails()).containsEntry("answer", "n1");
    clock.addAndGet(Duration.ofSeconds(1).toNanos());
    assertThat(c.health().getDetails()).containsEntry("answer", "n2");
    assertThat(calls).hasValue(2);
  }
}
