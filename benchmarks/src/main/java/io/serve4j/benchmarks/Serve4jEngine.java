package io.serve4j.benchmarks;

import io.serve4j.BatchRun;
import io.serve4j.BatchingPolicy;
import io.serve4j.CallInfo;
import io.serve4j.DeploymentSpec;
import io.serve4j.Endpoint;
import io.serve4j.EndpointSpec;
import io.serve4j.InferenceRequest;
import io.serve4j.Model;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.ServingListener;
import io.serve4j.local.LocalOptions;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * serve4j's {@code local} provider as a user would call it: a client with default settings (retry
 * policy, 60 s prediction timeout), one endpoint, {@code endpoint.predict} of a request built once
 * over the inputs' direct buffers. Batched, the deployment asks for {@code
 * BatchingPolicy.of(maxBatch, maxQueueDelay).withInstances(instances)}: {@code
 * serve4j.bench.maxBatch} (default 16) rows, {@code serve4j.bench.maxQueueDelayMicros} (default
 * 1000) µs and {@code serve4j.bench.instances} (default 2) batches at once: on 2 cores one batch
 * keeps about one core busy, and 32 callers fill two batches of 16.
 *
 * <p>With {@code -Dserve4j.bench.batchStats=true} a listener counts the requests each run carried
 * (from {@link ServingListener#onBatch}) and {@link #close} prints the runs by size: a profile, it
 * costs a {@link BatchRun} per call, so leave it off for the figures.
 */
final class Serve4jEngine implements Engine {
  private final ServingClient client;
  private final Endpoint endpoint;
  private final InferenceRequest request;
  private final String id;
  // requestsBySize[n]: requests carried by runs of n requests (the last slot: n or more)
  private final AtomicLongArray requestsBySize = new AtomicLongArray(65);

  Serve4jEngine(Workload workload, boolean batched) {
    id = workload.id() + (batched ? " serve4j_batched" : " serve4j");
    Serve4j.Builder b = clientBuilder();
    if (batched && Boolean.getBoolean("serve4j.bench.batchStats")) {
      b.listener(
          new ServingListener() {
            @Override
            public void onBatch(CallInfo call, BatchRun run) {
              requestsBySize.incrementAndGet(Math.min(run.requests(), 64));
            }
          });
    }
    client = b.build();
    try {
      endpoint = deploy(client, workload, batched ? batching() : null);
      request = workload.request();
    } catch (RuntimeException e) {
      client.close();
      throw e;
    }
  }

  /**
   * A client builder for the local provider as the benchmarks run it: isolated, with {@link
   * OrtEngine#intraOpThreads()} intra-op threads.
   *
   * @return the builder, for listeners to be added
   */
  static Serve4j.Builder clientBuilder() {
    return Serve4j.builder()
        .options(
            LocalOptions.builder()
                .isolated(true)
                .intraOpThreads(OrtEngine.intraOpThreads())
                .build());
  }

  /** The batched engine's policy, from the {@code serve4j.bench.*} properties described above. */
  private static BatchingPolicy batching() {
    return BatchingPolicy.of(
            Integer.getInteger("serve4j.bench.maxBatch", 16),
            Duration.ofNanos(1000L * Long.getLong("serve4j.bench.maxQueueDelayMicros", 1000L)))
        .withInstances(Integer.getInteger("serve4j.bench.instances", 2));
  }

  /**
   * Deploys the workload's model as endpoint {@code bench}, deployment {@code main}, and waits.
   *
   * @param client the client
   * @param workload the model
   * @param batching the deployment's batching policy, or {@code null} for none
   * @return the endpoint
   */
  static Endpoint deploy(ServingClient client, Workload workload, BatchingPolicy batching) {
    DeploymentSpec.Builder d =
        DeploymentSpec.builder().name("main").model(Model.onnx("m", workload.file()));
    if (batching != null) {
      d.batching(batching);
    }
    return client
        .deploy(EndpointSpec.builder().name("bench").deployment(d.build()).build())
        .await();
  }

  @Override
  public Object predict() {
    return endpoint.predict(request);
  }

  @Override
  public void close() {
    long requests = 0;
    long runs = 0;
    StringBuilder sizes = new StringBuilder();
    for (int n = 1; n < requestsBySize.length(); n++) {
      long r = requestsBySize.get(n);
      if (r > 0) {
        requests += r;
        runs += r / n;
        sizes.append(' ').append(n).append(':').append(r / n);
      }
    }
    if (requests > 0) {
      System.out.printf(
          Locale.ROOT,
          "%s: %d runs, %.2f requests per run; runs by size (requests:runs)%s%n",
          id,
          runs,
          (double) requests / runs,
          sizes);
    }
    client.close();
  }
}
