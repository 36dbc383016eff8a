package io.serve4j.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.serve4j.Endpoint;
import io.serve4j.EndpointSpec;
import io.serve4j.Model;
import io.serve4j.ModelSignature;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.spi.formats.OnnxSignatures;
import java.io.InputStream;
import java.net.URLConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Core's runtime-free ONNX graph reader ({@link OnnxSignatures}, which the cloud providers rely on)
 * against what ONNX Runtime reports for the same files: ONNX's backend test models, serve4j's
 * dynamic-batch MLP, the quantized MiniLM (three int64 inputs with symbolic dimensions, hundreds of
 * initializers) and identity models of each element type with fixed and symbolic dimensions.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OnnxSignaturesCrossCheckTest {
  @TempDir Path dir;
  private ServingClient client;

  @BeforeAll
  void open() {
    client = Serve4j.client(LocalOptions.builder().isolated(true).build());
  }

  @AfterAll
  void close() {
    client.close();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "onnx-testdata/test_single_relu_model/model.onnx",
        "onnx-testdata/test_gemm_default_matrix_bias/model.onnx",
        "onnx-testdata/test_matmul_2d/model.onnx",
        "onnx-testdata/test_softmax_example/model.onnx",
        "onnx-testdata/test_add_bcast/model.onnx",
        "onnx-testdata/test_Conv2d/model.onnx",
        "models/mlp-dynamic-batch.onnx",
        MiniLm.MODEL
      })
  void read_classpathModel_equalsWhatOnnxRuntimeReports(String resource) throws Exception {
    URLConnection c = getClass().getClassLoader().getResource(resource).openConnection();
    ModelSignature read;
    try (InputStream in = c.getInputStream()) {
      read = OnnxSignatures.read(in, c.getContentLengthLong(), resource).orElseThrow();
    }
    Model model = Model.builder().name("m").artifact("classpath:" + resource).build();
    assertThat(read).isEqualTo(ortSignature(model));
  }

  @ParameterizedTest
  @CsvSource({
    "1, 3, 3",
    "1, n, m",
    "11, 3, 3",
    "10, n, n",
    "3, 3, 3",
    "2, n, m",
    "5, n, m",
    "6, 3, 3",
    "7, n, m",
    "9, 3, 3",
    "8, n, m"
  })
  void read_identityOfEachElementType_equalsWhatOnnxRuntimeReports(
      int elemType, String inDim, String outDim) throws Exception {
    String name = ("t" + elemType + "-" + inDim + outDim).toLowerCase(Locale.ROOT);
    Path file =
        Files.write(dir.resolve(name + ".onnx"), OnnxModels.identity(elemType, inDim, outDim));
    ModelSignature read = OnnxSignatures.read(file).orElseThrow();
    assertThat(read).isEqualTo(ortSignature(Model.onnx(name, file)));
  }

  private ModelSignature ortSignature(Model model) {
    String name = "x" + Integer.toHexString(System.identityHashCode(model));
    Endpoint e = client.deploy(EndpointSpec.of(name, model)).await();
    try {
      return e.describe().deployments().get(0).signature().orElseThrow();
    } finally {
      e.delete().await();
    }
  }
}
