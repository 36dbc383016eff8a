package io.serve4j.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import io.serve4j.local.LocalStatistics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Concurrent server requests reach the local runtime's dynamic batcher together. */
class DynamicBatchingTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void concurrentRequests_areBatched_andEachGetsItsOwnRow() throws Exception {
    int n = 32;
    LocalStatistics stats = new LocalStatistics();
    try (ServingClient client =
        Serve4j.client(LocalOptions.builder().isolated(true).statistics(stats).build())) {
      Endpoint e =
          client
              .deploy(
                  EndpointSpec.builder()
                      .name("batched")
                      .deployment(
                          DeploymentSpec.builder()
                              .name("main")
                              .model(Model.onnx("mlp", MlpServer.modelFile()))
                              .batching(BatchingPolicy.of(16, Duration.ofMillis(50)))
                              .build())
                      .build())
              .await();
      long before = stats.runs();
      ExecutorService pool = Executors.newFixedThreadPool(n);
      try (OipServer server = OipServer.builder().endpoint("mlp", e).port(0).start()) {
        CyclicBarrier go = new CyclicBarrier(n);
        List<Future<float[][]>> answers = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          float v = i;
          answers.add(
              pool.submit(
                  () -> {
                    try (Http c = new Http(server.port())) {
                      go.await();
                      Http.Response r =
                          c.post(
                              "/v2/models/mlp/infer",
                              "{\"inputs\":[{\"name\":\"x\",\"shape\":[1,4],\"datatype\":\"FP32\","
                                  + "\"data\":["
                                  + v
                                  + ",1,-2,"
                                  + (v / 3)
                                  + "]}]}");
                      assertThat(r.status()).as(r.text()).isEqualTo(200);
                      JsonNode y = JSON.readTree(r.body()).get("outputs").get(0).get("data");
                      return new float[][] {
                        {v, 1, -2, v / 3},
                        {(float) y.get(0).asDouble(), (float) y.get(1).asDouble()}
                      };
                    }
                  }));
        }
        long runsAfter;
        List<float[][]> got = new ArrayList<>();
        for (Future<float[][]> f : answers) {
          got.add(f.get());
        }
        runsAfter = stats.runs();
        for (float[][] g : got) {
          float[] expected =
              e.predict(InferenceRequest.of(Tensor.ofFloats("x", new long[] {1, 4}, g[0])))
                  .output("y")
                  .asFloats();
          assertThat(g[1]).containsExactly(expected);
        }
        assertThat(runsAfter - before).as("model runs for %d requests", n).isLessThan(n);
      } finally {
        pool.shutdownNow();
      }
    }
  }
}
