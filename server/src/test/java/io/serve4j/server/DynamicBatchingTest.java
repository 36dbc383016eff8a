package io.serve4j.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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

/**
 * Concurrent server requests reach the endpoint concurrently (what the local runtime's dynamic
 * batcher needs to form batches), and through a batching deployment each gets its own row.
 */
class DynamicBatchingTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void concurrentRequests_areBatched_andEachGetsItsOwnRow() throws Exception {
    int n = 32;
    LocalStatistics stats = new LocalStatistics();
    try (ServingClient client =
        Serve4j.client(LocalOptions.builder().isolated(true).statistics(stats).build())) {
      Endpoint e = MlpServer.deployBatched(client, Duration.ofMillis(50));
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
        // How many batches formed depends on timing (a free instance runs a request at once):
        // the concurrency the batcher needs is proven by the next test.
        assertThat(runsAfter - before).as("model runs for %d requests", n).isBetween(1L, (long) n);
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @Test
  void concurrentRequests_reachTheEndpointAtOnce_notOneAfterAnother() throws Exception {
    int n = 16;
    CyclicBarrier inside = new CyclicBarrier(n);
    try (ServingClient client =
        Serve4j.client(
            io.serve4j.testkit.memory.MemoryOptions.builder()
                .predictor(
                    (deployment, request) -> {
                      try {
                        // trips only when all n requests are in the endpoint together
                        inside.await(20, java.util.concurrent.TimeUnit.SECONDS);
                      } catch (Exception ex) {
                        throw new IllegalStateException("requests were not concurrent", ex);
                      }
                      return io.serve4j.InferenceResponse.builder()
                          .output(Tensor.ofFloats("y", new long[] {1}, new float[] {1f}))
                          .build();
                    })
                .build())) {
      Endpoint e =
          client
              .deploy(
                  EndpointSpec.of(
                      "together", Model.builder().name("m").artifact("file:/m.onnx").build()))
              .await();
      ExecutorService pool = Executors.newFixedThreadPool(n);
      try (OipServer server = OipServer.builder().endpoint("m", e).port(0).start()) {
        List<Future<Integer>> codes = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          codes.add(
              pool.submit(
                  () -> {
                    try (Http c = new Http(server.port())) {
                      return c.post(
                              "/v2/models/m/infer",
                              "{\"inputs\":[{\"name\":\"x\",\"shape\":[1],"
                                  + "\"datatype\":\"FP32\",\"data\":[1]}]}")
                          .status();
                    }
                  }));
        }
        for (Future<Integer> f : codes) {
          assertThat(f.get()).isEqualTo(200);
        }
      } finally {
        pool.shutdownNow();
      }
    }
  }
}
