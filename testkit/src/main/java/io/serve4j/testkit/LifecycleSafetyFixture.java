package io.serve4j.testkit;

import io.serve4j.BatchJobSpec;
import io.serve4j.Model;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * What a provider supplies to run {@link LifecycleSafetyContract} against its fake: a client, the
 * contract model, everything the fake holds as strings, and the fake's {@link WireCalls} log and
 * gate. Implementing it on a fake takes three things:
 *
 * <ol>
 *   <li>call {@link WireCalls#arrive(String)} first thing in the fake's request dispatch for every
 *       control-plane request (create, update, delete, describe, list, start/stop job...), with a
 *       stable name per call, and answer with the provider's 500 / 503 / 429 when it returns a
 *       {@link Fault};
 *   <li>list in {@link #resources()} every cloud-side thing the fake holds: models, endpoint
 *       configs, endpoints, deployments, scaling targets and policies (with their settings), staged
 *       artifacts, running batch jobs (a stopped or finished job's record is not a resource);
 *   <li>if the provider has {@link io.serve4j.Capability#BATCH_JOBS}, return a runnable job from
 *       {@link #batchJob(String)}.
 * </ol>
 */
public interface LifecycleSafetyFixture extends AutoCloseable {
  /**
   * Builds a client for the provider under test against its fake; apply the provider's options to
   * {@code builder}, which carries the suite's settings.
   *
   * @param builder a builder with the suite's settings
   * @return a new client
   */
  ServingClient newClient(Serve4j.Builder builder);

  /**
   * Returns the ReLU contract model ({@link ContractModels#relu}) with its artifact where this
   * provider reads it.
   *
   * @return the model
   */
  Model reluModel();

  /**
   * Returns every cloud-side resource the fake holds now, each as a stable string that includes the
   * settings a failed or cancelled operation must not change, e.g. {@code endpoint-config:fraud-1
   * -> model:fraud-blue x1 ml.m5.large}, {@code scaling-policy:fraud/blue min=1 max=3}, {@code
   * artifact:s3://bucket/serve4j/fraud/blue.tar.gz}. Two snapshots are equal exactly when nothing
   * was created, deleted or changed between them.
   *
   * @return the resources
   */
  Set<String> resources();

  /**
   * Returns the fake's wire-call log and gate (the one its dispatch calls {@link
   * WireCalls#arrive(String)} on).
   *
   * @return the log
   */
  WireCalls wireCalls();

  /**
   * Returns whether a call of this name creates something (a model, a config, an endpoint, a
   * deployment, an artifact, a job); the contract checks that none is made after a cancel. By
   * default, a name that starts with create, put, post, insert, register, upload, submit, start or
   * deploy, ignoring case and a leading HTTP verb's space. Override if the fake's names differ,
   * e.g. when a PUT only restores the former state of something that exists.
   *
   * @param call a call's name from the log
   * @return true if it creates
   */
  default boolean creates(String call) {
    String c = call.toLowerCase(Locale.ROOT);
    for (String verb :
        new String[] {
          "create", "put", "post", "insert", "register", "upload", "submit", "start", "deploy"
        }) {
      if (c.startsWith(verb)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Returns a batch job that runs to completion on the fake (its input staged there), named {@code
   * name}; empty (the default) skips the batch-job cases. Providers with {@link
   * io.serve4j.Capability#BATCH_JOBS} should supply one.
   *
   * @param name the job's name, new for each call
   * @return the job, if the fixture can run one
   */
  default Optional<BatchJobSpec> batchJob(String name) {
    return Optional.empty();
  }

  /** Releases the fixture (stops fake servers); default does nothing. */
  @Override
  default void close() {}
}
