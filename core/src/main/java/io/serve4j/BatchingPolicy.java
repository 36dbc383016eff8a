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
 * <p>{@code instances} is how many batches may run at once (Triton's {@code instance_group} count).
 * On a CPU, one batch rarely keeps every core busy: on the 2-core benchmark machine MiniLM at batch
 * 32 kept 1.1 cores busy with one instance and both with two (BENCHMARKS.md). With more than one
 * instance, keep {@code maxBatchSize} at or below the expected concurrency divided by the
 * instances, or the first batch takes every waiting request and the others idle.
 *
 * <p>The local runtime runs a request that finds an instance free at once, alone, on its caller's
 * thread; requests queue only while every instance is busy, and the next batch takes what queued.
 * There {@code maxQueueDelay} is used only under load and only with preferred sizes: a batch
 * gathered from the queue waits at most that long (since its oldest request arrived) to reach a
 * preferred size. Triton-based cloud deployments apply it as {@code max_queue_delay_microseconds}.
 *
 * @param maxBatchSize largest batch (rows) to run at once
 * @param maxQueueDelay how long a queued request may wait for others to join its batch
 * @param preferredBatchSizes batch sizes to prefer when enough requests are queued
 * @param maxQueueSize most requests that may wait; beyond it a request fails with {@link
 *     ThrottledException}
 * @param instances how many batches may run at once, 1 to {@value #MAX_INSTANCES}
 */
public record BatchingPolicy(
    int maxBatchSize,
    Duration maxQueueDelay,
    List<Integer> preferredBatchSizes,
    int maxQueueSize,
    int instances) {
  /** The most instances a policy may ask for. */
  public static final int MAX_INSTANCES = 64;

  /** Validates and copies. */
  public BatchingPolicy {
    Objects.requireNonNull(maxQueueDelay, "maxQueueDelay");
    preferredBatchSizes = List.copyOf(preferredBatchSizes);
    if (maxBatchSize < 1 || maxQueueSize < 1 || maxQueueDelay.isNegative()) {
      throw ServingException.builder(ErrorCategory.INVALID_INPUT)
          .message("batching needs maxBatchSize >= 1, maxQueueSize >= 1 and a non-negative delay")
          .build();
    }
    if (instances < 1 || instances > MAX_INSTANCES) {
      throw ServingException.builder(ErrorCategory.INVALID_INPUT)
          .message("batching instances must be 1.." + MAX_INSTANCES + ", was " + instances)
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
   * A policy with one instance.
   *
   * @param maxBatchSize largest batch (rows) to run at once
   * @param maxQueueDelay how long a request may wait for others to join its batch
   * @param preferredBatchSizes batch sizes to prefer when enough requests are queued
   * @param maxQueueSize most requests that may wait
   */
  public BatchingPolicy(
      int maxBatchSize,
      Duration maxQueueDelay,
      List<Integer> preferredBatchSizes,
      int maxQueueSize) {
    this(maxBatchSize, maxQueueDelay, preferredBatchSizes, maxQueueSize, 1);
  }

  /**
   * Returns this policy with another number of instances.
   *
   * @param count how many batches may run at once
   * @return the policy
   * @throws InvalidInputException if {@code count} is outside 1..{@value #MAX_INSTANCES}
   */
  public BatchingPolicy withInstances(int count) {
    return new BatchingPolicy(
        maxBatchSize, maxQueueDelay, preferredBatchSizes, maxQueueSize, count);
  }

  /**
   * A policy with no preferred sizes, a queue of 64 batches and one instance.
   *
   * @param maxBatchSize largest batch
   * @param maxQueueDelay longest wait
   * @return the policy
   */
  public static BatchingPolicy of(int maxBatchSize, Duration maxQueueDelay) {
    return new BatchingPolicy(maxBatchSize, maxQueueDelay, List.of(), maxBatchSize * 64);
  }
}
