package io.serve4j.local.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession.RunOptions;
import io.serve4j.spi.Deadline;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Run options are reused from run to run, except after a deadline told a run to terminate. */
@Timeout(30)
class RunGuardTest {
  static {
    OrtEnvironment.getEnvironment(); // loads the native library
  }

  @Test
  void theNextRun_reusesTheOptionsOfAFinishedRun() throws Exception {
    try (RunOptionsPool pool = new RunOptionsPool()) {
      RunGuard first = RunGuard.start(Deadline.after(Duration.ofSeconds(60)), pool);
      RunOptions options = first.options();
      first.close();
      RunGuard second = RunGuard.start(Deadline.after(Duration.ofSeconds(60)), pool);
      assertThat(second.options()).as("a run creates no native run options").isSameAs(options);
      RunGuard concurrent = RunGuard.start(Deadline.none(), pool);
      assertThat(concurrent.options()).as("a run in flight keeps its own").isNotSameAs(options);
      concurrent.close();
      second.close();
    }
  }

  @Test
  void optionsATerminatedRunUsed_areClosedNotReused() throws Exception {
    try (RunOptionsPool pool = new RunOptionsPool()) {
      RunGuard g = RunGuard.start(Deadline.after(Duration.ofMillis(20)), pool);
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (!g.terminated() && System.nanoTime() < until) {
        Thread.sleep(5);
      }
      assertThat(g.terminated()).isTrue();
      RunOptions terminated = g.options();
      g.close();
      RunGuard next = RunGuard.start(Deadline.none(), pool);
      assertThat(next.options()).isNotSameAs(terminated);
      next.close();
      assertThatThrownBy(() -> terminated.setTerminate(false))
          .as("closed: using it fails")
          .isInstanceOf(IllegalStateException.class);
    }
  }

  @Test
  void manyThreadsRunningAtOnce_neverShareOptions_andTheirGuardsArePooled() throws Exception {
    try (RunOptionsPool pool = new RunOptionsPool()) {
      java.util.Set<RunOptions> inUse = java.util.concurrent.ConcurrentHashMap.newKeySet();
      java.util.concurrent.atomic.AtomicInteger shared =
          new java.util.concurrent.atomic.AtomicInteger();
      Thread[] threads = new Thread[8];
      for (int t = 0; t < threads.length; t++) {
        threads[t] =
            new Thread(
                () -> {
                  try {
                    for (int i = 0; i < 2_000; i++) {
                      RunGuard g = RunGuard.start(Deadline.after(Duration.ofSeconds(60)), pool);
                      if (!inUse.add(g.options())) {
                        shared.incrementAndGet();
                      }
                      inUse.remove(g.options());
                      g.close();
                    }
                  } catch (Exception e) {
                    throw new IllegalStateException(e);
                  }
                });
        threads[t].start();
      }
      for (Thread t : threads) {
        t.join();
      }
      assertThat(shared).hasValue(0);
      assertThat(pool.pooled()).isBetween(1, threads.length);
    }
  }

  @Test
  void optionsGivenBackAfterThePoolClosed_areClosed() throws Exception {
    RunOptionsPool pool = new RunOptionsPool();
    RunGuard inFlight = RunGuard.start(Deadline.none(), pool);
    pool.close();
    inFlight.close();
    assertThatThrownBy(() -> inFlight.options().setTerminate(false))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void aRunWithAFarDeadline_registersNoWatchOfItsOwn_andIsStillTerminatedByTheSweep()
      throws Exception {
    try (RunOptionsPool pool = new RunOptionsPool()) {
      Duration timeout = Duration.ofNanos(RunGuard.FAR_NANOS).plusMillis(200);
      long start = System.nanoTime();
      RunGuard g = RunGuard.start(Deadline.after(timeout), pool);
      assertThat(g.swept()).as("left to the pool's sweep").isTrue();
      long until = start + TimeUnit.SECONDS.toNanos(10);
      while (!g.terminated() && System.nanoTime() < until) {
        Thread.sleep(5);
      }
      long took = System.nanoTime() - start;
      assertThat(g.terminated()).isTrue();
      assertThat(took).as("not before its deadline").isGreaterThanOrEqualTo(timeout.toNanos());
      RunOptions terminated = g.options();
      g.close();
      assertThatThrownBy(() -> terminated.setTerminate(false))
          .as("a terminated run's options are closed, not reused")
          .isInstanceOf(IllegalStateException.class);
    }
  }

  @Test
  void aSweptRunClosedBeforeItsDeadline_isNeverTerminated_andItsOptionsAreReused()
      throws Exception {
    try (RunOptionsPool pool = new RunOptionsPool()) {
      Duration timeout = Duration.ofNanos(RunGuard.FAR_NANOS).plusMillis(100);
      RunGuard g = RunGuard.start(Deadline.after(timeout), pool);
      RunOptions options = g.options();
      g.close();
      // the next runs in this slot have no deadline: the first run's must not reach them
      RunGuard next = RunGuard.start(Deadline.none(), pool);
      assertThat(next.options()).isSameAs(options);
      Thread.sleep(timeout.toMillis() + 3 * RunOptionsPool.SWEEP_NANOS / 1_000_000);
      assertThat(next.terminated()).isFalse();
      next.close();
    }
  }

  @Test
  void aNearDeadline_isWatchedByTheRunItself() throws Exception {
    try (RunOptionsPool pool = new RunOptionsPool()) {
      RunGuard g = RunGuard.start(Deadline.after(Duration.ofMillis(500)), pool);
      assertThat(g.swept()).isFalse();
      g.close();
    }
  }
}
