package io.serve4j.batch;

import io.serve4j.Endpoint;
import io.serve4j.ServingClient;
import io.serve4j.batch.internal.Checkpoint;
import io.serve4j.batch.internal.Committer;
import io.serve4j.testkit.memory.MemoryBackend;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The job that {@link KillAndResumeTest} runs in a child JVM and kills: a slow in-memory model,
 * small batches, frequent checkpoints.
 */
public final class ScoringChildMain {
  private ScoringChildMain() {}

  /**
   * Runs the job.
   *
   * @param args input file, output file, delay per request in milliseconds, optionally a delay in
   *     milliseconds before each commit's force (so that a kill often lands while a commit is in
   *     flight and the writer goes on); exits with {@link #LOCKED} if another run holds the job's
   *     lock
   */
  public static void main(String[] args) {
    long commitDelay = args.length > 3 ? Long.parseLong(args[3]) : 0;
    if (commitDelay > 0) {
      Committer.observe(
          new Committer.Observer() {
            @Override
            public void beforeForce(Checkpoint next) {
              try {
                Thread.sleep(commitDelay);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            }
          });
    }
    try (ServingClient client = client(Long.parseLong(args[2]))) {
      job(endpoint(client), Path.of(args[0]), Path.of(args[1])).build().run();
    } catch (JobLockedException locked) {
      System.out.println(locked.getMessage());
      System.exit(LOCKED);
    }
  }

  /** The child's exit code when the job is locked by another run. */
  static final int LOCKED = 75;

  /** A client of an in-memory sum/max model that takes {@code delayMillis} per request. */
  static ServingClient client(long delayMillis) {
    return MemoryModels.client(MemoryModels.sumMax(delayMillis), new MemoryBackend());
  }

  /** Deploys the sum/max model on a client from {@link #client} and returns its endpoint. */
  static Endpoint endpoint(ServingClient client) {
    return client.endpoint(MemoryModels.deploy(client, "summax", MemoryModels.SUM_MAX));
  }

  /** The job: ids from {@code id}, input {@code x} from {@code features}, batches of 5. */
  static BatchScorer.Builder job(Endpoint e, Path input, Path output) {
    return BatchScorer.builder()
        .endpoint(e)
        .input(input)
        .map(FieldMapping.of("x", "features"))
        .idField("id")
        .output(output)
        .batchSize(5)
        .concurrency(3)
        .checkpointInterval(Duration.ofMillis(20));
  }
}
