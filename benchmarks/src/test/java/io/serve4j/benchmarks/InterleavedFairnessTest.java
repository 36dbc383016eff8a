package io.serve4j.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/**
 * What the interleaved harness does so that one engine's threads do not run in the next engine's
 * window: it waits for the process to settle (the previous engine's spinning intra-op workers, a
 * compilation in flight) and it can say which threads ran, per call. Linux only ({@code /proc}).
 */
class InterleavedFairnessTest {

  @Test
  void settle_waitsWhileAnotherThreadOfTheProcessRuns() throws Exception {
    assumeTrue(Files.isDirectory(Paths.get("/proc/self/task")));
    long spinMillis = 300;
    CountDownLatch spinning = new CountDownLatch(1);
    Thread spinner =
        new Thread(
            () -> {
              // as ONNX Runtime's intra-op worker after a run: busy, never blocked
              long end = System.nanoTime() + spinMillis * 1_000_000L;
              spinning.countDown();
              while (System.nanoTime() < end) {
                Thread.onSpinWait();
              }
            },
            "spinner");
    spinner.start();
    spinning.await();
    long start = System.nanoTime();
    double waited = Interleaved.settle(10_000);
    boolean spinnerDone = !spinner.isAlive();
    spinner.join();

    // it came back only once the spinner had stopped, not at once (the old harness: no wait)
    assertThat(spinnerDone).isTrue();
    assertThat(waited).isGreaterThanOrEqualTo(spinMillis * 0.5);
    assertThat((System.nanoTime() - start) / 1e6).isGreaterThanOrEqualTo(waited);
  }

  @Test
  void settle_withNoLimit_doesNotWait() throws Exception {
    assertThat(Interleaved.settle(0)).isZero();
  }

  @Test
  void threadStats_countTheCpuOfAThreadThatRanInTheWindow_andNotOfOneThatDidNot() throws Exception {
    assumeTrue(Files.isDirectory(Paths.get("/proc/self/task")));
    CountDownLatch go = new CountDownLatch(1);
    CountDownLatch spun = new CountDownLatch(1);
    CountDownLatch end = new CountDownLatch(1);
    Thread busy =
        new Thread(
            () -> {
              awaitQuietly(go);
              // 100 ms on a core (its own CPU time: other processes may take the cores meanwhile)
              ThreadMXBean mx = ManagementFactory.getThreadMXBean();
              long until = mx.getCurrentThreadCpuTime() + 100_000_000L;
              while (mx.getCurrentThreadCpuTime() < until) {
                Thread.onSpinWait();
              }
              spun.countDown();
              awaitQuietly(end); // alive at the second snapshot, as a pool's worker
            },
            "busy-in-window");
    Thread idle = new Thread(() -> awaitQuietly(end), "idle-in-window");
    busy.start();
    idle.start();
    Thread.sleep(50); // both parked
    ThreadStats.Snapshot before = ThreadStats.Snapshot.take();
    go.countDown();
    spun.await();
    ThreadStats.Snapshot after = ThreadStats.Snapshot.take();
    end.countDown();
    busy.join();
    idle.join();
    ThreadStats.Totals totals = new ThreadStats.Totals();
    totals.add(before, after, Set.of(), 10);

    String report = totals.report("engine");
    String line =
        report.lines().filter(l -> l.contains("busy-in-window")).findFirst().orElseThrow();
    // 100 ms of CPU over 10 calls: 10,000 us a call
    double cpuPerCall = Double.parseDouble(line.replaceAll(".* cpu +([0-9.]+) us/call.*", "$1"));
    assertThat(cpuPerCall).isGreaterThan(9_000);
    assertThat(report).doesNotContain("idle-in-window").contains("all threads");
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
