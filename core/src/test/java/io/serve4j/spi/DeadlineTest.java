package io.serve4j.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The clock reads a deadline spares its callers. */
class DeadlineTest {
  @Test
  void startNanos_isWhenTheDeadlineWasMade() throws Exception {
    long before = System.nanoTime();
    Deadline d = Deadline.after(Duration.ofSeconds(60));
    long after = System.nanoTime();
    Thread.sleep(20);
    assertThat(d.startNanos()).isBetween(before, after);
  }

  @Test
  void startNanos_ofNoDeadline_isNow() {
    long before = System.nanoTime();
    assertThat(Deadline.none().startNanos()).isGreaterThanOrEqualTo(before);
  }

  @Test
  void remainingNanos_agreesWithRemaining_andIsZeroOnceExpired() throws Exception {
    Deadline d = Deadline.after(Duration.ofSeconds(60));
    long left = d.remainingNanos();
    assertThat(left).isPositive().isLessThanOrEqualTo(Duration.ofSeconds(60).toNanos());
    assertThat(d.remaining().toNanos()).isLessThanOrEqualTo(left);
    Deadline past = Deadline.after(Duration.ofMillis(1));
    Thread.sleep(5);
    assertThat(past.remainingNanos()).isZero();
    assertThat(past.isExpired()).isTrue();
    assertThat(Deadline.none().remainingNanos()).isEqualTo(Long.MAX_VALUE);
  }
}
