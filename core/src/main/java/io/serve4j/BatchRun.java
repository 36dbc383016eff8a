package io.serve4j;

import java.time.Duration;
import java.util.Objects;

/**
 * How an in-process runtime's dynamic batcher ran one call's request, as {@link
 * ServingListener#onBatch} reports it: Triton's split of a prediction into time queued and time
 * computing, and the size of the run that carried it.
 *
 * @param requests how many callers' requests the run carried (1 when the request ran alone)
 * @param rows how many rows (first-dimension entries) the run's inputs had
 * @param queueTime from the request's arrival at the batcher to the start of its run
 * @param computeTime how long the run took on the runtime (the whole batch's)
 */
public record BatchRun(int requests, long rows, Duration queueTime, Duration computeTime) {
  /** Validates the components. */
  public BatchRun {
    if (requests < 1) {
      throw new IllegalArgumentException("requests must be at least 1, not " + requests);
    }
    Objects.requireNonNull(queueTime, "queueTime");
    Objects.requireNonNull(computeTime, "computeTime");
  }
}
