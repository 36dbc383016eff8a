package io.serve4j.local.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import io.serve4j.DeploymentSpec;
import io.serve4j.Model;
import io.serve4j.ModelLoadException;
import io.serve4j.local.LocalOptions;
import io.serve4j.spi.Deadline;
import io.serve4j.testkit.ContractModels;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The SHA-256 check covers the bytes that are loaded, whatever happens to the file meanwhile. */
class ModelLoaderTest {
  @TempDir Path dir;

  private final ModelLoader loader =
      new ModelLoader(
          OrtEnvironment.getEnvironment(),
          LocalOptions.defaults(),
          new Counters(),
          Set.of(OrtProvider.CPU),
          ExecutionProviders.ORT);

  @Test
  void load_whenTheFileIsReplacedAfterTheHashCheck_loadsTheHashedBytes() throws Exception {
    Path file = ContractModels.copyReluTo(dir);
    String sha = sha256(Files.readAllBytes(file));
    Path other = Files.write(dir.resolve("other.onnx"), softmax());
    // An attacker (or a deploy script) renames another model over the file between check and load.
    loader.afterVerification(
        () -> {
          try {
            Files.move(other, file, StandardCopyOption.REPLACE_EXISTING);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
    Deployment d =
        loader.load(
            "e", DeploymentSpec.of("d", Model.onnx("relu", file).toBuilder().sha256(sha).build()));
    try {
      assertThat(sha256(Files.readAllBytes(file))).as("the file did change").isNotEqualTo(sha);
      assertThat(d.description().details()).containsEntry("sha256", sha);
      // The loaded session is the relu the hash names, not the softmax now in the file.
      assertThat(
              d.model().run(ContractModels.reluRequest(-1, 2), Deadline.none()).get(0).asFloats())
          .containsExactly(0f, 2f);
    } finally {
      d.retire();
    }
  }

  @Test
  void load_whenTheFileChangesInPlaceAfterTheHashCheck_loadsTheHashedBytes() throws Exception {
    Path file = ContractModels.copyReluTo(dir);
    String sha = sha256(Files.readAllBytes(file));
    byte[] softmax = softmax();
    loader.afterVerification(
        () -> {
          try {
            Files.write(file, softmax); // truncates and rewrites the same inode
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
    Deployment d =
        loader.load(
            "e", DeploymentSpec.of("d", Model.onnx("relu", file).toBuilder().sha256(sha).build()));
    try {
      assertThat(
              d.model().run(ContractModels.reluRequest(-1, 2), Deadline.none()).get(0).asFloats())
          .containsExactly(0f, 2f);
    } finally {
      d.retire();
    }
  }

  @Test
  void load_whenTheFileIsReplacedBeforeTheHashCheck_refusesIt() throws Exception {
    Path file = ContractModels.copyReluTo(dir);
    String sha = sha256(Files.readAllBytes(file));
    Files.write(file, softmax());
    assertThatThrownBy(
            () ->
                loader.load(
                    "e",
                    DeploymentSpec.of(
                        "d", Model.onnx("relu", file).toBuilder().sha256(sha).build())))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining(sha);
  }

  @Test
  void configure_withoutIntraOpSpinning_setsOrtsAllowSpinningToZero() throws Exception {
    ModelLoader noSpin =
        new ModelLoader(
            OrtEnvironment.getEnvironment(),
            LocalOptions.builder().intraOpThreads(2).intraOpSpinning(false).build(),
            new Counters(),
            Set.of(OrtProvider.CPU),
            ExecutionProviders.ORT);
    try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
      noSpin.configure(so);
      assertThat(so.getConfigEntries()).containsEntry(ModelLoader.ALLOW_SPINNING, "0");
    }
    // the default leaves ONNX Runtime's own (spinning) in place
    try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
      loader.configure(so);
      assertThat(so.getConfigEntries()).doesNotContainKey(ModelLoader.ALLOW_SPINNING);
    }
    // ONNX Runtime takes the key: a session with it loads and runs
    Deployment d =
        noSpin.load(
            "e", DeploymentSpec.of("d", Model.onnx("relu", ContractModels.copyReluTo(dir))));
    try {
      assertThat(
              d.model().run(ContractModels.reluRequest(-1, 2), Deadline.none()).get(0).asFloats())
          .containsExactly(0f, 2f);
    } finally {
      d.retire();
    }
  }

  private static byte[] softmax() throws IOException {
    try (InputStream in =
        ModelLoaderTest.class
            .getClassLoader()
            .getResourceAsStream("onnx-testdata/test_softmax_example/model.onnx")) {
      return in.readAllBytes();
    }
  }

  private static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }
}
