package io.serve4j.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.serve4j.InferenceRequest;
import io.serve4j.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * 10,000 requests over 4 keep-alive connections, 1 % of them malformed in assorted ways: each
 * malformed one gets a protocol error (4xx with {@code {"error": ...}}), every other one the MLP's
 * exact answer, and every connection serves all of its requests (none is dropped).
 */
class MalformedTrafficTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String[] MALFORMED = {
    "{\"inputs\": [",
    "not json",
    "{\"inputs\":[{\"name\":\"x\",\"shape\":[1,4],\"datatype\":\"FP32\",\"data\":[1,2,3]}]}",
    "{\"inputs\":[{\"name\":\"x\",\"shape\":[1,4],\"datatype\":\"FP99\",\"data\":[1,2,3,4]}]}",
    "{\"inputs\":[{\"name\":\"x\",\"shape\":[1,4],\"datatype\":\"FP32\",\"data\":[1,2,3,\"a\"]}]}",
    "{\"inputs\":[{\"name\":\"q\",\"shape\":[1,4],\"datatype\":\"FP32\",\"data\":[1,2,3,4]}]}",
    "{\"inputs\": 5}",
    "{\"inputs\":[]} trailing",
    "",
    "{\"inputs\":[{\"name\":\"x\",\"shape\":[1,4],\"datatype\":\"FP32\",\"data\":[1,2,3,1e39]}]}",
  };

  @Test
  void tenThousandRequests_onePercentMalformed_allAnsweredRight_noConnectionDropped()
      throws Exception {
    int total = 10_000;
    int connections = 4;
    try (MlpServer mlp = new MlpServer();
        OipServer server = OipServer.builder().endpoint("mlp", mlp.endpoint).port(0).start()) {
      ExecutorService pool = Executors.newFixedThreadPool(connections);
      List<Future<int[]>> results = new ArrayList<>();
      for (int c = 0; c < connections; c++) {
        int seed = c;
        results.add(
            pool.submit(
                () -> {
                  Random rnd = new Random(seed);
                  int ok = 0;
                  int errors = 0;
                  try (Http http = new Http(server.port())) {
                    for (int i = 0; i < total / connections; i++) {
                      if (i % 100 == 37) {
                        String bad = MALFORMED[rnd.nextInt(MALFORMED.length)];
                        Http.Response r = http.post("/v2/models/mlp/infer", bad);
                        assertThat(r.status()).as(bad).isBetween(400, 499);
                        JsonNode n = JSON.readTree(r.body());
                        assertThat(n.get("error").isTextual()).as(bad).isTrue();
                        errors++;
                      } else {
                        float[] x = new float[4];
                        for (int k = 0; k < 4; k++) {
                          x[k] = rnd.nextInt(200) / 8f - 12;
                        }
                        Http.Response r =
                            http.post(
                                "/v2/models/mlp/infer",
                                "{\"inputs\":[{\"name\":\"x\",\"shape\":[1,4],\"datatype\":\"FP32\","
                                    + "\"data\":["
                                    + x[0]
                                    + ","
                                    + x[1]
                                    + ","
                                    + x[2]
                                    + ","
                                    + x[3]
                                    + "]}]}");
                        assertThat(r.status()).as(r.text()).isEqualTo(200);
                        JsonNode y = JSON.readTree(r.body()).get("outputs").get(0).get("data");
                        float[] expected =
                            mlp.endpoint
                                .predict(
                                    InferenceRequest.of(Tensor.ofFloats("x", new long[] {1, 4}, x)))
                                .output("y")
                                .asFloats();
                        assertThat(
                                new float[] {
                                  (float) y.get(0).asDouble(), (float) y.get(1).asDouble()
                                })
                            .containsExactly(expected);
                        ok++;
                      }
                    }
                    assertThat(http.isOpen()).isTrue();
                  }
                  return new int[] {ok, errors};
                }));
      }
      int ok = 0;
      int errors = 0;
      for (Future<int[]> f : results) {
        int[] r = f.get();
        ok += r[0];
        errors += r[1];
      }
      pool.shutdown();
      assertThat(ok + errors).isEqualTo(total);
      assertThat(errors).isEqualTo(total / 100);
    }
  }
}
