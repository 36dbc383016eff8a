package io.serve4j.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.serve4j.DataType;
import io.serve4j.DeploymentSpec;
import io.serve4j.EndpointSpec;
import io.serve4j.InvalidInputException;
import io.serve4j.Model;
import io.serve4j.ModelFormat;
import io.serve4j.ModelSignature;
import io.serve4j.TensorSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Core's "resolve the signature" step over real ONNX files (see onnx-testdata/README.md). */
class SignatureResolutionTest {
  private static final String MLP = "classpath:onnx-testdata/mlp-dynamic-batch.onnx";
  private static final ModelSignature MLP_SIGNATURE =
      new ModelSignature(
          List.of(TensorSpec.of("x", DataType.FP32, -1, 4)),
          List.of(TensorSpec.of("y", DataType.FP32, -1, 2)));

  @TempDir Path dir;

  private static EndpointSpec spec(Model... models) {
    EndpointSpec.Builder b = EndpointSpec.builder().name("e");
    for (int i = 0; i < models.length; i++) {
      b.deployment(DeploymentSpec.of("d" + i, models[i]));
    }
    if (models.length == 2) {
      b.traffic(Map.of("d0", 70, "d1", 30));
    }
    return b.tag("team", "risk").build();
  }

  private static Model mlp(ModelSignature declared) {
    return Model.builder().name("mlp").artifact(MLP).signature(declared).build();
  }

  @Test
  void resolve_undeclared_takesTheFilesSignatureAndKeepsTheRestOfTheSpec() {
    EndpointSpec spec = spec(mlp(null), mlp(null).toBuilder().name("other").build());
    EndpointSpec resolved = SignatureResolution.resolve("p", spec);
    assertThat(resolved.deployments())
        .allSatisfy(d -> assertThat(d.model().signature()).contains(MLP_SIGNATURE));
    assertThat(resolved.traffic()).isEqualTo(spec.traffic());
    assertThat(resolved.tags()).isEqualTo(spec.tags());
    assertThat(resolved.deployments().get(1).model().name()).isEqualTo("other");
  }

  @Test
  void resolve_declaredAndCompatible_keepsTheDeclaration() {
    // A fixed batch size where the file's is symbolic, and a subset of the outputs: compatible.
    ModelSignature narrower =
        new ModelSignature(
            List.of(TensorSpec.of("x", DataType.FP32, 8, 4)),
            List.of(TensorSpec.of("y", DataType.FP32, 8, 2)));
    EndpointSpec spec = spec(mlp(narrower));
    assertThat(SignatureResolution.resolve("p", spec)).isSameAs(spec);
  }

  @Test
  void resolve_declaredWithAnotherRankOrFixedSize_isInvalidInputNamingBoth() {
    ModelSignature rank =
        new ModelSignature(
            List.of(TensorSpec.of("x", DataType.FP32, -1, 4, 1)), MLP_SIGNATURE.outputs());
    assertThatThrownBy(() -> SignatureResolution.resolve("p", spec(mlp(rank))))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("x:FP32[-1, 4, 1]")
        .hasMessageContaining("x:FP32[-1, 4]")
        .hasMessageContaining(MLP);
    ModelSignature size =
        new ModelSignature(
            List.of(TensorSpec.of("x", DataType.FP32, -1, 5)), MLP_SIGNATURE.outputs());
    assertThatThrownBy(() -> SignatureResolution.resolve("p", spec(mlp(size))))
        .isInstanceOf(InvalidInputException.class);
  }

  @Test
  void resolve_whatCannotBeReadHere_isLeftToTheProvider() throws Exception {
    Model s3 = Model.builder().name("a").artifact("s3://bucket/m.onnx").build();
    Model missing = Model.builder().name("b").artifact(dir.resolve("gone.onnx").toUri()).build();
    Model archive =
        Model.builder()
            .name("c")
            .artifact(Files.writeString(dir.resolve("m.tar.gz"), "not read").toUri())
            .build();
    Model other =
        Model.builder()
            .name("d")
            .format(ModelFormat.CUSTOM_CONTAINER)
            .image("img")
            .artifact(Files.writeString(dir.resolve("w.bin"), "not read").toUri())
            .build();
    for (Model m : List.of(s3, missing, archive, other)) {
      EndpointSpec spec = spec(m);
      assertThat(SignatureResolution.resolve("p", spec)).isSameAs(spec);
    }
  }

  @Test
  void resolve_malformedLocalFile_isInvalidInputWithTheProvider() throws Exception {
    Path bad = Files.writeString(dir.resolve("bad.onnx"), "not a model");
    Model m = Model.builder().name("bad").artifact(bad.toUri()).build();
    assertThatThrownBy(() -> SignatureResolution.resolve("aws", spec(m)))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining(bad.toString())
        .satisfies(e -> assertThat(((InvalidInputException) e).providerId()).contains("aws"));
  }
}
