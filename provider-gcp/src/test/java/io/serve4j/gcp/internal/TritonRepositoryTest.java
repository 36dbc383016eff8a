package io.serve4j.gcp.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.serve4j.BatchingPolicy;
import io.serve4j.DataType;
import io.serve4j.InvalidInputException;
import io.serve4j.ModelSignature;
import io.serve4j.TensorSpec;
import io.serve4j.testkit.ContractModels;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class TritonRepositoryTest {
  @Test
  void config_fromSignature_withoutBatching_keepsFullDims() {
    String c = TritonRepository.config("relu", ContractModels.RELU_SIGNATURE, null);
    assertThat(c)
        .isEqualTo(
            "name: \"relu\"\n"
                + "backend: \"onnxruntime\"\n"
                + "max_batch_size: 0\n"
                + "input [\n  {\n    name: \"x\"\n    data_type: TYPE_FP32\n    dims: [ 1, 2 ]\n  }\n]\n"
                + "output [\n  {\n    name: \"y\"\n    data_type: TYPE_FP32\n    dims: [ 1, 2 ]\n  }\n]\n");
  }

  @Test
  void config_withBatching_dropsBatchDimAndAddsDynamicBatching() {
    ModelSignature sig =
        new ModelSignature(
            List.of(
                TensorSpec.of("ids", DataType.INT64, -1, 128),
                TensorSpec.of("text", DataType.BYTES, -1)),
            List.of(TensorSpec.of("emb", DataType.FP16, -1, 384)));
    String c = TritonRepository.config("m", sig, BatchingPolicy.of(16, Duration.ofMillis(2)));
    assertThat(c)
        .contains("max_batch_size: 16")
        .contains("data_type: TYPE_INT64\n    dims: [ 128 ]")
        .contains("data_type: TYPE_STRING\n    dims: [ 1 ]\n    reshape: { shape: [ ] }")
        .contains("data_type: TYPE_FP16\n    dims: [ 384 ]")
        .contains("max_queue_delay_microseconds: 2000")
        .contains("max_queue_size: 1024")
        .doesNotContain("preferred_batch_size")
        .as("one instance is Triton's default: no instance_group")
        .doesNotContain("instance_group");
  }

  @Test
  void config_withBatchingInstances_runsThatManyModelInstances() {
    ModelSignature sig =
        new ModelSignature(
            List.of(TensorSpec.of("x", DataType.FP32, -1, 64)),
            List.of(TensorSpec.of("y", DataType.FP32, -1, 10)));
    String c =
        TritonRepository.config(
            "mlp", sig, BatchingPolicy.of(16, Duration.ofMillis(1)).withInstances(3));
    assertThat(c).contains("instance_group [\n  {\n    count: 3\n  }\n]");
  }

  @Test
  void config_withBatchingOnFixedFirstDim_throwsInvalidInput() {
    assertThatThrownBy(
            () ->
                TritonRepository.config(
                    "relu", ContractModels.RELU_SIGNATURE, BatchingPolicy.of(4, Duration.ZERO)))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("dynamic first dimension");
  }

  @Test
  void config_withoutSignature_letsTritonCompleteIt() {
    assertThat(TritonRepository.config("m", null, null))
        .isEqualTo("name: \"m\"\nbackend: \"onnxruntime\"\nmax_batch_size: 0\n");
  }

  @Test
  void layout_isNameVersionOneModelOnnx() {
    assertThat(TritonRepository.modelPath("m")).isEqualTo("m/1/model.onnx");
    assertThat(TritonRepository.configPath("m")).isEqualTo("m/config.pbtxt");
  }
}
