package io.serve4j.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes a small multi-layer perceptron as an ONNX file, by hand-encoding the protobuf, so that the
 * tests have a model with a dynamic batch dimension (the ONNX test data models all have fixed
 * shapes):
 *
 * <pre>
 * x FP32[N, in] -> MatMul W1[in, hidden] -> Add b1 -> Relu -> MatMul W2[hidden, out] -> Add b2
 *   -> y FP32[N, out]
 * </pre>
 *
 * Weights are deterministic ({@code sin}), opset 13, IR version 7.
 */
public final class MlpModel {
  private MlpModel() {}

  /**
   * Writes the model.
   *
   * @param args file, in, hidden, out
   * @throws IOException on failure
   */
  public static void main(String[] args) throws IOException {
    write(
        Path.of(args[0]),
        Integer.parseInt(args[1]),
        Integer.parseInt(args[2]),
        Integer.parseInt(args[3]));
  }

  /**
   * Writes the model to a file.
   *
   * @param file the file
   * @param in input width
   * @param hidden hidden width
   * @param out output width
   * @return the file
   * @throws IOException on failure
   */
  public static Path write(Path file, int in, int hidden, int out) throws IOException {
    Files.write(file, bytes(in, hidden, out));
    return file;
  }

  /** The weight at a flat index of a layer, deterministic. */
  static float weight(int layer, int i) {
    return (float) Math.sin(0.37 * i + layer) * 0.5f;
  }

  /** Computes the model on one row in Java, for checking the runtime's answers. */
  static float[] reference(float[] x, int hidden, int out) {
    int in = x.length;
    float[] h = new float[hidden];
    for (int j = 0; j < hidden; j++) {
      float s = weight(2, j);
      for (int i = 0; i < in; i++) {
        s += x[i] * weight(1, i * hidden + j);
      }
      h[j] = Math.max(0, s);
    }
    float[] y = new float[out];
    for (int k = 0; k < out; k++) {
      float s = weight(4, k);
      for (int j = 0; j < hidden; j++) {
        s += h[j] * weight(3, j * out + k);
      }
      y[k] = s;
    }
    return y;
  }

  static byte[] bytes(int in, int hidden, int out) {
    Proto graph = new Proto();
    graph.message(1, node("MatMul", "mm1", "x", "W1", "h1"));
    graph.message(1, node("Add", "add1", "h1", "b1", "h2"));
    graph.message(1, node("Relu", "relu", "h2", null, "h3"));
    graph.message(1, node("MatMul", "mm2", "h3", "W2", "h4"));
    graph.message(1, node("Add", "add2", "h4", "b2", "y"));
    graph.string(2, "mlp");
    graph.message(5, tensor("W1", 1, in, hidden));
    graph.message(5, tensor("b1", 2, hidden));
    graph.message(5, tensor("W2", 3, hidden, out));
    graph.message(5, tensor("b2", 4, out));
    graph.message(11, valueInfo("x", in));
    graph.message(12, valueInfo("y", out));
    Proto opset = new Proto();
    opset.string(1, "");
    opset.varint(2, 13);
    Proto model = new Proto();
    model.varint(1, 7);
    model.string(2, "serve4j-test");
    model.message(7, graph);
    model.message(8, opset);
    return model.toByteArray();
  }

  private static Proto node(String op, String name, String a, String b, String output) {
    Proto n = new Proto();
    n.string(1, a);
    if (b != null) {
      n.string(1, b);
    }
    n.string(2, output);
    n.string(3, name);
    n.string(4, op);
    return n;
  }

  private static Proto tensor(String name, int layer, int... dims) {
    Proto t = new Proto();
    int count = 1;
    for (int d : dims) {
      t.varint(1, d);
      count *= d;
    }
    t.varint(2, 1); // FLOAT
    t.string(8, name);
    ByteBuffer raw = ByteBuffer.allocate(count * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < count; i++) {
      raw.putFloat(weight(layer, i));
    }
    t.bytes(9, raw.array());
    return t;
  }

  private static Proto valueInfo(String name, int width) {
    Proto batch = new Proto();
    batch.string(2, "N");
    Proto w = new Proto();
    w.varint(1, width);
    Proto shape = new Proto();
    shape.message(1, batch);
    shape.message(1, w);
    Proto tensorType = new Proto();
    tensorType.varint(1, 1); // FLOAT
    tensorType.message(2, shape);
    Proto type = new Proto();
    type.message(1, tensorType);
    Proto vi = new Proto();
    vi.string(1, name);
    vi.message(2, type);
    return vi;
  }

  /** A minimal protobuf encoder: varints, strings, bytes, nested messages. */
  private static final class Proto {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    void varint(int field, long value) {
      writeVarint(((long) field << 3));
      writeVarint(value);
    }

    void string(int field, String s) {
      bytes(field, s.getBytes(StandardCharsets.UTF_8));
    }

    void bytes(int field, byte[] b) {
      writeVarint(((long) field << 3) | 2);
      writeVarint(b.length);
      out.writeBytes(b);
    }

    void message(int field, Proto m) {
      bytes(field, m.toByteArray());
    }

    byte[] toByteArray() {
      return out.toByteArray();
    }

    private void writeVarint(long v) {
      while ((v & ~0x7FL) != 0) {
        out.write((int) ((v & 0x7F) | 0x80));
        v >>>= 7;
      }
      out.write((int) v);
    }
  }
}
