package io.serve4j.aws;

import static org.assertj.core.api.Assertions.assertThat;

import io.serve4j.BatchingPolicy;
import io.serve4j.DataType;
import io.serve4j.DeviceKind;
import io.serve4j.ModelSignature;
import io.serve4j.TensorSpec;
import io.serve4j.aws.internal.TritonImages;
import io.serve4j.aws.internal.TritonRepository;
import io.serve4j.testkit.ContractModels;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TritonRepositoryTest {
  @Test
  void config_withoutBatching_keepsFullShapesAndMaxBatchSizeZero() {
    String c = TritonRepository.config("relu", ContractModels.RELU_SIGNATURE, null, DeviceKind.CPU);
    assertThat(c)
        .isEqualTo(
            """
            name: "relu"
            platform: "onnxruntime_onnx"
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
            instance_group [
              {
                count: 1
                kind: KIND_CPU
              }
            ]
            """);
  }

  @Test
  void config_withBatchingInstances_runsThatManyModelInstances() {
    ModelSignature sig =
        new ModelSignature(
            List.of(TensorSpec.of("x", DataType.FP32, -1, 64)),
            List.of(TensorSpec.of("y", DataType.FP32, -1, 10)));
    String c =
        TritonRepository.config(
            "mlp", sig, BatchingPolicy.of(16, Duration.ofMillis(1)).withInstances(2), null);
    assertThat(c).contains("instance_group [\n  {\n    count: 2\n    kind: KIND_CPU\n  }\n]");
  }

  @Test
  void config_withBatching_dropsBatchDimensionAndAddsDynamicBatching() {
    ModelSignature sig =
        new ModelSignature(
            List.of(TensorSpec.of("ids", DataType.INT64, -1, 128)),
            List.of(TensorSpec.of("emb", DataType.FP16, -1, 384)));
    String c =
        TritonRepository.config(
            "minilm",
            sig,
            new BatchingPolicy(16, Duration.ofMillis(5), List.of(4, 8), 256),
            DeviceKind.GPU);
    assertThat(c)
        .contains("max_batch_size: 16")
        .contains("data_type: TYPE_INT64\n    dims: [ 128 ]")
        .contains("data_type: TYPE_FP16\n    dims: [ 384 ]")
        .contains("instance_group [\n  {\n    count: 1\n    kind: KIND_GPU")
        .contains(
            "dynamic_batching {\n  preferred_batch_size: [ 4, 8 ]\n"
                + "  max_queue_delay_microseconds: 5000\n"
                + "  default_queue_policy {\n    max_queue_size: 256\n  }\n}\n");
  }

  @Test
  void tritonType_mapsBytesToString() {
    assertThat(TritonRepository.tritonType(DataType.BYTES)).isEqualTo("TYPE_STRING");
    assertThat(TritonRepository.tritonType(DataType.UINT8)).isEqualTo("TYPE_UINT8");
  }

  @Test
  void tarGz_isAValidUstarRepositoryLayout_andDeterministic() throws IOException {
    byte[] onnx = ContractModels.reluBytes();
    byte[] a = pack(onnx);
    byte[] b = pack(onnx);
    assertThat(a).isEqualTo(b);
    Map<String, byte[]> entries = TarEntries.read(a);
    assertThat(entries.keySet())
        .containsExactly("relu/", "relu/config.pbtxt", "relu/1/", "relu/1/model.onnx");
    assertThat(entries.get("relu/1/model.onnx")).isEqualTo(onnx);
    assertThat(new String(entries.get("relu/config.pbtxt"), StandardCharsets.UTF_8))
        .startsWith("name: \"relu\"");
  }

  @Test
  void modelName_replacesCharactersTritonRejects() {
    assertThat(TritonRepository.modelName("fraud.v2/en")).isEqualTo("fraud_v2_en");
  }

  @Test
  void images_comeFromTheRegionTable() {
    assertThat(TritonImages.uri("eu-south-1"))
        .isEqualTo(
            "692866216735.dkr.ecr.eu-south-1.amazonaws.com/sagemaker-tritonserver:24.09-py3");
    assertThat(TritonImages.uri("cn-north-1"))
        .startsWith("727897471807.dkr.ecr.cn-north-1.amazonaws.com.cn/");
    assertThat(TritonImages.source()).contains("docs.aws.amazon.com");
  }

  private static byte[] pack(byte[] onnx) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    TritonRepository.writeTarGz(
        "relu",
        new ByteArrayInputStream(onnx),
        TritonRepository.config("relu", ContractModels.RELU_SIGNATURE, null, DeviceKind.CPU),
        out);
    return out.toByteArray();
  }
}
