package io.serve4j.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.serve4j.DataType;
import io.serve4j.Endpoint;
import io.serve4j.EndpointSpec;
import io.serve4j.InferenceRequest;
import io.serve4j.Model;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.Tensor;
import io.serve4j.TensorSpec;
import io.serve4j.UnsupportedCapabilityException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every element type through ONNX Runtime and back, with an Identity model: the signature reports
 * the type, and the output equals the input byte for byte, for a fixed dimension (output
 * pre-allocated), a dimension named after the input's (pre-allocated from the input's shape) and an
 * unrelated symbolic dimension (copied out of ONNX Runtime).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ElementTypesTest {
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

  @ParameterizedTest(name = "{0} {1} -> {2}")
  @CsvSource({
    "FP32, 3, 3",
    "FP32, n, n",
    "FP32, n, m",
    "FP64, 3, 3",
    "FP64, n, m",
    "FP16, 3, 3",
    "FP16, n, m",
    "INT8, 3, 3",
    "UINT8, n, n",
    "INT16, n, m",
    "INT32, 3, 3",
    "INT32, n, m",
    "INT64, n, n",
    "INT64, n, m",
    "BOOL, 3, 3",
    "BOOL, n, m",
    "BYTES, 3, 3",
    "BYTES, n, m"
  })
  void identity_returnsTheInputUnchanged(DataType type, String inDim, String outDim)
      throws Exception {
    String name = (type + "-" + inDim + outDim).toLowerCase(Locale.ROOT);
    Path file =
        Files.write(
            dir.resolve(name + ".onnx"), OnnxModels.identity(onnxCode(type), inDim, outDim));
    Endpoint e = client.deploy(EndpointSpec.of(name, Model.onnx(name, file))).await();
    try {
      TensorSpec in = e.describe().deployments().get(0).signature().orElseThrow().inputs().get(0);
      assertThat(in.dataType()).isEqualTo(type);
      assertThat(in.shape().toArray()).containsExactly(inDim.equals("3") ? 3 : -1);

      Tensor x = sample(type);
      Tensor y = e.predict(InferenceRequest.of(x)).output("out");
      assertThat(y.dataType()).isEqualTo(type);
      assertThat(y.shape()).isEqualTo(x.shape());
      if (type == DataType.BYTES) {
        assertThat(y.asStrings()).isEqualTo(x.asStrings());
      } else {
        assertThat(bytes(y)).isEqualTo(bytes(x));
      }
    } finally {
      e.delete().await();
    }
  }

  @ParameterizedTest
  @CsvSource({"UINT32, 12", "UINT16, 4", "UINT64, 13"})
  void deploy_whenAnInputIsUnsignedWide_throwsUnsupportedCapabilityNamingTheType(
      String type, int code) throws Exception {
    Path file = Files.write(dir.resolve(type + ".onnx"), OnnxModels.identity(code, "3", "3"));
    assertThatThrownBy(
            () ->
                client
                    .deploy(EndpointSpec.of(type.toLowerCase(Locale.ROOT), Model.onnx("u", file)))
                    .await())
        .isInstanceOf(UnsupportedCapabilityException.class)
        .hasMessageContaining(type)
        .hasMessageContaining(file.toString());
  }

  private static Tensor sample(DataType type) {
    long[] shape = {3};
    return switch (type) {
      case FP32 -> Tensor.ofFloats("in", shape, new float[] {1.5f, -2.25f, 1e-7f});
      case FP64 -> Tensor.ofDoubles("in", shape, new double[] {1.5, -2.25, 1e-300});
      case FP16 -> Tensor.ofHalfFloats("in", shape, new float[] {1.5f, -2.25f, 65504f});
      case INT8 -> Tensor.ofBytes("in", DataType.INT8, shape, new byte[] {-128, 0, 127});
      case UINT8 -> Tensor.ofBytes("in", DataType.UINT8, shape, new byte[] {0, 1, (byte) 255});
      case INT16 -> Tensor.ofShorts("in", DataType.INT16, shape, new short[] {-32768, 0, 32767});
      case INT32 -> Tensor.ofInts("in", shape, new int[] {Integer.MIN_VALUE, 0, Integer.MAX_VALUE});
      case INT64 -> Tensor.ofLongs("in", shape, new long[] {Long.MIN_VALUE, 0, Long.MAX_VALUE});
      case BOOL -> Tensor.ofBooleans("in", shape, new boolean[] {true, false, true});
      case BYTES -> Tensor.ofStrings("in", shape, List.of("héllo", "", "wörld ✓"));
      default -> throw new IllegalArgumentException(type.toString());
    };
  }

  private static byte[] bytes(Tensor t) {
    byte[] b = new byte[t.byteSize()];
    t.buffer().get(b);
    return b;
  }

  private static int onnxCode(DataType type) {
    return switch (type) {
      case FP32 -> 1;
      case UINT8 -> 2;
      case INT8 -> 3;
      case INT16 -> 5;
      case INT32 -> 6;
      case INT64 -> 7;
      case BYTES -> 8;
      case BOOL -> 9;
      case FP16 -> 10;
      case FP64 -> 11;
      default -> throw new IllegalArgumentException(type.toString());
    };
  }
}
