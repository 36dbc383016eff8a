package io.serve4j.azure.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.serve4j.DataType;
import io.serve4j.Endpoint;
import io.serve4j.EndpointSpec;
import io.serve4j.InferenceRequest;
import io.serve4j.InvalidInputException;
import io.serve4j.Model;
import io.serve4j.ModelSignature;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.Tensor;
import io.serve4j.TensorSpec;
import io.serve4j.testkit.ContractModels;
import io.serve4j.testkit.Fault;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An ONNX model deployed without a declared signature: the signature is read from the file before
 * anything is sent, so the uploaded Triton configuration lists the tensors and requests are
 * validated before sending; a declared signature that disagrees with the file is refused before any
 * call.
 */
class AzureOnnxSignatureTest {
  @TempDir Path dir;
  private FakeAzureMl fake;
  private ServingClient client;

  @BeforeEach
  void start() {
    fake = new FakeAzureMl(Duration.ofMillis(20));
    client =
        Serve4j.builder()
            .options(
                TestSupport.options(
                        fake.base(),
                        new TestSupport.StaticCredential(),
                        TestSupport.insecureHttpClient())
                    .build())
            .operationTimeout(Duration.ofSeconds(30))
            .build();
  }

  @AfterEach
  void stop() {
    client.close();
    fake.close();
  }

  @Test
  void deploy_onnxFileWithoutSignature_uploadsATritonConfigWithTheFilesTensors() {
    Model model = Model.onnx("relu", ContractModels.copyReluTo(dir));
    assertThat(model.signature()).isEmpty();
    Endpoint endpoint = client.deploy(EndpointSpec.of("fraud", model)).await();

    String config =
        fake.blobs.entrySet().stream()
            .filter(e -> e.getKey().endsWith("config.pbtxt"))
            .map(Map.Entry::getValue)
            .map(b -> new String(b, StandardCharsets.UTF_8))
            .findFirst()
            .orElseThrow();
    assertThat(config)
        .contains(
            "input [\n  {\n    name: \"x\"\n    data_type: TYPE_FP32\n    dims: [ 1, 2 ]",
            "output [\n  {\n    name: \"y\"\n    data_type: TYPE_FP32\n    dims: [ 1, 2 ]");
    assertThat(endpoint.describe().deployments().get(0).signature())
        .contains(ContractModels.RELU_SIGNATURE);

    long before = fake.requests(Fault.Call.PREDICT);
    InferenceRequest wrong =
        InferenceRequest.of(Tensor.ofFloats("x", new long[] {1, 3}, new float[] {1, 2, 3}));
    assertThatThrownBy(() -> endpoint.predict(wrong)).isInstanceOf(InvalidInputException.class);
    assertThat(fake.requests(Fault.Call.PREDICT)).isEqualTo(before);
  }

  @Test
  void deploy_declaredSignatureDisagreeingWithTheFile_isInvalidInputBeforeAnyCall() {
    Model model =
        Model.onnx("relu", ContractModels.copyReluTo(dir)).toBuilder()
            .signature(
                new ModelSignature(
                    List.of(TensorSpec.of("x", DataType.FP32, 1, 2)),
                    List.of(TensorSpec.of("z", DataType.FP32, 1, 2))))
            .build();
    assertThatThrownBy(() -> client.deploy(EndpointSpec.of("fraud", model)).await())
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("disagrees with its ONNX file")
        .hasMessageContaining("output 'z' is not in the file");
    assertThat(fake.wireCalls.log()).isEmpty();
    assertThat(fake.blobs).isEmpty();
  }
}
