package io.serve4j;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Server-side dynamic batching for a deployment: requests that arrive close together are
 * concatenated along the first (dynamic) dimension, run once, and split back. The local runtime
 * implements it in-process; Triton-based cloud deployments get it as {@code dynamic_batching} in
 * {@code config.pbtxt}.
 *
 * @param maxBatchSize largest batch (rows) to run at once
 * @param maxQueueDelay how long a request may wait for others to join its batch
 * @param preferredBatchSizes batch sizes to prefer when enough requests are queued
 * @param maxQueueSize most requests that may wait; beyond it a request fails with {@link
 *     ThrottledException}
 */
public record BatchingPolicy(
    int maxBatchSize, Duration maxQueueDelay, List<Integer> preferredBatchSizes, int maxQueueSize) {
  /** Validates and copies. */
  public BatchingPolicy {
    Objects.requireNonNull(maxQueueDelay, "maxQueueDelay");
    preferredBatchSizes = List.copyOf(preferredBatchSizes);
    if (maxBatchSize < 1 || maxQueueSize < 1 || maxQueueDelay.isNegative()) {
      throw ServingException.builder(ErrorCategory.INVALID_INPUT)
          .message("batching needs maxBatchSize >= 1, maxQueueSize >= 1 and a non-negative delay")
          .build();
    }
    for (int p : preferredBatchSizes) {
      if (p < 1 || p > maxBatchSize) {
        throw ServingException.builder(ErrorCategory.INVALID_INPUT)
            .message("preferred batch size " + p + " is outside 1.." + maxBatchSize)
            .build();
      }
    }
  }

  /**
   * A policy with no preferred sizes and a queue of 64 batches.
   *
   * @param maxBatchSize largest batch
   * @param maxQueueDelay longest wait
   * @return the policy
   */
  public static BatchingPolicy of(int maxBatchSize, Duration maxQueueDelay) {
    return new BatchingPolicy(maxBatchSize, maxQueueDelay, List.of(), maxBatchSize * 64);
  }
}
