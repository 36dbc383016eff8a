package io.serve4j.benchmarks;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * The small models of the benchmark, written as ONNX {@code ModelProto} bytes by a hand-rolled
 * protobuf writer, with weights from a fixed seed: the same bytes on every run and machine.
 *
 * <ul>
 *   <li>MLP: {@code x} float [batch, 64] → Gemm 256 → Relu → Gemm 256 → Relu → Gemm 10 → {@code y}
 *       float [batch, 10].
 *   <li>CNN: {@code x} float [batch, 3, 32, 32] → Conv 16 (3×3, pad 1) → Relu → Conv 32 (3×3,
 *       stride 2, pad 1) → Relu → GlobalAveragePool → Flatten → Gemm 10 → {@code y} float [batch,
 *       10].
 * </ul>
 *
 * <p>The first dimension is the named dynamic dimension {@code batch} on input and output. IR
 * version 8, opset 13.
 */
final class SyntheticModels {
  static final int MLP_IN = 64;
  static final int MLP_HIDDEN = 256;
  static final int MLP_OUT = 10;
  static final int CNN_CHANNELS = 3;
  static final int CNN_SIZE = 32;
  static final int CNN_C1 = 16;
  static final int CNN_C2 = 32;
  static final int CNN_OUT = 10;

  private static final int FLOAT = 1;
  private static final long SEED = 20261128L;

  private SyntheticModels() {}

  /**
   * A generated model: its bytes and its weights by initializer name (row-major).
   *
   * @param bytes the serialized ModelProto
   * @param weights the initializers' values
   */
  record Generated(byte[] bytes, Map<String, float[]> weights) {}

  static Generated mlp() {
    Graph g = new Graph("serve4j_bench_mlp");
    g.input("x", MLP_IN);
    g.gemm("x", "w1", "b1", "h1", MLP_IN, MLP_HIDDEN);
    g.node("Relu", new String[] {"h1"}, "r1");
    g.gemm("r1", "w2", "b2", "h2", MLP_HIDDEN, MLP_HIDDEN);
    g.node("Relu", new String[] {"h2"}, "r2");
    g.gemm("r2", "w3", "b3", "y", MLP_HIDDEN, MLP_OUT);
    g.output("y", MLP_OUT);
    return g.model();
  }

  /**
   * The MLP's input and output with one layer in between ({@code x} FP32[N,64] → Gemm → {@code y}
   * FP32[N,10]): the same records and results at almost no model cost, for the floor of a harness's
   * work around the model ({@code BatchScorerThroughput}'s {@code linear} mode).
   */
  static Generated linear() {
    Graph g = new Graph("serve4j_bench_linear");
    g.input("x", MLP_IN);
    g.gemm("x", "w", "b", "y", MLP_IN, MLP_OUT);
    g.output("y", MLP_OUT);
    return g.model();
  }

  static Generated cnn() {
    Graph g = new Graph("serve4j_bench_cnn");
    g.input("x", CNN_CHANNELS, CNN_SIZE, CNN_SIZE);
    g.conv("x", "c1w", "c1b", "c1", CNN_CHANNELS, CNN_C1, 1);
    g.node("Relu", new String[] {"c1"}, "r1");
    g.conv("r1", "c2w", "c2b", "c2", CNN_C1, CNN_C2, 2);
    g.node("Relu", new String[] {"c2"}, "r2");
    g.node("GlobalAveragePool", new String[] {"r2"}, "gap");
    g.nodeWith("Flatten", new String[] {"gap"}, "flat", attrInt("axis", 1));
    g.gemm("flat", "w", "b", "y", CNN_C2, CNN_OUT);
    g.output("y", CNN_OUT);
    return g.model();
  }

  private static Protobuf attrInt(String name, long value) {
    return new Protobuf().string(1, name).varint(3, value).varint(20, 2);
  }

  private static Protobuf attrInts(String name, long... values) {
    return new Protobuf().string(1, name).packed(8, values).varint(20, 7);
  }

  /** Collects nodes, initializers, inputs and outputs of one graph. */
  private static final class Graph {
    private final String name;
    private final Random random = new Random(SEED);
    private final Protobuf graph = new Protobuf();
    private final Map<String, float[]> weights = new LinkedHashMap<>();

    Graph(String name) {
      this.name = name;
    }

    void input(String n, long... dims) {
      graph.message(11, valueInfo(n, dims));
    }

    void output(String n, long... dims) {
      graph.message(12, valueInfo(n, dims));
    }

    void node(String op, String[] inputs, String output) {
      nodeWith(op, inputs, output);
    }

    void nodeWith(String op, String[] inputs, String output, Protobuf... attributes) {
      Protobuf node = new Protobuf();
      for (String i : inputs) {
        node.string(1, i);
      }
      node.string(2, output).string(3, op + "_" + output).string(4, op);
      for (Protobuf a : attributes) {
        node.message(5, a);
      }
      graph.message(1, node);
    }

    void gemm(String in, String w, String b, String out, int from, int to) {
      initializer(w, Math.sqrt(2.0 / from), from, to);
      initializer(b, 0.1, to);
      node("Gemm", new String[] {in, w, b}, out);
    }

    void conv(String in, String w, String b, String out, int from, int to, int stride) {
      initializer(w, Math.sqrt(2.0 / (from * 9)), to, from, 3, 3);
      initializer(b, 0.1, to);
      nodeWith(
          "Conv",
          new String[] {in, w, b},
          out,
          attrInts("kernel_shape", 3, 3),
          attrInts("pads", 1, 1, 1, 1),
          attrInts("strides", stride, stride));
    }

    private void initializer(String n, double scale, long... dims) {
      int count = 1;
      for (long d : dims) {
        count *= (int) d;
      }
      float[] v = new float[count];
      ByteBuffer raw = ByteBuffer.allocate(count * 4).order(ByteOrder.LITTLE_ENDIAN);
      for (int i = 0; i < count; i++) {
        v[i] = (float) (random.nextGaussian() * scale);
        raw.putFloat(v[i]);
      }
      weights.put(n, v);
      graph.message(
          5, new Protobuf().packed(1, dims).varint(2, FLOAT).string(8, n).bytes(9, raw.array()));
    }

    private static Protobuf valueInfo(String n, long... dims) {
      Protobuf shape = new Protobuf().message(1, new Protobuf().string(2, "batch"));
      for (long d : dims) {
        shape.message(1, new Protobuf().varint(1, d));
      }
      Protobuf tensor = new Protobuf().varint(1, FLOAT).message(2, shape);
      return new Protobuf().string(1, n).message(2, new Protobuf().message(1, tensor));
    }

    Generated model() {
      graph.string(2, name);
      Protobuf model =
          new Protobuf()
              .varint(1, 8)
              .string(2, "serve4j-benchmarks")
              .string(3, "1")
              .message(7, graph)
              .message(8, new Protobuf().string(1, "").varint(2, 13));
      return new Generated(model.toByteArray(), Map.copyOf(weights));
    }
  }
}
