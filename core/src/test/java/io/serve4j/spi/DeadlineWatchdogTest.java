package io.serve4j.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class DeadlineWatchdogTest {
  private final DeadlineWatchdog watchdog = new DeadlineWatchdog("serve4j-deadlines-test");

  private static long in(Duration d) {
    return System.nanoTime() + d.toNanos();
  }

  @Test
  void runsTheActionAtTheDeadlineNotBefore() throws Exception {
    long start = System.nanoTime();
    AtomicLong firedAt = new AtomicLong();
    CountDownLatch fired = new CountDownLatch(1);
    watchdog.add(
        in(Duration.ofMillis(80)),
        () -> {
          firedAt.set(System.nanoTime());
          fired.countDown();
        });
    assertThat(fired.await(5, TimeUnit.SECONDS)).isTrue();
    long afterMillis = TimeUnit.NANOSECONDS.toMillis(firedAt.get() - start);
    assertThat(afterMillis).isBetween(80L, 1_000L);
    assertThat(watchdog.size()).isZero();
  }

  @Test
  void anEarlierDeadlineAddedLaterStillFiresOnTime() throws Exception {
    AtomicInteger late = new AtomicInteger();
    watchdog.add(in(Duration.ofSeconds(20)), late::incrementAndGet);
    Thread.sleep(50); // the thread now sleeps towards its horizon
    long start = System.nanoTime();
    CountDownLatch fired = new CountDownLatch(1);
    watchdog.add(in(Duration.ofMillis(30)), fired::countDown);
    assertThat(fired.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start))
        .as("woken for the earlier deadline, not at its one-second horizon")
        .isLessThan(900L);
    assertThat(late).hasValue(0);
  }

  @Test
  void aCancelledWatchNeverRuns() throws Exception {
    AtomicInteger runs = new AtomicInteger();
    // due in a second, so that a loaded machine cannot let it fire before the cancel below;
    // then waited out well past its deadline
    DeadlineWatchdog.Watch w = watchdog.add(in(Duration.ofSeconds(1)), runs::incrementAndGet);
    assertThat(w.cancel()).isTrue();
    assertThat(w.cancel()).as("only the first cancel cancels").isFalse();
    Thread.sleep(1_300);
    assertThat(runs).hasValue(0);
    assertThat(watchdog.size()).isZero();
  }

  @Test
  void aFailingActionDoesNotStopTheOthers() throws Exception {
    CountDownLatch second = new CountDownLatch(1);
    watchdog.add(
        in(Duration.ofMillis(10)),
        () -> {
          throw new IllegalStateException("boom (expected by the test)");
        });
    watchdog.add(in(Duration.ofMillis(60)), second::countDown);
    assertThat(second.await(5, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void watchesAddedAndCancelledOnTheHotPathDoNotWakeTheThreadEachTime() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    watchdog.add(in(Duration.ofMillis(1)), started::countDown);
    assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
    long scansBefore = watchdog.scans();
    AtomicInteger runs = new AtomicInteger();
    long t0 = System.nanoTime();
    for (int i = 0; i < 100_000; i++) {
      watchdog.add(in(Duration.ofSeconds(60)), runs::incrementAndGet).cancel();
    }
    long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0);
    long scans = watchdog.scans() - scansBefore;
    // At most a couple of looks per one-second horizon, whatever the call rate.
    assertThat(scans).as("scans for 100,000 calls").isLessThanOrEqualTo(3 + 2 * seconds);
    assertThat(runs).hasValue(0);
    assertThat(watchdog.size()).isZero();
  }

  @Test
  void deadlineOnExpiryUsesTheSharedThreadAndNoneWatchesNothing() throws Exception {
    CountDownLatch fired = new CountDownLatch(1);
    Deadline.after(Duration.ofMillis(20)).onExpiry(fired::countDown);
    assertThat(fired.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(Thread.getAllStackTraces().keySet())
        .anyMatch(t -> t.getName().equals("serve4j-deadlines") && t.isDaemon());
    Deadline.Watch never = Deadline.none().onExpiry(() -> {});
    assertThat(never.cancel()).isFalse();
  }
}
