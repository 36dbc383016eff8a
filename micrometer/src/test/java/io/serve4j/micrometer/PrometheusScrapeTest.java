package io.serve4j.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.serve4j.BatchingPolicy;
import io.serve4j.DeploymentSpec;
import io.serve4j.Endpoint;
import io.serve4j.EndpointSpec;
import io.serve4j.InferenceRequest;
import io.serve4j.Model;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.Tensor;
import io.serve4j.local.LocalOptions;
import io.serve4j.testkit.ContractModels;
import io.serve4j.testkit.memory.MemoryFaultFixture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/**
 * A Prometheus scrape of one listener shared by a real local ONNX Runtime endpoint (with dynamic
 * batching) and the in-memory provider.
 */
class PrometheusScrapeTest {
  @Test
  void scrape_showsCallBatchAndOperationMeters_ofLocalAndMemoryClients() throws Exception {
    PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    MicrometerServingListener listener =
        MicrometerServingListener.builder(prometheus).percentileHistogram(true).build();
    MemoryFaultFixture memory = new MemoryFaultFixture();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try (ServingClient local =
            Serve4j.builder()
                .options(LocalOptions.builder().isolated(true).build())
                .listener(listener)
                .build();
        ServingClient mem = memory.newClient(Serve4j.builder().listener(listener))) {
      Endpoint mlp =
          local
              .deploy(
                  EndpointSpec.builder()
                      .name("mlp")
                      .deployment(
                          DeploymentSpec.builder()
                              .name("blue")
                              .model(
                                  Model.builder()
                                      .name("mlp")
                                      .artifact("classpath:models/mlp-dynamic-batch.onnx")
                                      .build())
                              .batching(BatchingPolicy.of(16, Duration.ofMillis(5)))
                              .build())
                      .build())
              .await();
      List<CompletableFuture<?>> all = new ArrayList<>();
      for (int i = 0; i < 64; i++) {
        float v = i;
        all.add(
            CompletableFuture.runAsync(
                () ->
                    mlp.predict(
                        InferenceRequest.of(
                            Tensor.ofFloats("x", new long[] {1, 4}, new float[] {v, 1, 2, 3}))),
                pool));
      }
      CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get();
      mem.endpoint("relu").predict(ContractModels.reluRequest(1, -1));
    } finally {
      pool.shutdownNow();
    }
    String scrape = prometheus.scrape();
    assertThat(scrape)
        .contains(
            "serve4j_call_seconds_count{deployment=\"blue\",endpoint=\"mlp\",error_category=\"none\","
                + "operation=\"predict\",outcome=\"success\",provider=\"local\",retried=\"false\"} 64")
        .contains("serve4j_call_seconds_bucket{deployment=\"blue\",endpoint=\"mlp\"")
        .contains(
            "serve4j_batch_queue_seconds_count{deployment=\"blue\",endpoint=\"mlp\",provider=\"local\"} 64")
        .contains(
            "serve4j_batch_compute_seconds_count{deployment=\"blue\",endpoint=\"mlp\",provider=\"local\"} 64")
        .contains(
            "serve4j_batch_size_rows_count{deployment=\"blue\",endpoint=\"mlp\",provider=\"local\"} 64")
        .contains("serve4j_batch_size_rows_bucket{deployment=\"blue\",endpoint=\"mlp\"")
        .contains(
            "serve4j_operation_seconds_count{endpoint=\"mlp\",error_category=\"none\",operation=\"deploy\","
                + "outcome=\"success\",provider=\"local\"} 1")
        .contains(
            "serve4j_call_active{endpoint=\"mlp\",operation=\"predict\",provider=\"local\"} 0")
        .containsPattern(
            "serve4j_call_seconds_count\\{deployment=\"[^\"]+\",endpoint=\"relu\",error_category=\"none\","
                + "operation=\"predict\",outcome=\"success\",provider=\"memory\",retried=\"false\"} 1");
    // every request ran in a run of at least its own row: the summed rows cover the 64 rows sent
    double rowsSum = prometheus.get(MicrometerServingListener.BATCH_SIZE).summary().totalAmount();
    assertThat(rowsSum).isGreaterThanOrEqualTo(64);
  }
}
