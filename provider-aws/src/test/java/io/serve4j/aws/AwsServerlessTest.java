package io.serve4j.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.serve4j.Accelerator;
import io.serve4j.DeploymentSpec;
import io.serve4j.DeviceType;
import io.serve4j.Endpoint;
import io.serve4j.EndpointSpec;
import io.serve4j.InvalidInputException;
import io.serve4j.Scaling;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.testkit.ContractModels;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link Scaling#serverless} on SageMaker: the production variant carries a {@code
 * ServerlessConfig} and neither an instance type nor an instance count, nothing is registered with
 * Application Auto Scaling, and what SageMaker would refuse (API_ProductionVariantServerlessConfig
 * ranges, the serverless feature exclusions) is refused typed before any call.
 */
class AwsServerlessTest {
  private FakeAws fake;
  private ServingClient aws;

  @BeforeEach
  void start() {
    fake = new FakeAws().bucket("models");
    aws = Serve4j.client(AwsContractTest.options(fake).build());
  }

  @AfterEach
  void stop() {
    aws.close();
    fake.close();
  }

  private static EndpointSpec serverless(Scaling scaling) {
    return EndpointSpec.builder()
        .name("fraud")
        .deployment(
            DeploymentSpec.builder()
                .name("blue")
                .model(ContractModels.reluOnClasspath())
                .scaling(scaling)
                .build())
        .build();
  }

  @Test
  void deploy_serverlessWithProvisionedConcurrency_sendsServerlessConfigAndNoInstances() {
    Endpoint endpoint = aws.deploy(serverless(Scaling.serverless(2048, 20, 5))).await();

    JsonNode config = fake.calls("SageMaker.CreateEndpointConfig").get(0).json();
    JsonNode variant = config.get("ProductionVariants").get(0);
    assertThat(variant.has("InstanceType")).isFalse();
    assertThat(variant.has("InitialInstanceCount")).isFalse();
    assertThat(variant.get("ServerlessConfig").get("MemorySizeInMB").asInt()).isEqualTo(2048);
    assertThat(variant.get("ServerlessConfig").get("MaxConcurrency").asInt()).isEqualTo(20);
    assertThat(variant.get("ServerlessConfig").get("ProvisionedConcurrency").asInt()).isEqualTo(5);
    assertThat(fake.calls(c -> String.valueOf(c.target()).startsWith("AnyScaleFrontendService")))
        .isEmpty();
    assertThat(endpoint.describe().deployments().get(0).details())
        .containsEntry("serverless", "2048 MB, max concurrency 20, provisioned concurrency 5");
  }

  @Test
  void deploy_serverlessWithoutProvisionedConcurrency_sendsNoProvisionedConcurrency() {
    aws.deploy(serverless(Scaling.serverless(1024, 1))).await();
    JsonNode sc =
        fake.calls("SageMaker.CreateEndpointConfig")
            .get(0)
            .json()
            .at("/ProductionVariants/0/ServerlessConfig");
    assertThat(sc.get("MemorySizeInMB").asInt()).isEqualTo(1024);
    assertThat(sc.get("MaxConcurrency").asInt()).isEqualTo(1);
    assertThat(sc.has("ProvisionedConcurrency")).isFalse();
  }

  @ParameterizedTest
  @CsvSource({
    "512, 10, 0, 512 MB",
    "1500, 10, 0, 1500 MB",
    "7168, 10, 0, 7168 MB",
    "2048, 201, 0, max concurrency 201",
    "2048, 300, 250, max concurrency 300"
  })
  void deploy_serverlessOutsideSageMakersRanges_isInvalidInputBeforeAnyCall(
      int memory, int max, int provisioned, String named) {
    assertThatThrownBy(
            () -> aws.deploy(serverless(Scaling.serverless(memory, max, provisioned))).await())
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("serverless")
        .hasMessageContaining(named);
    assertThat(fake.calls()).isEmpty();
  }

  @Test
  void deploy_serverlessOnAGpuOrBesideAnotherVariant_isInvalidInputBeforeAnyCall() {
    EndpointSpec gpu =
        EndpointSpec.builder()
            .name("fraud")
            .deployment(
                DeploymentSpec.builder()
                    .name("blue")
                    .model(ContractModels.reluOnClasspath())
                    .accelerator(Accelerator.gpu(DeviceType.NVIDIA_T4, 1))
                    .scaling(Scaling.serverless(2048, 10))
                    .build())
            .build();
    assertThatThrownBy(() -> aws.deploy(gpu).await())
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("serverless")
        .hasMessageContaining("CPU only");
    EndpointSpec two =
        serverless(Scaling.serverless(2048, 10)).toBuilder()
            .deployment(DeploymentSpec.of("green", ContractModels.reluOnClasspath()))
            .traffic(Map.of("blue", 50, "green", 50))
            .build();
    assertThatThrownBy(() -> aws.deploy(two).await())
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("serverless")
        .hasMessageContaining("exactly one production variant");
    assertThat(fake.calls()).isEmpty();
  }

  @Test
  void deploy_serverlessWithDataCapture_isInvalidInputBeforeAnyCall() {
    try (ServingClient capturing =
        Serve4j.client(
            AwsContractTest.options(fake)
                .dataCapture(new AwsDataCapture(java.net.URI.create("s3://models/capture/"), 100))
                .build())) {
      assertThatThrownBy(() -> capturing.deploy(serverless(Scaling.serverless(2048, 10))).await())
          .isInstanceOf(InvalidInputException.class)
          .hasMessageContaining("serverless")
          .hasMessageContaining("data capture");
    }
    assertThat(fake.calls()).isEmpty();
  }

  @Test
  void serverless_provisionedAboveMax_isInvalidInputWhenBuilt() {
    assertThatThrownBy(() -> Scaling.serverless(2048, 5, 6))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("provisioned concurrency");
    assertThat(List.of(Scaling.serverless(2048, 5, 5).toString()))
        .containsExactly("serverless(2048 MB, max concurrency 5, provisioned 5)");
  }
}
