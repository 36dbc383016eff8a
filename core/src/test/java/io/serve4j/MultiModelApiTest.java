package io.serve4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MultiModelApiTest {

  @Test
  void aRequestCarriesItsTargetModelThroughToBuilder() {
    InferenceRequest r =
        InferenceRequest.builder()
            .input(Tensor.ofFloats("x", new long[] {1}, new float[] {1f}))
            .targetModel("fraud/v3.onnx")
            .build();
    assertThat(r.targetModel()).contains("fraud/v3.onnx");
    assertThat(r.toBuilder().build().targetModel()).contains("fraud/v3.onnx");
    assertThat(r.toString()).contains("model=fraud/v3.onnx");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"", "/abs.onnx", "../up.onnx", "a/../b.onnx", "a//b", "a b", "a\\b", "./a"})
  void aTargetModelMustBeARelativePathInsideTheArtifact(String target) {
    assertThatThrownBy(
            () ->
                InferenceRequest.builder()
                    .input(Tensor.ofFloats("x", new long[] {1}, new float[] {1f}))
                    .targetModel(target)
                    .build())
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("target model");
  }

  @Test
  void aMultiModelNeedsAnArtifactAndNoSignatureOfItsOwn() {
    Model m = Model.builder().name("fleet").artifact("file:///models/").multiModel(true).build();
    assertThat(m.multiModel()).isTrue();
    assertThat(m.toBuilder().build()).isEqualTo(m);
    assertThat(m).isNotEqualTo(m.toBuilder().multiModel(false).build());
    assertThatThrownBy(() -> Model.builder().name("fleet").image("img:1").multiModel(true).build())
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("multi-model 'fleet'");
    assertThatThrownBy(
            () ->
                Model.builder()
                    .name("fleet")
                    .artifact("file:///models/")
                    .sha256("0".repeat(64))
                    .multiModel(true)
                    .build())
        .isInstanceOf(InvalidInputException.class);
  }
}
