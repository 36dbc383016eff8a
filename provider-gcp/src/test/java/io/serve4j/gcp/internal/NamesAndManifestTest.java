package io.serve4j.gcp.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.serve4j.BatchingPolicy;
import io.serve4j.DeploymentSpec;
import io.serve4j.EndpointSpec;
import io.serve4j.InvalidInputException;
import io.serve4j.Model;
import io.serve4j.ModelFormat;
import io.serve4j.testkit.ContractModels;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NamesAndManifestTest {
  @Test
  void endpointId_lowerCasesAndGuardsLeadingDigit() {
    assertThat(VertexNames.endpointId("Fraud-V2")).isEqualTo("fraud-v2");
    assertThat(VertexNames.endpointId("2024-model")).isEqualTo("e-2024-model");
    assertThatThrownBy(() -> VertexNames.endpointId("trailing-"))
        .isInstanceOf(InvalidInputException.class);
  }

  @Test
  void modelIdAndAlias_fitVertexRules() {
    assertThat(VertexNames.modelId("MiniLM.v2")).isEqualTo("minilm-v2");
    assertThat(VertexNames.modelId("3d-net")).isEqualTo("m-3d-net");
    Model m =
        Model.builder()
            .name("x")
            .version("2.1")
            .format(ModelFormat.ONNX)
            .artifact("gs://b/x/")
            .build();
    assertThat(VertexNames.versionAlias(m, null)).isEqualTo("v2-1");
    assertThat(VertexNames.versionAlias(m, BatchingPolicy.of(4, Duration.ZERO)))
        .startsWith("v2-1-b");
  }

  @Test
  void manifest_roundTripsThroughEndpointDescription() {
    EndpointSpec spec =
        EndpointSpec.builder()
            .name("e")
            .deployment(DeploymentSpec.of("blue", ContractModels.reluOnClasspath()))
            .deployment(
                DeploymentSpec.of(
                    "green", ContractModels.reluOnClasspath().toBuilder().version("2").build()))
            .traffic(Map.of("blue", 50, "green", 50))
            .build();
    Manifest m = Manifest.of(spec, Manifest.OIP);
    Manifest back = Manifest.parse(m.toJson()).orElseThrow();
    assertThat(back).isEqualTo(m);
    assertThat(back.deployments().get("green").version()).isEqualTo("2");
    assertThat(back.deployments().get("blue").signature()).isEqualTo(ContractModels.RELU_SIGNATURE);
  }

  @Test
  void manifest_ignoresForeignDescriptions() {
    assertThat(Manifest.parse("my endpoint")).isEmpty();
    assertThat(Manifest.parse("{\"other\":1}")).isEmpty();
    assertThat(Manifest.parse(null)).isEmpty();
  }
}
