package io.serve4j.batch;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.serve4j.Endpoint;
import io.serve4j.ServingClient;
import io.serve4j.testkit.memory.MemoryBackend;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a scoring job in a child JVM with SIGKILL ({@code destroyForcibly}) at random moments,
 * restarts it with the same command, and checks that the output equals an uninterrupted run's:
 * every record exactly once, in order.
 */
class KillAndResumeTest {
  private static final int RECORDS = 3000;
  private static final int KILLS = 6;

  @TempDir Path dir;

  @Test
  void jobKilledRepeatedlyAndRestarted_writesEveryRecordExactlyOnceInOrder() throws Exception {
    killAndResume(0);
  }

  /**
   * The same with each commit held 60 ms before its force: most kills land while a commit is in
   * flight on the commit thread and the writer has gone on writing past the commit's point.
   */
  @Test
  void jobKilledWhileCommitsAreInFlight_writesEveryRecordExactlyOnceInOrder() throws Exception {
    killAndResume(60);
  }

  private void killAndResume(long commitDelayMillis) throws Exception {
    Path input = dir.resolve("in.jsonl");
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < RECORDS; i++) {
      sb.append("{\"id\":\"r").append(i).append("\",\"features\":[");
      sb.append(i).append(",").append(i % 7).append(",").append(-i).append(",0.5]}\n");
    }
    Files.writeString(input, sb);

    Path expected = dir.resolve("expected.jsonl");
    try (ServingClient client = MemoryModels.client(MemoryModels.sumMax(0), new MemoryBackend())) {
      Endpoint e = client.endpoint(MemoryModels.deploy(client, "summax", MemoryModels.SUM_MAX));
      ScoringChildMain.job(e, input, expected).build().run();
    }

    Path output = dir.resolve("out.jsonl");
    Path checkpoint = dir.resolve("out.jsonl.checkpoint");
    Random random = new Random();
    long seed = random.nextLong();
    random.setSeed(seed);
    Set<Long> resumedFrom = new HashSet<>();
    int killed = 0;
    for (int k = 0; k < KILLS; k++) {
      Process p = start(input, output, commitDelayMillis);
      // Wait until this run has written something past its start, then kill at a random moment.
      long before = committedRecords(checkpoint);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (p.isAlive()
          && committedRecords(checkpoint) == before
          && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      Thread.sleep(random.nextInt(300));
      if (!p.isAlive()) {
        break; // finished before we could kill it
      }
      p.destroyForcibly();
      assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
      killed++;
      long done = committedRecords(checkpoint);
      resumedFrom.add(done);
    }
    Process last = start(input, output, 0);
    assertThat(last.waitFor(120, TimeUnit.SECONDS)).as("final run finishes").isTrue();
    assertThat(last.exitValue()).as("final run's exit code").isZero();

    assertThat(killed).as("kills that hit a running job (seed %d)", seed).isGreaterThanOrEqualTo(3);
    assertThat(resumedFrom.stream().filter(n -> n > 0 && n < RECORDS))
        .as("kills happened mid-job (seed %d)", seed)
        .isNotEmpty();
    System.out.printf(
        "kill-and-resume: %d kills, checkpoints at kill time %s, seed %d%n",
        killed, resumedFrom, seed);
    List<String> got = Files.readAllLines(output);
    List<String> ids = new ArrayList<>();
    ObjectMapper json = new ObjectMapper();
    for (String line : got) {
      ids.add(json.readTree(line).get("id").asText());
    }
    assertThat(ids).doesNotHaveDuplicates().hasSize(RECORDS);
    assertThat(got).as("seed %d", seed).isEqualTo(Files.readAllLines(expected));
    assertThat(dir.resolve("out.jsonl.errors.jsonl")).doesNotExist();
  }

  private Process start(Path input, Path output, long commitDelayMillis) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String cp = System.getProperty("java.class.path");
    return new ProcessBuilder(
            java,
            "-Xmx128m",
            "-XX:TieredStopAtLevel=1",
            "-cp",
            cp,
            ScoringChildMain.class.getName(),
            input.toString(),
            output.toString(),
            "4",
            Long.toString(commitDelayMillis))
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
      return -1; // being replaced right now
    }
  }
}
