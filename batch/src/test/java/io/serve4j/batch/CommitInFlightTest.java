package io.serve4j.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.serve4j.Endpoint;
import io.serve4j.ServingClient;
import io.serve4j.batch.internal.Checkpoint;
import io.serve4j.batch.internal.Committer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoints are committed on their own thread while the writer goes on writing. These tests stop
 * a commit at each of its steps while the writer has already written past the commit's point, copy
 * the files as a crash there would leave them (a process kill: what is in the files; a power loss:
 * only what was on disk before the force began), put each copy back after the run and resume from
 * it: every record must come out exactly once, in order, in both files.
 */
class CommitInFlightTest {
  private static final int RECORDS = 30_000;

  @TempDir Path dir;
  private ServingClient client;
  private ServingClient slowClient;
  private Endpoint endpoint;
  private Endpoint slowEndpoint;
  private Path input;
  private Path output;
  private Path deadLetter;
  private Path checkpoint;

  @BeforeEach
  void setUp() throws IOException {
    client = ScoringChildMain.client(0);
    endpoint = ScoringChildMain.endpoint(client);
    // 1 ms per request: the observed run's commits come while most records are still to write
    slowClient = ScoringChildMain.client(1);
    slowEndpoint = ScoringChildMain.endpoint(slowClient);
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < RECORDS; i++) {
      if (i % 997 == 13) {
        sb.append("{\"id\":\"bad").append(i).append("\",\"features\":[1,2]}\n"); // dead-lettered
      } else {
        sb.append("{\"id\":\"r").append(i).append("\",\"features\":[");
        sb.append(i).append(",").append(i % 7).append(",").append(-i).append(",0.5]}\n");
      }
    }
    input = dir.resolve("in.jsonl");
    Files.writeString(input, sb);
    output = dir.resolve("out.jsonl");
    deadLetter = dir.resolve("out.jsonl.errors.jsonl");
    checkpoint = dir.resolve("out.jsonl.checkpoint");
  }

  @AfterEach
  void tearDown() {
    Committer.observe(null);
    client.close();
    slowClient.close();
  }

  private BatchScorer.Builder job() {
    return job(endpoint);
  }

  /** {@link ScoringChildMain}'s job, with a commit after every batch. */
  private BatchScorer.Builder job(Endpoint e) {
    return ScoringChildMain.job(e, input, output)
        .concurrency(2)
        .checkpointInterval(Duration.ofMillis(1));
  }

  /** The files as a crash would leave them; null for a file that does not exist. */
  private record Snapshot(String where, byte[] output, byte[] deadLetter, byte[] checkpoint) {}

  private static byte[] read(Path p) {
    try {
      return Files.exists(p) ? Files.readAllBytes(p) : null;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] prefix(byte[] b, long n) {
    return b == null ? null : Arrays.copyOf(b, (int) Math.min(b.length, n));
  }

  private static long size(Path p) {
    try {
      return Files.exists(p) ? Files.size(p) : 0;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void put(Path p, byte[] b) throws IOException {
    if (b == null) {
      Files.deleteIfExists(p);
    } else {
      Files.write(p, b);
    }
  }

  @Test
  void crashAtEveryStepOfACommitInFlight_resumesWithEveryRecordOnceInOrder() throws Exception {
    job().output(dir.resolve("expected.jsonl")).build().run();
    byte[] expected = Files.readAllBytes(dir.resolve("expected.jsonl"));
    byte[] expectedErrors = Files.readAllBytes(dir.resolve("expected.jsonl.errors.jsonl"));
    assertThat(new String(expectedErrors)).contains("bad13");

    List<Snapshot> snapshots = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    int[] commits = {0};
    Committer.observe(
        new Committer.Observer() {
          long outBeforeForce;
          long errorsBeforeForce;
          boolean watched;

          @Override
          public void beforeForce(Checkpoint next) {
            outBeforeForce = size(output);
            errorsBeforeForce = size(deadLetter);
            int k = ++commits[0];
            watched = (k == 3 || k == 6) && next.records() < RECORDS - 6000;
            if (!watched) {
              return;
            }
            byte[] before = read(checkpoint);
            // The writer goes on while this commit waits: it writes past the commit's point.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (size(output) <= next.outputBytes() && System.nanoTime() < deadline) {
              Thread.onSpinWait();
            }
            if (size(output) <= next.outputBytes()) {
              problems.add("commit " + k + ": the writer wrote nothing while the commit waited");
            }
            if (!Arrays.equals(before, read(checkpoint))) {
              problems.add(
                  "commit " + k + ": a checkpoint was written before the files were forced");
            }
            snapshots.add(
                new Snapshot("kill before force " + k, read(output), read(deadLetter), before));
          }

          @Override
          public void forced(Checkpoint next) {
            if (watched) {
              byte[] cp = read(checkpoint);
              snapshots.add(
                  new Snapshot(
                      "kill after force " + commits[0], read(output), read(deadLetter), cp));
              snapshots.add(
                  new Snapshot(
                      "power loss after force " + commits[0],
                      prefix(read(output), outBeforeForce),
                      prefix(read(deadLetter), errorsBeforeForce),
                      cp));
            }
          }

          @Override
          public void written(Checkpoint c) {
            // Durable before the force began: the checkpoint must not point past it.
            if (c.outputBytes() > outBeforeForce || c.deadLetterBytes() > errorsBeforeForce) {
              problems.add(
                  "checkpoint at "
                      + c.records()
                      + " records points past what was on disk when its force began: "
                      + c.outputBytes()
                      + " > "
                      + outBeforeForce
                      + " or "
                      + c.deadLetterBytes()
                      + " > "
                      + errorsBeforeForce);
            }
            if (watched) {
              byte[] cp = read(checkpoint);
              snapshots.add(
                  new Snapshot(
                      "kill after checkpoint " + commits[0], read(output), read(deadLetter), cp));
              snapshots.add(
                  new Snapshot(
                      "power loss after checkpoint " + commits[0],
                      prefix(read(output), outBeforeForce),
                      prefix(read(deadLetter), errorsBeforeForce),
                      cp));
            }
          }
        });
    BatchResult first = job(slowEndpoint).build().run();
    Committer.observe(null);
    assertThat(first.records()).isEqualTo(RECORDS);
    assertThat(problems).isEmpty();
    assertThat(snapshots).hasSize(10);
    assertThat(Files.readAllBytes(output)).isEqualTo(expected);

    for (Snapshot s : snapshots) {
      put(output, s.output());
      put(deadLetter, s.deadLetter());
      put(checkpoint, s.checkpoint());
      long resumedFrom = s.checkpoint() == null ? 0 : Checkpoint.read(checkpoint).records();
      BatchResult r = job().build().run();
      assertThat(r.resumedFrom()).as(s.where()).isEqualTo(resumedFrom);
      assertThat(r.records()).as(s.where()).isEqualTo(RECORDS);
      assertThat(new String(Files.readAllBytes(output)))
          .as(s.where())
          .isEqualTo(new String(expected));
      assertThat(new String(Files.readAllBytes(deadLetter)))
          .as(s.where())
          .isEqualTo(new String(expectedErrors));
    }
  }

  @Test
  void whenACommitInTheBackgroundFails_theJobStopsCommitsNothingMoreAndResumesExactly()
      throws Exception {
    job().output(dir.resolve("expected.jsonl")).build().run();
    byte[] expected = Files.readAllBytes(dir.resolve("expected.jsonl"));

    List<Checkpoint> written = new ArrayList<>();
    int[] commits = {0};
    Committer.observe(
        new Committer.Observer() {
          @Override
          public void forced(Checkpoint next) {
            if (++commits[0] == 5) {
              throw new UncheckedIOException(new IOException("disk full (injected)"));
            }
          }

          @Override
          public void written(Checkpoint c) {
            written.add(c);
          }
        });
    // the slow endpoint (1 ms a batch): a fast run can end before its fifth background commit
    assertThatThrownBy(() -> job(slowEndpoint).build().run())
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("disk full (injected)");
    Committer.observe(null);
    assertThat(written).hasSize(4);
    assertThat(Checkpoint.read(checkpoint)).isEqualTo(written.get(3));
    assertThat(Checkpoint.read(checkpoint).complete()).isFalse();

    BatchResult r = job().build().run();
    assertThat(r.resumedFrom()).isEqualTo(written.get(3).records());
    assertThat(new String(Files.readAllBytes(output))).isEqualTo(new String(expected));
  }
}
