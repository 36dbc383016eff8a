package io.serve4j.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.serve4j.Endpoint;
import io.serve4j.EndpointSpec;
import io.serve4j.InferenceResponse;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.Tensor;
import io.serve4j.testkit.ContractModels;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Each prediction's outputs are the caller's own: later or concurrent predictions never change them
 * (a guard for any reuse of output memory between calls).
 */
class OutputOwnershipTest {
  @Test
  void outputs_keptByCallers_areNeverOverwrittenByOtherPredictions() throws Exception {
    try (ServingClient client = Serve4j.client(LocalOptions.builder().isolated(true).build())) {
      Endpoint e = client.deploy(EndpointSpec.of("own", ContractModels.reluOnClasspath())).await();
      ExecutorService pool = Executors.newFixedThreadPool(4);
      try {
        List<Future<List<InferenceResponse>>> parts = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
          int thread = t;
          parts.add(
              pool.submit(
                  () -> {
                    List<InferenceResponse> kept = new ArrayList<>();
                    for (int i = 0; i < 1_000; i++) {
                      kept.add(e.predict(ContractModels.reluRequest(thread * 10_000 + i, -i)));
                    }
                    return kept;
                  }));
        }
        for (int t = 0; t < 4; t++) {
          List<InferenceResponse> kept = parts.get(t).get();
          for (int i = 0; i < kept.size(); i++) {
            Tensor y = kept.get(i).output("y");
            assertThat(y.buffer().capacity()).as("no view of other outputs").isEqualTo(8);
            assertThat(y.asFloats())
                .as("thread %d prediction %d", t, i)
                .containsExactly(t * 10_000f + i, 0f);
          }
        }
      } finally {
        pool.shutdownNow();
      }
    }
  }
}
