package io.serve4j.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.serve4j.Accelerator;
import io.serve4j.DeploymentSpec;
import io.serve4j.DeviceKind;
import io.serve4j.DeviceType;
import io.serve4j.EndpointSpec;
import io.serve4j.HardwareOffering;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.UnsupportedCapabilityException;
import io.serve4j.aws.internal.AwsOfferings;
import io.serve4j.testkit.ContractModels;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A request for SageMaker Elastic Inference (retired by AWS) gets an explanation with its sources
 * and the catalog's alternatives, before any call.
 */
class AwsElasticInferenceTest {
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

  @ParameterizedTest
  @ValueSource(strings = {"ml.eia2.medium", "eia2.xlarge", "eia1-large", "elastic-inference"})
  void deploy_elasticInferenceAccelerator_explainsItsRetirementAndNamesTheAlternatives(String id) {
    EndpointSpec spec =
        EndpointSpec.builder()
            .name("fraud")
            .deployment(
                DeploymentSpec.builder()
                    .name("blue")
                    .model(ContractModels.reluOnClasspath())
                    .accelerator(Accelerator.of(new DeviceType(id, DeviceKind.GPU), 1))
                    .build())
            .build();

    assertThatThrownBy(() -> aws.deploy(spec).await())
        .isInstanceOf(UnsupportedCapabilityException.class)
        .hasMessageContaining(id)
        .hasMessageContaining("Elastic Inference")
        .hasMessageContaining("April 15, 2023")
        .hasMessageContaining("April 2024")
        .hasMessageContaining("https://docs.aws.amazon.com/")
        .satisfies(
            e -> {
              // Every Inferentia2 single-chip row and the small T4 / A10G rows of the catalog.
              for (HardwareOffering r : AwsOfferings.all()) {
                boolean alternative =
                    (r.kind() == DeviceKind.INFERENTIA && r.count() == 1)
                        || (r.kind() == DeviceKind.GPU
                            && r.count() == 1
                            && r.vcpus() <= 4
                            && r.sku().matches("ml\\.(g4dn|g5)\\..*"));
                if (alternative) {
                  assertThat(e.getMessage()).contains(r.sku());
                }
              }
              assertThat(e.getMessage())
                  .contains("ml.inf2.xlarge", "ml.g4dn.xlarge", "ml.g5.xlarge");
            });
    assertThat(fake.calls()).isEmpty();
  }
}
