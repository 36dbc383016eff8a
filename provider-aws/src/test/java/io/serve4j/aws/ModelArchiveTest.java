package io.serve4j.aws;

import static org.assertj.core.api.Assertions.assertThat;

import io.serve4j.DeviceKind;
import io.serve4j.aws.internal.ModelArchive;
import io.serve4j.aws.internal.TritonImages;
import io.serve4j.spi.formats.TritonRepository;
import io.serve4j.testkit.ContractModels;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** SageMaker's wire bits around the shared Triton repository: the archive, names and images. */
class ModelArchiveTest {
  @Test
  void tarGz_isAValidUstarRepositoryLayout_andDeterministic() throws IOException {
    byte[] onnx = ContractModels.reluBytes();
    String config =
        TritonRepository.config("relu", ContractModels.RELU_SIGNATURE, null, DeviceKind.CPU);
    byte[] a = pack(onnx, config);
    byte[] b = pack(onnx, config);
    assertThat(a).isEqualTo(b);
    Map<String, byte[]> entries = TarEntries.read(a);
    assertThat(entries.keySet())
        .containsExactly("relu/", "relu/config.pbtxt", "relu/1/", "relu/1/model.onnx");
    assertThat(entries.get("relu/1/model.onnx")).isEqualTo(onnx);
    assertThat(new String(entries.get("relu/config.pbtxt"), StandardCharsets.UTF_8))
        .isEqualTo(config);
  }

  @Test
  void modelName_replacesCharactersTritonRejects() {
    assertThat(ModelArchive.modelName("fraud.v2/en")).isEqualTo("fraud_v2_en");
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

  private static byte[] pack(byte[] onnx, String config) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ModelArchive.writeTarGz("relu", new ByteArrayInputStream(onnx), config, out);
    return out.toByteArray();
  }
}
