package io.serve4j.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class PollingTest {
  @Test
  void pause_isTheServicesRetryAfterWhenLonger_neverPastTheDeadline() {
    Deadline far = Deadline.after(Duration.ofHours(1));
    assertThat(Polling.pause(Duration.ofSeconds(5), null, far)).isEqualTo(Duration.ofSeconds(5));
    assertThat(Polling.pause(Duration.ofSeconds(5), Duration.ofSeconds(1), far))
        .isEqualTo(Duration.ofSeconds(5));
    assertThat(Polling.pause(Duration.ofSeconds(5), Duration.ofSeconds(60), far))
        .isEqualTo(Duration.ofSeconds(60));
    Deadline near = Deadline.after(Duration.ofSeconds(2));
    assertThat(Polling.pause(Duration.ofSeconds(5), Duration.ofSeconds(60), near))
        .isLessThanOrEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void until_waitsTheRetryAfterBetweenChecks() {
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    try {
      AtomicInteger checks = new AtomicInteger();
      long start = System.nanoTime();
      Integer last =
          Polling.until(
                  () -> CompletableFuture.completedFuture(checks.incrementAndGet()),
                  n -> n >= 3,
                  n -> "check " + n,
                  Duration.ofMillis(1),
                  n -> Duration.ofMillis(200),
                  CallContext.of(Deadline.after(Duration.ofSeconds(10))),
                  scheduler)
              .join();
      assertThat(last).isEqualTo(3);
      assertThat(Duration.ofNanos(System.nanoTime() - start))
          .isGreaterThanOrEqualTo(Duration.ofMillis(390));
    } finally {
      scheduler.shutdownNow();
    }
  }
}
