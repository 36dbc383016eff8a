package io.serve4j.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.serve4j.Accelerator;
import io.serve4j.DeploymentSpec;
import io.serve4j.DeviceType;
import io.serve4j.Endpoint;
import io.serve4j.EndpointSpec;
import io.serve4j.InferenceRequest;
import io.serve4j.InvalidInputException;
import io.serve4j.Model;
import io.serve4j.ModelFormat;
import io.serve4j.NotFoundException;
import io.serve4j.ResponseStream;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.UnsupportedCapabilityException;
import io.serve4j.testkit.ContractModels;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * SageMaker multi-model endpoints through the real SDK clients against {@link FakeAws}: CreateModel
 * in MultiModel mode over an S3 prefix (nothing staged), TargetModel on each request (loaded on
 * first use), a missing model typed NotFound, and what SageMaker cannot serve refused before any
 * call.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AwsMultiModelTest {
  private FakeAws fake;
  private ServingClient client;

  @BeforeAll
  void start() {
    fake = new FakeAws().bucket("models");
    byte[] archive = "a Triton model repository archive".getBytes(StandardCharsets.UTF_8);
    fake.object("models", "tenants/a.tar.gz", archive);
    fake.object("models", "tenants/b.tar.gz", archive);
    client = Serve4j.builder().options(AwsContractTest.options(fake).build()).build();
  }

  @AfterAll
  void stop() {
    client.close();
    fake.close();
  }

  private static Model multiModel(String artifact) {
    return Model.builder()
        .name("tenants")
        .format(ModelFormat.ONNX)
        .artifact(URI.create(artifact))
        .multiModel(true)
        .build();
  }

  private static InferenceRequest request(String target) {
    return ContractModels.reluRequest(1f, -2f).toBuilder().targetModel(target).build();
  }

  @Test
  void deploy_multiModel_createsAMultiModelContainerOverThePrefixAndStagesNothing() {
    Set<String> objectsBefore = fake.objectKeys();
    client.deploy(EndpointSpec.of("mme-deploy", multiModel("s3://models/tenants"))).await();

    JsonNode create =
        fake.calls("SageMaker.CreateModel").stream()
            .map(FakeAws.Call::json)
            .filter(j -> j.path("ModelName").asText().startsWith("mme-deploy"))
            .findFirst()
            .orElseThrow();
    JsonNode container = create.path("PrimaryContainer");
    assertThat(container.path("Mode").asText()).isEqualTo("MultiModel");
    assertThat(container.path("ModelDataUrl").asText()).isEqualTo("s3://models/tenants/");
    assertThat(container.path("Environment").has("SAGEMAKER_TRITON_DEFAULT_MODEL_NAME")).isFalse();
    assertThat(fake.objectKeys()).isEqualTo(objectsBefore);
  }

  @Test
  void predict_withTargetModel_sendsTargetModelAndLoadsEachModelOnFirstUse() {
    client.deploy(EndpointSpec.of("mme-load", multiModel("s3://models/tenants/"))).await();
    Endpoint endpoint = client.endpoint("mme-load");
    assertThat(fake.loadedModels("mme-load")).isEmpty();

    assertThat(endpoint.predict(request("a.tar.gz")).outputs()).isNotEmpty();
    assertThat(fake.loadedModels("mme-load")).containsExactly("a.tar.gz");
    endpoint.predict(request("b.tar.gz"));
    endpoint.predict(request("a.tar.gz"));
    assertThat(fake.loadedModels("mme-load")).containsExactly("a.tar.gz", "b.tar.gz");

    assertThat(
            fake.calls(c -> c.path().endsWith("/invocations")).stream()
                .map(c -> c.header("X-Amzn-SageMaker-Target-Model"))
                .toList())
        .endsWith("a.tar.gz", "b.tar.gz", "a.tar.gz");
  }

  @Test
  void predict_whenThePrefixDoesNotHoldTheModel_isNotFoundNamingIt() {
    client.deploy(EndpointSpec.of("mme-missing", multiModel("s3://models/tenants/"))).await();
    assertThatThrownBy(() -> client.endpoint("mme-missing").predict(request("nope.tar.gz")))
        .isInstanceOf(NotFoundException.class)
        .hasMessageContaining("nope.tar.gz")
        .hasMessageContaining("mme-missing");
  }

  @Test
  void stream_withTargetModel_isRefusedTypedWithoutACall() {
    client.deploy(EndpointSpec.of("mme-stream", multiModel("s3://models/tenants/"))).await();
    fake.clearCalls();
    assertThatThrownBy(
            () -> {
              try (ResponseStream chunks =
                  client.endpoint("mme-stream").stream(request("a.tar.gz"))) {
                chunks.forEach(c -> {});
              }
            })
        .isInstanceOf(UnsupportedCapabilityException.class)
        .hasMessageContaining("TargetModel");
    assertThat(fake.calls(c -> c.path().contains("invocations"))).isEmpty();
  }

  @Test
  void deploy_multiModelWithANonS3Artifact_isRefusedBeforeAnyCall() {
    fake.clearCalls();
    assertThatThrownBy(
            () ->
                client
                    .deploy(EndpointSpec.of("mme-local", multiModel("file:///srv/models/")))
                    .await())
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("s3://bucket/prefix/");
    assertThat(fake.calls()).isEmpty();
  }

  @Test
  void deploy_multiModelOnAGpuWithoutTriton_isRefusedBeforeAnyCall() {
    fake.clearCalls();
    Model custom =
        Model.builder()
            .name("llms")
            .format(ModelFormat.CUSTOM_CONTAINER)
            .image("123456789012.dkr.ecr.us-east-1.amazonaws.com/my-mms:1")
            .artifact(URI.create("s3://models/tenants/"))
            .multiModel(true)
            .build();
    EndpointSpec spec =
        EndpointSpec.builder()
            .name("mme-gpu")
            .deployment(
                DeploymentSpec.builder()
                    .name("default")
                    .model(custom)
                    .accelerator(Accelerator.gpu(DeviceType.NVIDIA_T4, 1))
                    .build())
            .build();
    assertThatThrownBy(() -> client.deploy(spec).await())
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("Triton")
        .hasMessageContaining(
            "https://docs.aws.amazon.com/sagemaker/latest/dg/multi-model-support.html");
    assertThat(fake.calls()).isEmpty();
  }
}
