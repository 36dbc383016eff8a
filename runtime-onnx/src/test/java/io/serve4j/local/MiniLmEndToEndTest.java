package io.serve4j.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.serve4j.DataType;
import io.serve4j.DeploymentDescription;
import io.serve4j.Endpoint;
import io.serve4j.EndpointSpec;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.Shape;
import io.serve4j.TensorSpec;
import io.serve4j.TimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** A real transformer end to end: tokenize, infer on the local provider, mean-pool, normalise. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MiniLmEndToEndTest {
  private final LocalStatistics stats = new LocalStatistics();
  private ServingClient client;
  private Endpoint endpoint;
  private MiniLm minilm;

  @BeforeAll
  void deploy() {
    client = Serve4j.client(LocalOptions.builder().isolated(true).statistics(stats).build());
    endpoint = client.deploy(EndpointSpec.of("minilm", MiniLm.model())).await();
    minilm = new MiniLm(512);
  }

  @AfterAll
  void close() {
    minilm.close();
    client.close();
  }

  @Test
  void embeddings_rankParaphraseAboveUnrelatedSentence() {
    List<String> sentences =
        List.of(
            "A man is eating food.",
            "A man is eating a piece of bread.",
            "The girl is carrying a baby.");
    InferenceRequest request = minilm.request(sentences);
    float[][] e = MiniLm.embeddings(request, endpoint.predict(request));

    double paraphrase = MiniLm.cosine(e[0], e[1]);
    double unrelated = MiniLm.cosine(e[0], e[2]);
    assertThat(paraphrase).isGreaterThan(unrelated);
    assertThat(paraphrase).isGreaterThan(0.5);
    assertThat(unrelated).isLessThan(0.3);
    for (float[] row : e) {
      assertThat(row).hasSize(MiniLm.DIMENSIONS);
      assertThat(MiniLm.cosine(row, row)).isCloseTo(1.0, within(1e-5));
    }
  }

  @Test
  void embeddings_ofOneSentence_barelyMoveWhenPaddedInABatch() {
    InferenceRequest alone = minilm.request(List.of("A man is eating food."));
    InferenceRequest padded =
        minilm.request(
            List.of(
                "A man is eating food.",
                "A much longer sentence, about a girl"
                    + " who is carrying a baby across the busy market square."));
    float[] a = MiniLm.embeddings(alone, endpoint.predict(alone))[0];
    float[] b = MiniLm.embeddings(padded, endpoint.predict(padded))[0];
    // Not 1e-5: the quantized model quantizes activations per call (DynamicQuantizeLinear over the
    // whole batch), so padding rows shift the scale slightly. Masked pooling keeps it close.
    assertThat(MiniLm.cosine(a, b)).isGreaterThan(0.98);
  }

  @Test
  void describe_reportsSignatureReadFromTheModel_withDynamicDimensions() {
    DeploymentDescription d = endpoint.describe().deployments().get(0);
    assertThat(d.signature().orElseThrow().inputs())
        .containsExactly(
            TensorSpec.of("input_ids", DataType.INT64, -1, -1),
            TensorSpec.of("attention_mask", DataType.INT64, -1, -1),
            TensorSpec.of("token_type_ids", DataType.INT64, -1, -1));
    assertThat(d.signature().orElseThrow().outputs())
        .containsExactly(TensorSpec.of("last_hidden_state", DataType.FP32, -1, -1, 384));
    assertThat(d.details())
        .containsEntry("executionProvider", "CPU")
        .containsKey("executionProviderDiagnostic")
        .containsKey("opset.ai.onnx")
        .containsKey("irVersion")
        .containsKey("producer");
    assertThat(d.instanceType()).contains("onnxruntime-cpu");
  }

  @Test
  void output_withSymbolicShape_isWrittenByOnnxRuntimeIntoADirectBuffer() {
    // over 32 KiB (Staging.MAX_BYTES): its own pre-allocated direct buffer, no copy
    InferenceRequest request =
        minilm.request(
            List.of(
                "Zero copy, one buffer: the output of a long sentence is written by ONNX Runtime"
                    + " straight into the direct buffer the caller gets, because its shape is"
                    + " known from the input's before the run starts."));
    InferenceResponse response = endpoint.predict(request);
    long seq = request.inputs().get(0).shape().dim(1);
    assertThat(seq * MiniLm.DIMENSIONS * 4).isGreaterThan(32 * 1024);
    assertThat(response.output("last_hidden_state").shape())
        .isEqualTo(Shape.of(1, seq, MiniLm.DIMENSIONS));
    assertThat(response.output("last_hidden_state").buffer().isDirect()).isTrue();
  }

  @Test
  void smallOutputs_withSymbolicShape_areTheCallersOwnCopies() {
    InferenceRequest a = minilm.request(List.of("Zero copy, one buffer."));
    InferenceRequest b = minilm.request(List.of("Zero copy, two buffer."));
    InferenceResponse ra = endpoint.predict(a);
    float[] before = ra.output("last_hidden_state").asFloats();
    assertThat(b.inputs().get(0).shape()).isEqualTo(a.inputs().get(0).shape());
    float[] other = endpoint.predict(b).output("last_hidden_state").asFloats(); // same slot buffers
    assertThat(other).isNotEqualTo(before);
    assertThat(ra.output("last_hidden_state").asFloats()).containsExactly(before);
    assertThat(endpoint.predict(a).output("last_hidden_state").asFloats()).containsExactly(before);
  }

  @Test
  void predict_whenDeadlinePassesDuringTheRun_throwsTimeout_andTheEndpointKeepsServing() {
    String longText = String.join(" ", Collections.nCopies(400, "serving"));
    List<String> batch = new ArrayList<>(Collections.nCopies(16, longText));
    InferenceRequest slow =
        minilm.request(batch).toBuilder().timeout(Duration.ofMillis(50)).build();
    long failedBefore = stats.failedRuns();
    long start = System.nanoTime();
    assertThatThrownBy(() -> endpoint.predict(slow))
        .isInstanceOf(TimeoutException.class)
        .satisfies(e -> assertThat(((TimeoutException) e).retryable()).isTrue());
    // ONNX Runtime stops at its next operator after the terminate flag, not at the end of the run.
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
    assertThat(stats.failedRuns()).isEqualTo(failedBefore + 1);

    InferenceRequest ok = minilm.request(List.of("still here"));
    assertThat(endpoint.predict(ok).output("last_hidden_state").shape().dim(2)).isEqualTo(384);
  }
}
