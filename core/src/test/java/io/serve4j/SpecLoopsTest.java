package io.serve4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.serve4j.internal.CapabilityCheck;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The spec checks that were streams and are loops now (cold start): duplicate names, batchable
 * signatures, live deployments beside a mirror, and the capabilities they need.
 */
class SpecLoopsTest {
  private static final Model MODEL =
      Model.builder().name("m").artifact(URI.create("file:/tmp/m.onnx")).build();

  @Test
  void signature_duplicateInputOrOutputNames_areRejected() {
    TensorSpec x = TensorSpec.of("x", DataType.FP32, -1, 4);
    TensorSpec y = TensorSpec.of("y", DataType.FP32, -1, 2);
    assertThatThrownBy(() -> new ModelSignature(List.of(x, x), List.of(y)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("duplicate input names");
    assertThatThrownBy(() -> new ModelSignature(List.of(x), List.of(y, y)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("duplicate output names");
    assertThat(new ModelSignature(List.of(x, y), List.of(x, y)).inputs()).hasSize(2);
  }

  @Test
  void signature_isBatchable_onlyWithADynamicFirstDimensionEverywhere() {
    TensorSpec dynamic = TensorSpec.of("x", DataType.FP32, -1, 4);
    TensorSpec fixed = TensorSpec.of("f", DataType.FP32, 1, 4);
    TensorSpec scalar = TensorSpec.of("s", DataType.FP32);
    TensorSpec out = TensorSpec.of("y", DataType.FP32, -1, 2);
    assertThat(new ModelSignature(List.of(dynamic), List.of(out)).isBatchable()).isTrue();
    assertThat(new ModelSignature(List.of(dynamic, fixed), List.of(out)).isBatchable()).isFalse();
    assertThat(new ModelSignature(List.of(dynamic), List.of(out, scalar)).isBatchable()).isFalse();
    assertThat(new ModelSignature(List.of(scalar), List.of(out)).isBatchable()).isFalse();
    assertThat(new ModelSignature(List.of(), List.of(out)).isBatchable()).isFalse();
  }

  @Test
  void endpoint_duplicateDeploymentNames_areRejected() {
    assertThatThrownBy(
            () ->
                EndpointSpec.builder()
                    .name("e")
                    .deployment(DeploymentSpec.of("a", MODEL))
                    .deployment(DeploymentSpec.of("a", MODEL))
                    .build())
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("duplicate deployment names");
  }

  @Test
  void endpoint_oneLiveDeploymentBesideAMirror_getsAllTraffic_andTwoLiveNeedATrafficSplit() {
    EndpointSpec mirrored =
        EndpointSpec.builder()
            .name("e")
            .deployment(DeploymentSpec.of("live", MODEL))
            .deployment(DeploymentSpec.of("shadow", MODEL))
            .mirror(new Mirror("shadow", 10))
            .build();
    assertThat(mirrored.traffic()).isEqualTo(Map.of("live", 100));
    assertThat(mirrored.deployment("shadow")).map(DeploymentSpec::name).contains("shadow");
    assertThat(mirrored.deployment("none")).isEmpty();
    assertThatThrownBy(
            () ->
                EndpointSpec.builder()
                    .name("e")
                    .deployment(DeploymentSpec.of("a", MODEL))
                    .deployment(DeploymentSpec.of("b", MODEL))
                    .build())
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("has 2 live deployments");
  }

  @Test
  void capabilityCheck_countsLiveDeploymentsWithoutTheMirror() {
    EndpointSpec mirrored =
        EndpointSpec.builder()
            .name("e")
            .deployment(DeploymentSpec.of("live", MODEL))
            .deployment(DeploymentSpec.of("shadow", MODEL))
            .mirror(new Mirror("shadow", 10))
            .build();
    // one live deployment: a shadow is needed, a traffic split is not
    CapabilityCheck.check("p", Set.of(Capability.SHADOW), mirrored);
    assertThatThrownBy(() -> CapabilityCheck.check("p", Set.of(), mirrored))
        .isInstanceOf(UnsupportedCapabilityException.class)
        .hasMessageContaining("SHADOW");
    EndpointSpec split =
        EndpointSpec.builder()
            .name("e")
            .deployment(DeploymentSpec.of("a", MODEL))
            .deployment(DeploymentSpec.of("b", MODEL))
            .traffic(Map.of("a", 50, "b", 50))
            .build();
    assertThatThrownBy(() -> CapabilityCheck.check("p", Set.of(Capability.SHADOW), split))
        .isInstanceOf(UnsupportedCapabilityException.class)
        .hasMessageContaining("TRAFFIC_SPLIT");
    CapabilityCheck.check("p", Set.of(Capability.TRAFFIC_SPLIT), split);
  }
}
