package io.serve4j.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.serve4j.DataType;
import io.serve4j.DeploymentDescription;
import io.serve4j.Endpoint;
import io.serve4j.EndpointSpec;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.Model;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.Tensor;
import io.serve4j.TensorSpec;
import java.io.IOException;
import java.io.InputStream;
import java.util.Iterator;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * ONNX's own backend test cases (see {@code onnx-testdata/README.md}): each model deployed from the
 * class path, fed its recorded inputs, its outputs compared with the recorded ones within 1e-5.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BackendTestCasesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private ServingClient client;

  @BeforeAll
  void open() {
    client = Serve4j.client("local");
  }

  @AfterAll
  void close() {
    client.close();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "test_single_relu_model",
        "test_gemm_default_matrix_bias",
        "test_matmul_2d",
        "test_softmax_example",
        "test_add_bcast",
        "test_Conv2d"
      })
  void predict_matchesRecordedOutputs_within1e5(String testCase) throws IOException {
    JsonNode expected = read("onnx-testdata/" + testCase + "/expected.json");
    String name = testCase.replace('_', '-').toLowerCase(java.util.Locale.ROOT);
    Model model =
        Model.builder()
            .name(name)
            .artifact("classpath:onnx-testdata/" + testCase + "/model.onnx")
            .build();
    Endpoint endpoint = client.deploy(EndpointSpec.of(name, model)).await();
    try {
      InferenceRequest.Builder request = InferenceRequest.builder();
      for (Iterator<Map.Entry<String, JsonNode>> it = expected.get("inputs").fields();
          it.hasNext(); ) {
        Map.Entry<String, JsonNode> in = it.next();
        request.input(
            Tensor.ofFloats(in.getKey(), dims(in.getValue()), floats(in.getValue().get("data"))));
      }
      InferenceResponse response = endpoint.predict(request.build());

      DeploymentDescription d = endpoint.describe().deployments().get(0);
      assertThat(d.signature().orElseThrow().inputs())
          .extracting(TensorSpec::name)
          .containsExactlyElementsOf(() -> expected.get("inputs").fieldNames());
      for (Iterator<Map.Entry<String, JsonNode>> it = expected.get("outputs").fields();
          it.hasNext(); ) {
        Map.Entry<String, JsonNode> out = it.next();
        Tensor actual = response.output(out.getKey());
        assertThat(actual.dataType()).isEqualTo(DataType.FP32);
        assertThat(actual.shape().toArray()).containsExactly(dims(out.getValue()));
        float[] want = floats(out.getValue().get("data"));
        float[] got = actual.asFloats();
        assertThat(got).hasSameSizeAs(want);
        for (int i = 0; i < want.length; i++) {
          assertThat(got[i]).as("%s[%d]", out.getKey(), i).isCloseTo(want[i], within(1e-5f));
        }
      }
    } finally {
      endpoint.delete().await();
    }
  }

  private static long[] dims(JsonNode tensor) {
    assertThat(tensor.get("dtype").asText()).isEqualTo("float32");
    JsonNode d = tensor.get("dims");
    long[] out = new long[d.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = d.get(i).asLong();
    }
    return out;
  }

  private static float[] floats(JsonNode data) {
    float[] out = new float[data.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) data.get(i).asDouble();
    }
    return out;
  }

  private static JsonNode read(String resource) throws IOException {
    try (InputStream in =
        BackendTestCasesTest.class.getClassLoader().getResourceAsStream(resource)) {
      return JSON.readTree(in);
    }
  }
}
