package io.serve4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code file:} artifacts name local paths; description details keep their order. */
class ModelArtifactTest {
  @ParameterizedTest
  @ValueSource(
      strings = {
        "file://host/models/m.onnx",
        "file://models/m.onnx",
        "file:models/m.onnx",
        "file:///models/m.onnx?x=1"
      })
  void build_whenAFileUriIsNotALocalAbsolutePath_throwsInvalidInputNamingIt(String uri) {
    assertThatThrownBy(() -> Model.builder().name("m").artifact(uri).build())
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining(uri)
        .hasMessageContaining("file:///");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"file:///models/m.onnx", "file:/models/m.onnx", "file://localhost/m.onnx"})
  void build_whenAFileUriIsLocal_accepts(String uri) {
    assertThat(Model.builder().name("m").artifact(uri).build().artifact())
        .contains(URI.create(uri));
  }

  @Test
  void onnx_fromAPath_isAccepted() {
    Path p = Path.of("relative", "m.onnx");
    assertThat(Model.onnx("m", p).artifact()).contains(p.toUri());
  }

  @Test
  void details_keepTheOrderTheProviderGaveThem_throughToBuilder() {
    DeploymentDescription.Builder b =
        DeploymentDescription.builder().name("d").modelName("m").status(EndpointStatus.IN_SERVICE);
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < 24; i++) {
      String k = "k" + ((i * 7) % 24);
      keys.add(k);
      b.detail(k, "v" + i);
    }
    DeploymentDescription d = b.build();
    assertThat(d.details().keySet()).containsExactlyElementsOf(keys);
    assertThat(d.toBuilder().detail("last", "x").build().details().keySet())
        .startsWith(keys.toArray(new String[0]))
        .endsWith("last");
  }
}
