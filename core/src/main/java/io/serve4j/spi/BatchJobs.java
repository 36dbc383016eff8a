package io.serve4j.spi;

import io.serve4j.BatchJobDescription;
import io.serve4j.BatchJobSpec;
import java.util.concurrent.CompletableFuture;

/**
 * The optional batch-job role, present when the provider declares {@link
 * io.serve4j.Capability#BATCH_JOBS}.
 */
public interface BatchJobs {
  /**
   * Runs a batch job to completion.
   *
   * @param spec the job
   * @param context deadline, cancellation (which stops the remote job), progress
   * @return the final description
   */
  CompletableFuture<BatchJobDescription> runBatchJob(BatchJobSpec spec, CallContext context);

  /**
   * Describes a batch job with one wire attempt (core retries).
   *
   * @param name job name
   * @param context deadline
   * @return the description
   */
  CompletableFuture<BatchJobDescription> describeBatchJob(String name, CallContext context);
}
