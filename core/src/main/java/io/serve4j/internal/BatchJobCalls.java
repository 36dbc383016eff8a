package io.serve4j.internal;

import io.serve4j.BatchJobDescription;
import io.serve4j.BatchJobSpec;
import io.serve4j.Capability;
import io.serve4j.ErrorCategory;
import io.serve4j.Operation;
import io.serve4j.OperationKind;
import io.serve4j.ServingException;
import io.serve4j.spi.BatchJobs;
import io.serve4j.spi.Deadline;

/**
 * The batch-job operations of {@link DefaultServingClient}, in a class of their own: a client that
 * never runs a batch job never loads, parses or verifies them.
 */
final class BatchJobCalls {
  private BatchJobCalls() {}

  static Operation<BatchJobDescription> submit(DefaultServingClient client, BatchJobSpec spec) {
    client.ensureOpen();
    CapabilityCheck.require(
        client.providerId(),
        client.capabilities(),
        Capability.BATCH_JOBS,
        "batch job '" + spec.name() + "'");
    return client.operation(
        OperationKind.BATCH_JOB,
        "batch job " + spec.name(),
        "",
        ctx -> batchJobs(client).runBatchJob(spec, ctx));
  }

  static BatchJobDescription describe(DefaultServingClient client, String name) {
    client.ensureOpen();
    CapabilityCheck.require(
        client.providerId(),
        client.capabilities(),
        Capability.BATCH_JOBS,
        "batch job '" + name + "'");
    return Futures.join(
        client.call(
            OperationKind.DESCRIBE_BATCH_JOB,
            "",
            null,
            Deadline.after(client.config().callTimeout()),
            ctx -> batchJobs(client).describeBatchJob(name, ctx)),
        client.providerId());
  }

  private static BatchJobs batchJobs(DefaultServingClient client) {
    String providerId = client.providerId();
    return client
        .session()
        .batchJobs()
        .orElseThrow(
            () ->
                ServingException.builder(ErrorCategory.UNSUPPORTED_CAPABILITY)
                    .providerId(providerId)
                    .message("provider '" + providerId + "' declares batch jobs but has none")
                    .build());
  }
}
