package io.serve4j.benchmarks;

import io.serve4j.BatchingPolicy;
import io.serve4j.DataType;
import io.serve4j.DeploymentSpec;
import io.serve4j.Endpoint;
import io.serve4j.EndpointSpec;
import io.serve4j.InferenceRequest;
import io.serve4j.Model;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.Shape;
import io.serve4j.Tensor;
import io.serve4j.local.LocalOptions;
import java.time.Duration;

/**
 * serve4j's {@code local} provider as a user would call it: a client with default settings (retry
 * policy, 60 s prediction timeout), one endpoint, {@code endpoint.predict} of a request built once
 * over the inputs' direct buffers. Batched, the deployment asks for {@code
 * BatchingPolicy.of(maxBatch, maxQueueDelay).withInstances(instances)}: {@code
 * serve4j.bench.maxBatch} (default 16) rows, {@code serve4j.bench.maxQueueDelayMicros} (default
 * 1000) µs and {@code serve4j.bench.instances} (default 2) batches at once: on 2 cores one batch
 * keeps about one core busy, and 32 callers fill two batches of 16.
 */
final class Serve4jEngine implements Engine {
  private final ServingClient client;
  private final Endpoint endpoint;
  private final InferenceRequest request;

  Serve4jEngine(Workload workload, boolean batched) {
    client =
        Serve4j.client(
            LocalOptions.builder()
                .isolated(true)
                .intraOpThreads(OrtEngine.intraOpThreads())
                .build());
    try {
      DeploymentSpec.Builder d =
          DeploymentSpec.builder().name("main").model(Model.onnx("m", workload.file()));
      if (batched) {
        d.batching(
            BatchingPolicy.of(
                    Integer.getInteger("serve4j.bench.maxBatch", 16),
                    Duration.ofNanos(
                        1000L * Long.getLong("serve4j.bench.maxQueueDelayMicros", 1000L)))
                .withInstances(Integer.getInteger("serve4j.bench.instances", 2)));
      }
      endpoint =
          client.deploy(EndpointSpec.builder().name("bench").deployment(d.build()).build()).await();
      InferenceRequest.Builder r = InferenceRequest.builder();
      for (Workload.Input in : workload.inputs()) {
        r.input(
            Tensor.wrap(
                in.name(),
                in.int64() ? DataType.INT64 : DataType.FP32,
                Shape.of(in.shape()),
                in.view()));
      }
      request = r.build();
    } catch (RuntimeException e) {
      client.close();
      throw e;
    }
  }

  @Override
  public Object predict() {
    return endpoint.predict(request);
  }

  @Override
  public void close() {
    client.close();
  }
}
