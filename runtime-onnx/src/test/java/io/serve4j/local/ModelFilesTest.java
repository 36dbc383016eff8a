package io.serve4j.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.serve4j.Endpoint;
import io.serve4j.EndpointSpec;
import io.serve4j.InvalidInputException;
import io.serve4j.Model;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.UnsupportedCapabilityException;
import io.serve4j.testkit.ContractModels;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a model path may be: a regular file (or a link to one); anything else is refused at once,
 * typed, naming the path; and models serve4j cannot call or answer are refused at deploy.
 */
class ModelFilesTest {
  @TempDir Path dir;
  private ServingClient client;

  @BeforeEach
  void open() {
    client = Serve4j.client(LocalOptions.builder().isolated(true).build());
  }

  @AfterEach
  void close() {
    client.close();
  }

  private Endpoint deploy(String name, Model model) {
    return client.deploy(EndpointSpec.of(name, model)).await(Duration.ofSeconds(30));
  }

  @Test
  void deploy_whenTheModelIsANamedPipe_throwsInvalidInputNamingIt_withoutBlocking()
      throws Exception {
    Path fifo = mkfifo("model.onnx");
    assertTimeoutPreemptively(
        Duration.ofSeconds(20),
        () ->
            assertThatThrownBy(() -> deploy("fifo", Model.onnx("fifo", fifo)))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining(fifo.toString())
                .hasMessageContaining("not a regular file"));
  }

  @Test
  void deploy_whenTheModelIsANamedPipe_andHashed_throwsInvalidInputWithoutBlocking()
      throws Exception {
    Path fifo = mkfifo("hashed.onnx");
    Model m = Model.onnx("fifo", fifo).toBuilder().sha256("0".repeat(64)).build();
    assertTimeoutPreemptively(
        Duration.ofSeconds(20),
        () ->
            assertThatThrownBy(() -> deploy("fifo-hashed", m))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining(fifo.toString()));
  }

  @Test
  void deploy_whenTheModelIsADirectory_throwsInvalidInputNamingIt() throws Exception {
    Path d = Files.createDirectory(dir.resolve("model.onnx"));
    assertThatThrownBy(() -> deploy("dir", Model.onnx("dir", d)))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining(d.toString())
        .hasMessageContaining("directory");
  }

  @Test
  void deploy_whenTheModelIsADevice_throwsInvalidInputNamingIt() {
    Path dev = Path.of("/dev/zero");
    assumeTrue(Files.exists(dev), "no /dev/zero here");
    assertTimeoutPreemptively(
        Duration.ofSeconds(20),
        () ->
            assertThatThrownBy(() -> deploy("dev", Model.onnx("dev", dev)))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("/dev/zero"));
  }

  @Test
  void deploy_throughALinkToARegularFile_andFromFileLocalhost_loads() throws Exception {
    Path relu = ContractModels.copyReluTo(dir);
    Path link = Files.createSymbolicLink(dir.resolve("link.onnx"), relu);
    assertThat(deploy("link", Model.onnx("link", link)).predict(ContractModels.reluRequest(-1, 2)))
        .isNotNull();
    URI localhost = URI.create("file://localhost" + relu.toAbsolutePath().toUri().getRawPath());
    Model m = Model.builder().name("lh").artifact(localhost).build();
    assertThat(
            deploy("localhost", m)
                .predict(ContractModels.reluRequest(-1, 2))
                .outputs()
                .get(0)
                .asFloats())
        .containsExactly(0f, 2f);
  }

  @Test
  void deploy_whenTheOnlyOutputIsBfloat16_throwsUnsupportedCapabilityNamingIt() throws Exception {
    Path file = Files.write(dir.resolve("bf16.onnx"), OnnxModels.castTo(16));
    assertThatThrownBy(() -> deploy("bf16", Model.onnx("bf16", file)))
        .isInstanceOf(UnsupportedCapabilityException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("out")
        .hasMessageContaining("BFLOAT16");
    assertThat(client.listEndpoints()).extracting(e -> e.name()).doesNotContain("bf16");
  }

  @Test
  void deploy_whenTheModelHasNoInputs_throwsUnsupportedCapability() throws Exception {
    Path file = Files.write(dir.resolve("const.onnx"), OnnxModels.noInputs());
    assertThatThrownBy(() -> deploy("const", Model.onnx("const", file)))
        .isInstanceOf(UnsupportedCapabilityException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("no inputs");
  }

  @Test
  void deploy_whenSomeOutputsAreServable_servesThoseAndSaysWhichAreNot() throws Exception {
    // Control for the two refusals above: the same Cast to FLOAT deploys and answers.
    Path file = Files.write(dir.resolve("f32.onnx"), OnnxModels.castTo(1));
    Endpoint e = deploy("f32", Model.onnx("f32", file));
    assertThat(
            e.predict(
                    io.serve4j.InferenceRequest.of(
                        io.serve4j.Tensor.ofFloats("in", new long[] {2}, new float[] {1, 2})))
                .outputs()
                .get(0)
                .asFloats())
        .containsExactly(1f, 2f);
  }

  @Test
  void deploy_hashedModel_reportsTheHashOfWhatItLoaded() throws Exception {
    Path relu = ContractModels.copyReluTo(dir);
    String sha =
        HexFormat.of()
            .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(relu)));
    Endpoint e = deploy("hashed", Model.onnx("relu", relu).toBuilder().sha256(sha).build());
    assertThat(e.describe().deployments().get(0).details()).containsEntry("sha256", sha);
    assertThat(e.predict(ContractModels.reluRequest(-3, 4)).outputs().get(0).asFloats())
        .containsExactly(0f, 4f);
  }

  private Path mkfifo(String name) throws Exception {
    Path fifo = dir.resolve(name);
    Process p;
    try {
      p = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
    } catch (java.io.IOException e) {
      assumeTrue(false, "no mkfifo here (not POSIX): " + e.getMessage());
      throw e;
    }
    assumeTrue(p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0, "mkfifo failed");
    return fifo;
  }
}
