package io.serve4j.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThatCode;

import io.serve4j.BatchingPolicy;
import io.serve4j.DeploymentSpec;
import io.serve4j.Endpoint;
import io.serve4j.EndpointSpec;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.Model;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.Tensor;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A batched deployment whose rows are too cheap to batch runs each request alone on its caller's
 * thread: it must then cost what the same deployment without batching does (issue 22, where the
 * batched deployment trailed the unbatched one on the MLP at 32 threads).
 */
class BatchedRunAloneCostTest {
  @TempDir Path dir;

  private static Endpoint deploy(
      ServingClient client, String name, Path model, BatchingPolicy batching) {
    DeploymentSpec.Builder d =
        DeploymentSpec.builder().name("main").model(Model.onnx("identity", model));
    if (batching != null) {
      d.batching(batching);
    }
    return client.deploy(EndpointSpec.builder().name(name).deployment(d.build()).build()).await();
  }

  /**
   * HotSpot's count of bytes this thread allocated (com.sun.management.ThreadMXBean), reached by
   * reflection: this module's tests are compiled without reading java.management.
   */
  private static long allocated() throws ReflectiveOperationException {
    Object mx =
        Class.forName("java.lang.management.ManagementFactory")
            .getMethod("getThreadMXBean")
            .invoke(null);
    Method bytes =
        Class.forName("com.sun.management.ThreadMXBean")
            .getMethod("getCurrentThreadAllocatedBytes");
    return (Long) bytes.invoke(mx);
  }

  /** The fewest bytes one call allocated on this thread, over a few rounds of many calls. */
  private static long bytesPerCall(Endpoint e, InferenceRequest request)
      throws ReflectiveOperationException {
    int n = 20_000;
    long least = Long.MAX_VALUE;
    for (int round = 0; round < 5; round++) {
      long before = allocated();
      for (int i = 0; i < n; i++) {
        e.predict(request);
      }
      least = Math.min(least, (allocated() - before) / n);
    }
    return least;
  }

  /**
   * The batcher's run alone answers with the response its runner made (no second response, no
   * second future): a cheap row costs no more allocation batched than unbatched. Before, the
   * batched call made a response in the runner, another in the client and a second completed
   * future: 64 bytes a call more than without batching.
   */
  @Test
  void cheapRowsOnABatchedDeployment_allocateNoMoreThanWithoutBatching_andAnswerAlike()
      throws Exception {
    assumeThatCode(BatchedRunAloneCostTest::allocated).doesNotThrowAnyException();
    try (ServingClient client = Serve4j.client(LocalOptions.builder().isolated(true).build())) {
      // an Identity over FLOAT[n]: a dynamic first dimension, rows of a few microseconds
      Path model = Files.write(dir.resolve("identity.onnx"), OnnxModels.identity(1, "n", "n"));
      Endpoint batched =
          deploy(client, "batched", model, BatchingPolicy.of(16, Duration.ofMillis(5)));
      Endpoint single = deploy(client, "single", model, null);
      InferenceRequest request =
          InferenceRequest.builder()
              .id("r-7")
              .input(Tensor.ofFloats("in", new long[] {2}, new float[] {-1, 3}))
              .build();
      InferenceResponse b = batched.predict(request);
      InferenceResponse s = single.predict(request);
      assertThat(b.id()).isEqualTo(s.id()).contains("r-7");
      assertThat(b.modelName()).isEqualTo(s.modelName());
      assertThat(b.modelVersion()).isEqualTo(s.modelVersion());
      assertThat(b.deployment()).isEqualTo(s.deployment());
      assertThat(b.output("out").asFloats()).containsExactly(-1f, 3f);
      // both warmed alike (the batcher learns in its first calls that such rows run alone)
      bytesPerCall(batched, request);
      bytesPerCall(single, request);
      long unbatchedBytes = bytesPerCall(single, request);
      long batchedBytes = bytesPerCall(batched, request);
      assertThat(batchedBytes)
          .as("bytes a call, batched (unbatched: %d)", unbatchedBytes)
          .isLessThanOrEqualTo(unbatchedBytes + 16);
    }
  }
}
