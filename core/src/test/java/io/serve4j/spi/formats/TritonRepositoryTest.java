package io.serve4j.spi.formats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.serve4j.BatchingPolicy;
import io.serve4j.DataType;
import io.serve4j.DeviceKind;
import io.serve4j.InvalidInputException;
import io.serve4j.ModelSignature;
import io.serve4j.TensorSpec;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Golden checks of {@code config.pbtxt} against Triton's model configuration
 * (docs/user_guide/model_configuration.md, model_config.proto).
 */
class TritonRepositoryTest {
  private static final ModelSignature FIXED =
      new ModelSignature(
          List.of(TensorSpec.of("x", DataType.FP32, 1, 2)),
          List.of(TensorSpec.of("y", DataType.FP32, 1, 2)));

  @Test
  void config_withoutBatching_keepsFullShapesAndMaxBatchSizeZero() {
    assertThat(TritonRepository.config("relu", FIXED, null, null))
        .isEqualTo(
            """
            name: "relu"
            backend: "onnxruntime"
            max_batch_size: 0
            input [
              {
                name: "x"
                data_type: TYPE_FP32
                dims: [ 1, 2 ]
              }
            ]
            output [
              {
                name: "y"
                data_type: TYPE_FP32
                dims: [ 1, 2 ]
              }
            ]
            """);
  }

  @Test
  void config_withBatchingAndDevice_dropsBatchDimAndWritesEverySection() {
    ModelSignature sig =
        new ModelSignature(
            List.of(
                TensorSpec.of("ids", DataType.INT64, -1, -1),
                TensorSpec.of("text", DataType.BYTES, -1)),
            List.of(TensorSpec.of("emb", DataType.FP16, -1, 384)));
    String c =
        TritonRepository.config(
            "minilm",
            sig,
            new BatchingPolicy(16, Duration.ofMillis(5), List.of(4, 8), 256, 2),
            DeviceKind.GPU);
    assertThat(c)
        .isEqualTo(
            """
            name: "minilm"
            backend: "onnxruntime"
            max_batch_size: 16
            input [
              {
                name: "ids"
                data_type: TYPE_INT64
                dims: [ -1 ]
              },
              {
                name: "text"
                data_type: TYPE_STRING
                dims: [ 1 ]
                reshape: { shape: [ ] }
              }
            ]
            output [
              {
                name: "emb"
                data_type: TYPE_FP16
                dims: [ 384 ]
              }
            ]
            instance_group [
              {
                count: 2
                kind: KIND_GPU
              }
            ]
            dynamic_batching {
              preferred_batch_size: [ 4, 8 ]
              max_queue_delay_microseconds: 5000
              default_queue_policy {
                max_queue_size: 256
              }
            }
            """);
  }

  @Test
  void config_oneInstanceOfUnknownKind_leavesInstanceGroupToTriton() {
    ModelSignature sig =
        new ModelSignature(
            List.of(TensorSpec.of("x", DataType.FP32, -1, 64)),
            List.of(TensorSpec.of("y", DataType.FP32, -1, 10)));
    assertThat(TritonRepository.config("m", sig, BatchingPolicy.of(8, Duration.ZERO), null))
        .doesNotContain("instance_group")
        .doesNotContain("preferred_batch_size")
        .contains("max_queue_delay_microseconds: 0\n")
        .contains("max_queue_size: 512\n");
    assertThat(
            TritonRepository.config(
                "m", sig, BatchingPolicy.of(8, Duration.ZERO).withInstances(3), DeviceKind.TPU))
        .contains("instance_group [\n  {\n    count: 3\n  }\n]\n");
    assertThat(TritonRepository.config("m", FIXED, null, DeviceKind.CPU))
        .contains("instance_group [\n  {\n    count: 1\n    kind: KIND_CPU\n  }\n]\n");
  }

  @Test
  void config_scalarWithoutBatching_isOneReshapedToScalar() {
    ModelSignature sig =
        new ModelSignature(
            List.of(TensorSpec.of("t", DataType.FP32)), List.of(TensorSpec.of("y", DataType.BOOL)));
    assertThat(TritonRepository.config("s", sig, null, null))
        .contains(
            "name: \"t\"\n    data_type: TYPE_FP32\n    dims: [ 1 ]\n    reshape: { shape: [ ] }\n")
        .contains("data_type: TYPE_BOOL\n    dims: [ 1 ]\n    reshape: { shape: [ ] }\n");
  }

  @Test
  void config_withoutSignature_letsTritonCompleteTheTensors() {
    assertThat(TritonRepository.config("m", null, null, null))
        .isEqualTo("name: \"m\"\nbackend: \"onnxruntime\"\nmax_batch_size: 0\n");
    assertThat(TritonRepository.config("m", null, BatchingPolicy.of(4, Duration.ofMillis(1)), null))
        .startsWith("name: \"m\"\nbackend: \"onnxruntime\"\nmax_batch_size: 4\ndynamic_batching {");
  }

  @Test
  void config_withBatchingOnFixedFirstDim_throwsInvalidInput() {
    assertThatThrownBy(
            () -> TritonRepository.config("relu", FIXED, BatchingPolicy.of(4, Duration.ZERO), null))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("dynamic first dimension");
  }

  @Test
  void config_quotesNamesAsProtobufTextStrings() {
    ModelSignature sig =
        new ModelSignature(
            List.of(TensorSpec.of("in\"put\\0\n", DataType.FP32, 1)),
            List.of(TensorSpec.of("out:0", DataType.FP32, 1)));
    assertThat(TritonRepository.config("m", sig, null, null))
        .contains("name: \"in\\\"put\\\\0\\n\"\n")
        .contains("name: \"out:0\"\n");
  }

  @Test
  void config_queueDelayBeyondLongNanos_saturatesInsteadOfOverflowing() {
    BatchingPolicy huge = BatchingPolicy.of(2, Duration.ofSeconds(Long.MAX_VALUE / 1000));
    assertThat(TritonRepository.config("m", null, huge, null))
        .contains("max_queue_delay_microseconds: " + Long.MAX_VALUE + "\n");
  }

  @ParameterizedTest
  @CsvSource({
    "BOOL, TYPE_BOOL",
    "UINT8, TYPE_UINT8",
    "UINT16, TYPE_UINT16",
    "UINT32, TYPE_UINT32",
    "UINT64, TYPE_UINT64",
    "INT8, TYPE_INT8",
    "INT16, TYPE_INT16",
    "INT32, TYPE_INT32",
    "INT64, TYPE_INT64",
    "FP16, TYPE_FP16",
    "FP32, TYPE_FP32",
    "FP64, TYPE_FP64",
    "BYTES, TYPE_STRING"
  })
  void dataType_isTritonsDataTypeEnum(DataType type, String triton) {
    assertThat(TritonRepository.dataType(type)).isEqualTo(triton);
  }

  @Test
  void dataType_coversEveryDataType() {
    assertThat(DataType.values()).hasSize(13);
  }

  @Test
  void layout_isNameVersionOneModelOnnx() {
    assertThat(TritonRepository.configPath("m")).isEqualTo("m/config.pbtxt");
    assertThat(TritonRepository.versionPath("m")).isEqualTo("m/1/");
    assertThat(TritonRepository.modelPath("m")).isEqualTo("m/1/model.onnx");
  }

  @Test
  void names_thatCannotBeADirectory_areInvalid() {
    for (String bad : new String[] {"", ".", "..", "a/b", "a\\b"}) {
      assertThatThrownBy(() -> TritonRepository.modelPath(bad))
          .as(bad)
          .isInstanceOf(InvalidInputException.class);
      assertThatThrownBy(() -> TritonRepository.config(bad, null, null, null))
          .as(bad)
          .isInstanceOf(InvalidInputException.class);
    }
  }
}
