package io.serve4j.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** ThreadStats reads context switches the same way for a snapshot and for the process total. */
class ThreadStatsTest {
  @Test
  void contextSwitches_countEveryLiveThreadsSwitches_asTheSnapshotReadsThem() throws Exception {
    Assumptions.assumeTrue(Files.isDirectory(Path.of("/proc/self/task")), "Linux /proc");
    CountDownLatch slept = new CountDownLatch(1);
    CountDownLatch done = new CountDownLatch(1);
    Thread sleeper =
        new Thread(
            () -> {
              try {
                for (int i = 0; i < 50; i++) {
                  Thread.sleep(1); // each one blocks: a voluntary switch
                }
                slept.countDown();
                done.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "ts-sleeper");
    sleeper.start();
    try {
      slept.await();
      ThreadStats.Task task =
          ThreadStats.Snapshot.take().tasks().values().stream()
              .filter(t -> t.name().equals("ts-sleeper"))
              .findFirst()
              .orElseThrow();
      assertThat(task.voluntary()).isGreaterThanOrEqualTo(50);
      // the sleeper is alive and its counters only grow: the process total holds them
      assertThat(ThreadStats.contextSwitches())
          .isGreaterThanOrEqualTo(task.voluntary() + task.involuntary());
    } finally {
      done.countDown();
      sleeper.join();
    }
  }
}
