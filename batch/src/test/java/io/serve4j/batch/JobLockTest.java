package io.serve4j.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.serve4j.Endpoint;
import io.serve4j.ServingClient;
import io.serve4j.testkit.memory.MemoryBackend;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two runs of one job at once (a supervisor restarting a job whose JVM is still alive): the second
 * must fail fast with {@link JobLockedException} and the first must go on to a complete, correct
 * output, whether the second run is in another process or in the same JVM.
 */
class JobLockTest {
  private static final int RECORDS = 3000;

  @TempDir Path dir;

  private Path input() throws IOException {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < RECORDS; i++) {
      sb.append("{\"id\":\"r").append(i).append("\",\"features\":[");
      sb.append(i).append(",").append(i % 7).append(",").append(-i).append(",0.5]}\n");
    }
    return Files.writeString(dir.resolve("in.jsonl"), sb);
  }

  private Path expected(Path input) {
    Path expected = dir.resolve("expected.jsonl");
    try (ServingClient client = MemoryModels.client(MemoryModels.sumMax(0), new MemoryBackend())) {
      Endpoint e = client.endpoint(MemoryModels.deploy(client, "summax", MemoryModels.SUM_MAX));
      ScoringChildMain.job(e, input, expected).build().run();
    }
    return expected;
  }

  @Test
  void run_whileAnotherProcessRunsTheSameJob_failsFast_andTheFirstRunCompletesCorrectly()
      throws Exception {
    Path input = input();
    Path expected = expected(input);
    Path output = dir.resolve("out.jsonl");
    Process first = start(input, output, 10);
    try {
      awaitCommitted(output, first);

      long t0 = System.nanoTime();
      try (ServingClient client =
          MemoryModels.client(MemoryModels.sumMax(0), new MemoryBackend())) {
        Endpoint e = client.endpoint(MemoryModels.deploy(client, "summax", MemoryModels.SUM_MAX));
        assertThatThrownBy(() -> ScoringChildMain.job(e, input, output).build().run())
            .isInstanceOf(JobLockedException.class)
            .hasMessageContaining(output.toString())
            .hasMessageContaining("another run");
      }
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));

      assertThat(first.waitFor(120, TimeUnit.SECONDS)).as("first run finishes").isTrue();
      assertThat(first.exitValue()).as(log()).isZero();
    } finally {
      first.destroyForcibly();
    }
    assertThat(Files.readAllLines(output)).isEqualTo(Files.readAllLines(expected));
  }

  @Test
  void run_whileARunInThisJvmHoldsTheLock_failsFast_andKeepsTheLockHeldForOtherProcesses()
      throws Exception {
    Path input = input();
    Path expected = expected(input);
    Path output = dir.resolve("out.jsonl");
    try (ServingClient slow = MemoryModels.client(MemoryModels.sumMax(10), new MemoryBackend());
        ServingClient fast = MemoryModels.client(MemoryModels.sumMax(0), new MemoryBackend())) {
      Endpoint s = slow.endpoint(MemoryModels.deploy(slow, "summax", MemoryModels.SUM_MAX));
      Endpoint f = fast.endpoint(MemoryModels.deploy(fast, "summax", MemoryModels.SUM_MAX));
      CompletableFuture<BatchResult> first =
          CompletableFuture.supplyAsync(() -> ScoringChildMain.job(s, input, output).build().run());
      awaitCommitted(output, null);

      // Same JVM: FileChannel locks are per process, so this needs its own check, and the failed
      // attempt must not release the first run's operating-system lock.
      for (int i = 0; i < 3; i++) {
        assertThatThrownBy(() -> ScoringChildMain.job(f, input, output).build().run())
            .isInstanceOf(JobLockedException.class);
      }
      assertThat(first).isNotDone();
      Process other = start(input, output, 0);
      assertThat(other.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(other.exitValue()).as(log()).isEqualTo(ScoringChildMain.LOCKED);

      assertThat(first.get(120, TimeUnit.SECONDS).records()).isEqualTo(RECORDS);
      // Released at the end: the job can run again (and finds itself complete).
      assertThat(ScoringChildMain.job(f, input, output).build().run().resumedFrom())
          .isEqualTo(RECORDS);
    }
    assertThat(Files.readAllLines(output)).isEqualTo(Files.readAllLines(expected));
  }

  private void awaitCommitted(Path output, Process p) throws InterruptedException {
    Path checkpoint = output.resolveSibling(output.getFileName() + ".checkpoint");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (committedRecords(checkpoint) <= 0) {
      assertThat(System.nanoTime()).as("the first run commits something").isLessThan(deadline);
      if (p != null) {
        assertThat(p.isAlive()).as(log()).isTrue();
      }
      Thread.sleep(5);
    }
  }

  private String log() {
    try {
      return Files.readString(dir.resolve("child.log"));
    } catch (IOException e) {
      return "(no child log)";
    }
  }

  private Process start(Path input, Path output, long delayMillis) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return new ProcessBuilder(
            java,
            "-Xmx128m",
            "-XX:TieredStopAtLevel=1",
            "-cp",
            System.getProperty("java.class.path"),
            ScoringChildMain.class.getName(),
            input.toString(),
            output.toString(),
            Long.toString(delayMillis))
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve("child.log").toFile())
        .start();
  }

  private static long committedRecords(Path checkpoint) {
    try {
      if (!Files.exists(checkpoint)) {
        return 0;
      }
      return new ObjectMapper().readTree(checkpoint.toFile()).get("records").asLong();
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }
}
