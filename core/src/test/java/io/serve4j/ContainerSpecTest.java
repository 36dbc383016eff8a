package io.serve4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ContainerSpecTest {

  @Test
  void carriesEveryPartOntoTheModel() {
    ContainerSpec spec =
        ContainerSpec.builder()
            .port(8000)
            .predictRoute("/v1/predict")
            .healthRoute("/healthz")
            .readinessRoute("/ready")
            .command(List.of("python", "-m", "serve"))
            .args(List.of("--token=s3cr3t"))
            .build();
    Model model =
        Model.builder()
            .name("ranker")
            .format(ModelFormat.CUSTOM_CONTAINER)
            .image("europe-docker.pkg.dev/acme/serving/ranker:3")
            .container(spec)
            .build();

    assertThat(model.container()).contains(spec);
    assertThat(spec.port()).hasValue(8000);
    assertThat(spec.predictRoute()).contains("/v1/predict");
    assertThat(spec.healthRoute()).contains("/healthz");
    assertThat(spec.readinessRoute()).contains("/ready");
    assertThat(spec.command()).containsExactly("python", "-m", "serve");
    assertThat(spec.isEmpty()).isFalse();
    assertThat(model.toBuilder().build()).isEqualTo(model);
    assertThat(model.toString()).contains("/v1/predict").doesNotContain("s3cr3t");
  }

  @Test
  void emptyByDefault() {
    ContainerSpec spec = ContainerSpec.builder().build();
    assertThat(spec.isEmpty()).isTrue();
    assertThat(spec.port()).isEmpty();
    assertThat(Model.onnx("m", java.nio.file.Path.of("/tmp/m.onnx")).container()).isEmpty();
  }

  @Test
  void refusesBadPortsAndRoutesTyped() {
    assertThatThrownBy(() -> ContainerSpec.builder().port(0).build())
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("port 0");
    assertThatThrownBy(() -> ContainerSpec.builder().port(70000).build())
        .isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> ContainerSpec.builder().predictRoute("predict").build())
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("predictRoute 'predict'");
    assertThatThrownBy(() -> ContainerSpec.builder().healthRoute("/a b").build())
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("healthRoute");
  }
}
