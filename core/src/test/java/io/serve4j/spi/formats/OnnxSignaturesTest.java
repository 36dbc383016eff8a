package io.serve4j.spi.formats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.serve4j.DataType;
import io.serve4j.InvalidInputException;
import io.serve4j.ModelSignature;
import io.serve4j.ServingException;
import io.serve4j.TensorSpec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The ONNX graph reader against ONNX's own backend test models (whose {@code expected.json} records
 * the inputs and outputs the graph declares) and serve4j's dynamic-batch MLP, and against malformed
 * files: every failure is an {@link InvalidInputException} naming the file.
 */
class OnnxSignaturesTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;

  static Path resource(String name) throws URISyntaxException {
    return Path.of(OnnxSignaturesTest.class.getClassLoader().getResource(name).toURI());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "test_single_relu_model",
        "test_gemm_default_matrix_bias",
        "test_matmul_2d",
        "test_softmax_example",
        "test_add_bcast",
        "test_Conv2d"
      })
  void read_backendTestModel_matchesItsRecordedInputsAndOutputs(String testCase) throws Exception {
    Path dir = resource("onnx-testdata/" + testCase);
    JsonNode expected = JSON.readTree(dir.resolve("expected.json").toFile());

    ModelSignature sig = OnnxSignatures.read(dir.resolve("model.onnx")).orElseThrow();

    assertThat(sig.inputs()).isEqualTo(specs(expected.get("inputs")));
    assertThat(sig.outputs()).isEqualTo(specs(expected.get("outputs")));
  }

  @Test
  void read_conv2d_leavesOutInputsThatAreInitializers() throws Exception {
    // test_Conv2d lists its weights as graph inputs too (an older exporter's habit).
    byte[] bytes = Files.readAllBytes(resource("onnx-testdata/test_Conv2d/model.onnx"));
    ModelSignature sig =
        OnnxSignatures.read(new ByteArrayInputStream(bytes), bytes.length, "conv").orElseThrow();
    assertThat(sig.inputs()).extracting(TensorSpec::name).containsExactly("0");
  }

  @Test
  void read_symbolicBatchDimension_isMinusOne() throws Exception {
    ModelSignature sig =
        OnnxSignatures.read(resource("onnx-testdata/mlp-dynamic-batch.onnx")).orElseThrow();
    assertThat(sig.inputs()).containsExactly(TensorSpec.of("x", DataType.FP32, -1, 4));
    assertThat(sig.outputs()).containsExactly(TensorSpec.of("y", DataType.FP32, -1, 2));
    assertThat(sig.isBatchable()).isTrue();
  }

  @Test
  void read_streamOfUnknownSize_sameAsFile() throws Exception {
    Path file = resource("onnx-testdata/test_gemm_default_matrix_bias/model.onnx");
    try (InputStream in = Files.newInputStream(file)) {
      assertThat(OnnxSignatures.read(in, -1, "gemm")).isEqualTo(OnnxSignatures.read(file));
    }
  }

  @Test
  void read_everyTruncation_isInvalidInputNamingTheFile() throws Exception {
    byte[] bytes = Files.readAllBytes(resource("onnx-testdata/test_add_bcast/model.onnx"));
    for (int n = 0; n < bytes.length; n++) {
      Path cut = tmp.resolve("cut.onnx");
      Files.write(cut, java.util.Arrays.copyOf(bytes, n));
      int len = n;
      assertThatThrownBy(() -> OnnxSignatures.read(cut))
          .as("first %d of %d bytes", len, bytes.length)
          .isInstanceOf(InvalidInputException.class)
          .hasMessageContaining(cut.toString());
    }
  }

  @Test
  void read_hugeLengthVarint_isRefusedWithoutAllocating() throws Exception {
    // ModelProto.graph (field 7, wire type 2) claiming 2^62 bytes.
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.write(7 << 3 | 2);
    writeVarint(b, 1L << 62);
    b.write(new byte[16]);
    Path f = tmp.resolve("huge.onnx");
    Files.write(f, b.toByteArray());
    assertThatThrownBy(() -> OnnxSignatures.read(f))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining(f.toString())
        .hasMessageContaining("runs past");
    // The same with the size unknown, and a tensor name claiming 2 GiB inside a small graph.
    assertThatThrownBy(
            () -> OnnxSignatures.read(new ByteArrayInputStream(b.toByteArray()), -1, "huge"))
        .isInstanceOf(InvalidInputException.class);
    ByteArrayOutputStream name = new ByteArrayOutputStream();
    name.write(1 << 3 | 2); // ValueInfoProto.name
    writeVarint(name, Integer.MAX_VALUE);
    ByteArrayOutputStream graph = new ByteArrayOutputStream();
    graph.write(11 << 3 | 2);
    writeVarint(graph, name.size());
    graph.write(name.toByteArray());
    ByteArrayOutputStream model = new ByteArrayOutputStream();
    model.write(7 << 3 | 2);
    writeVarint(model, graph.size());
    model.write(graph.toByteArray());
    assertThatThrownBy(
            () -> OnnxSignatures.read(new ByteArrayInputStream(model.toByteArray()), -1, "name"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("name");
  }

  @Test
  void read_overlongVarint_isInvalidInput() {
    byte[] b = new byte[12];
    b[0] = 1 << 3; // ModelProto.ir_version, a varint
    java.util.Arrays.fill(b, 1, 12, (byte) 0xff);
    assertThatThrownBy(() -> OnnxSignatures.read(new ByteArrayInputStream(b), b.length, "long"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("long");
  }

  @Test
  void read_notAnOnnxFile_isInvalidInput() throws IOException {
    Path f = tmp.resolve("model.onnx");
    Files.writeString(f, "this is not a model\n");
    assertThatThrownBy(() -> OnnxSignatures.read(f))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining(f.toString());
  }

  @Test
  void read_missingFile_isInvalidInput() {
    Path f = tmp.resolve("absent.onnx");
    assertThatThrownBy(() -> OnnxSignatures.read(f))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining(f.toString());
  }

  @Test
  void read_randomCorruption_neverThrowsAnythingButInvalidInput() throws Exception {
    byte[] bytes = Files.readAllBytes(resource("onnx-testdata/test_Conv2d/model.onnx"));
    Random random = new Random(15);
    for (int i = 0; i < 2000; i++) {
      byte[] copy = bytes.clone();
      for (int k = 0; k < 1 + random.nextInt(4); k++) {
        copy[random.nextInt(copy.length)] = (byte) random.nextInt(256);
      }
      try {
        OnnxSignatures.read(new ByteArrayInputStream(copy), copy.length, "corrupt");
      } catch (ServingException e) {
        assertThat(e).isInstanceOf(InvalidInputException.class);
        assertThat(e.getMessage()).contains("corrupt");
      }
    }
  }

  @Test
  void read_sequenceTypedInput_isEmptyNotAGuess() throws IOException {
    // A graph whose one input is a sequence (TypeProto.sequence_type = 4), output a float tensor.
    byte[] seqType = message(4, new byte[0]);
    byte[] input = concat(string(1, "s"), message(2, seqType));
    byte[] tensor = concat(varintField(1, 1), message(2, new byte[0]));
    byte[] output = concat(string(1, "y"), message(2, message(1, tensor)));
    byte[] graph = concat(message(11, input), message(12, output));
    byte[] model = concat(varintField(1, 8), message(7, graph), message(8, string(1, "")));
    assertThat(OnnxSignatures.read(new ByteArrayInputStream(model), model.length, "seq"))
        .isEqualTo(Optional.empty());
    // The same graph with a tensor input reads, a scalar output of rank 0.
    byte[] tensorInput = concat(string(1, "s"), message(2, message(1, tensor)));
    byte[] graph2 = concat(message(11, tensorInput), message(12, output));
    byte[] model2 = message(7, graph2);
    assertThat(OnnxSignatures.read(new ByteArrayInputStream(model2), model2.length, "t"))
        .contains(
            new ModelSignature(
                List.of(TensorSpec.of("s", DataType.FP32)),
                List.of(TensorSpec.of("y", DataType.FP32))));
  }

  // ---------------------------------------------------------------- helpers

  private static List<TensorSpec> specs(JsonNode tensors) {
    List<TensorSpec> out = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = tensors.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      assertThat(e.getValue().get("dtype").asText()).isEqualTo("float32");
      long[] dims = new long[e.getValue().get("dims").size()];
      for (int i = 0; i < dims.length; i++) {
        dims[i] = e.getValue().get("dims").get(i).asLong();
      }
      out.add(TensorSpec.of(e.getKey(), DataType.FP32, dims));
    }
    return out;
  }

  private static void writeVarint(ByteArrayOutputStream out, long v) {
    while ((v & ~0x7fL) != 0) {
      out.write((int) ((v & 0x7f) | 0x80));
      v >>>= 7;
    }
    out.write((int) v);
  }

  private static byte[] message(int field, byte[] body) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    writeVarint(out, (long) field << 3 | 2);
    writeVarint(out, body.length);
    out.writeBytes(body);
    return out.toByteArray();
  }

  private static byte[] string(int field, String s) {
    return message(field, s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  private static byte[] varintField(int field, long value) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    writeVarint(out, (long) field << 3);
    writeVarint(out, value);
    return out.toByteArray();
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }
}
