package io.serve4j.aws;

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
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An ONNX model deployed without a declared signature: the signature is read from the file before
 * anything is sent, so the Triton configuration lists the tensors and requests are validated before
 * sending; a declared signature that disagrees with the file is refused before any call.
 */
class AwsOnnxSignatureTest {
  @TempDir Path dir;
  private FakeAws fake;

  @BeforeEach
  void start() {
    fake = new FakeAws().bucket("models");
  }

  @AfterEach
  void stop() {
    fake.close();
  }

  @Test
  void deploy_onnxFileWithoutSignature_writesTheFilesTensorsIntoTheTritonConfig() {
    Model model = Model.onnx("relu", ContractModels.copyReluTo(dir));
    assertThat(model.signature()).isEmpty();
    try (ServingClient aws = Serve4j.client(AwsContractTest.options(fake).build())) {
      Endpoint endpoint = aws.deploy(EndpointSpec.of("fraud", model)).await();

      FakeAws.Call put =
          fake.calls(c -> c.method().equals("PUT") && c.path().startsWith("/models/")).get(0);
      Map<String, byte[]> tar = TarEntries.read(put.body());
      assertThat(new String(tar.get("relu/config.pbtxt"), StandardCharsets.UTF_8))
          .contains(
              "input [\n  {\n    name: \"x\"\n    data_type: TYPE_FP32\n    dims: [ 1, 2 ]",
              "output [\n  {\n    name: \"y\"\n    data_type: TYPE_FP32\n    dims: [ 1, 2 ]");
      assertThat(endpoint.describe().deployments().get(0).signature())
          .contains(ContractModels.RELU_SIGNATURE);

      // Validated before sending: a request of the wrong shape never reaches the endpoint.
      fake.clearCalls();
      InferenceRequest wrong =
          InferenceRequest.of(Tensor.ofFloats("x", new long[] {1, 3}, new float[] {1, 2, 3}));
      assertThatThrownBy(() -> endpoint.predict(wrong)).isInstanceOf(InvalidInputException.class);
      assertThat(fake.calls("SageMaker.InvokeEndpoint")).isEmpty();
      assertThat(fake.calls(c -> c.path().contains("/invocations"))).isEmpty();
    }
  }

  @Test
  void deploy_declaredSignatureDisagreeingWithTheFile_isInvalidInputBeforeAnyCall() {
    Model model =
        Model.onnx("relu", ContractModels.copyReluTo(dir)).toBuilder()
            .signature(
                new ModelSignature(
                    List.of(TensorSpec.of("x", DataType.INT64, 1, 2)),
                    List.of(TensorSpec.of("y", DataType.FP32, 1, 2))))
            .build();
    try (ServingClient aws = Serve4j.client(AwsContractTest.options(fake).build())) {
      assertThatThrownBy(() -> aws.deploy(EndpointSpec.of("fraud", model)).await())
          .isInstanceOf(InvalidInputException.class)
          .hasMessageContaining("disagrees with its ONNX file")
          .hasMessageContaining("x:INT64[1, 2]")
          .hasMessageContaining("x:FP32[1, 2]");
      assertThat(fake.calls()).isEmpty();
    }
  }
}
