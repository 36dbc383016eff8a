package io.serve4j.gcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.api.gax.core.NoCredentialsProvider;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.contrib.nio.testing.LocalStorageHelper;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * An ONNX model deployed without a declared signature: the signature is read from the file before
 * anything is sent, so the staged Triton configuration lists the tensors and requests are validated
 * before sending; a declared signature that disagrees with the file is refused before any call.
 */
@Timeout(60)
class GcpOnnxSignatureTest {
  @TempDir Path dir;
  private FakeVertex vertex;
  private Storage storage;
  private ServingClient client;

  @BeforeEach
  void start() {
    vertex = new FakeVertex(Duration.ofMillis(50), 1, ContractModels::reluAnswer);
    storage = LocalStorageHelper.getOptions().getService();
    client =
        Serve4j.builder()
            .operationTimeout(Duration.ofMinutes(1))
            .options(
                GcpOptions.builder()
                    .project("test-project")
                    .location("us-central1")
                    .credentialsProvider(NoCredentialsProvider.create())
                    .transportChannelProvider(vertex.channelProvider())
                    .storage(storage)
                    .stagingBucket("staging")
                    .serviceAccount("serving@test-project.iam.gserviceaccount.com")
                    .tritonImage("us-docker.pkg.dev/test-project/serving/tritonserver:24.08-py3")
                    .pollInterval(Duration.ofMillis(20))
                    .build())
            .build();
  }

  @AfterEach
  void stop() {
    client.close();
    vertex.close();
  }

  @Test
  void deploy_onnxFileWithoutSignature_stagesATritonConfigWithTheFilesTensors() {
    Model model = Model.onnx("relu", ContractModels.copyReluTo(dir));
    assertThat(model.signature()).isEmpty();
    Endpoint endpoint = client.deploy(EndpointSpec.of("fraud", model)).await();

    String config =
        new String(
            storage.readAllBytes(BlobId.of("staging", "serve4j/relu/v1/relu/config.pbtxt")),
            StandardCharsets.UTF_8);
    assertThat(config)
        .contains(
            "input [\n  {\n    name: \"x\"\n    data_type: TYPE_FP32\n    dims: [ 1, 2 ]",
            "output [\n  {\n    name: \"y\"\n    data_type: TYPE_FP32\n    dims: [ 1, 2 ]");
    assertThat(endpoint.describe().deployments().get(0).signature())
        .contains(ContractModels.RELU_SIGNATURE);

    long before = vertex.requests(Fault.Call.PREDICT);
    InferenceRequest wrong =
        InferenceRequest.of(Tensor.ofFloats("x", new long[] {1, 3}, new float[] {1, 2, 3}));
    assertThatThrownBy(() -> endpoint.predict(wrong)).isInstanceOf(InvalidInputException.class);
    assertThat(vertex.requests(Fault.Call.PREDICT)).isEqualTo(before);
  }

  @Test
  void deploy_declaredSignatureDisagreeingWithTheFile_isInvalidInputBeforeAnyCall() {
    Model model =
        Model.onnx("relu", ContractModels.copyReluTo(dir)).toBuilder()
            .signature(
                new ModelSignature(
                    List.of(TensorSpec.of("x", DataType.FP32, 1, 3)),
                    List.of(TensorSpec.of("y", DataType.FP32, 1, 2))))
            .build();
    assertThatThrownBy(() -> client.deploy(EndpointSpec.of("fraud", model)).await())
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("disagrees with its ONNX file")
        .hasMessageContaining("x:FP32[1, 3]");
    assertThat(vertex.wireCalls.log()).isEmpty();
    assertThat(storage.list("staging").iterateAll()).isEmpty();
  }
}
