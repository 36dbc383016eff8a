package io.serve4j.benchmarks;

import io.serve4j.DataType;
import io.serve4j.InferenceRequest;
import io.serve4j.Shape;
import io.serve4j.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * A benchmarked model and the one-row request sent to it: the quantized all-MiniLM-L6-v2 at
 * sequence length 16 or 128 (int64 {@code input_ids}, {@code attention_mask}, {@code
 * token_type_ids} [1, seq]), the MLP (float [1, 64]) or the CNN (float [1, 3, 32, 32]).
 *
 * <p>Model files are written once into {@code serve4j.bench.models} (default {@code
 * java.io.tmpdir/serve4j-bench-models}); every engine loads the same file.
 */
enum Workload {
  MINILM16("minilm.onnx", 16),
  MINILM128("minilm.onnx", 128),
  MLP("mlp.onnx", 0),
  CNN("cnn.onnx", 0);

  static final String MINILM_RESOURCE = "all-minilm-l6-v2-q.onnx";

  private final String fileName;
  private final int sequence;

  Workload(String fileName, int sequence) {
    this.fileName = fileName;
    this.sequence = sequence;
  }

  /** One input of the request: name, ONNX element type, shape, little-endian direct data. */
  record Input(String name, boolean int64, long[] shape, ByteBuffer data) {
    /** A fresh view of the data, position 0. */
    ByteBuffer view() {
      return data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    }
  }

  /**
   * Parses a benchmark parameter ({@code minilm16}, {@code mlp}, ...).
   *
   * @param name the parameter
   * @return the workload
   */
  static Workload of(String name) {
    return valueOf(name.toUpperCase(Locale.ROOT));
  }

  /** The workload's name as a benchmark parameter. */
  String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Returns the model file, writing it first if it is not there yet.
   *
   * @return the path of the .onnx file
   */
  Path file() {
    Path dir =
        Paths.get(
            System.getProperty(
                "serve4j.bench.models",
                Paths.get(System.getProperty("java.io.tmpdir"), "serve4j-bench-models")
                    .toString()));
    Path file = dir.resolve(fileName);
    try {
      byte[] bytes = null;
      if (Files.isRegularFile(file)) {
        return file;
      }
      Files.createDirectories(dir);
      switch (this) {
        case MLP -> bytes = SyntheticModels.mlp().bytes();
        case CNN -> bytes = SyntheticModels.cnn().bytes();
        default -> {
          try (InputStream in =
              Workload.class.getClassLoader().getResourceAsStream(MINILM_RESOURCE)) {
            if (in == null) {
              throw new IllegalStateException(MINILM_RESOURCE + " is not on the class path");
            }
            bytes = in.readAllBytes();
          }
        }
      }
      Path tmp = Files.createTempFile(dir, fileName, ".tmp");
      Files.write(tmp, bytes);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Returns the request's inputs, from a fixed seed.
   *
   * @return the inputs in the model's order
   */
  List<Input> inputs() {
    Random r = new Random(7);
    if (sequence > 0) {
      long[] shape = {1, sequence};
      long[] ids = new long[sequence];
      long[] mask = new long[sequence];
      long[] types = new long[sequence];
      for (int i = 0; i < sequence; i++) {
        ids[i] = i == 0 ? 101 : i == sequence - 1 ? 102 : 1000 + r.nextInt(28000);
        mask[i] = 1;
      }
      return List.of(
          new Input("input_ids", true, shape, longs(ids)),
          new Input("attention_mask", true, shape, longs(mask)),
          new Input("token_type_ids", true, shape, longs(types)));
    }
    long[] shape =
        this == MLP
            ? new long[] {1, SyntheticModels.MLP_IN}
            : new long[] {
              1, SyntheticModels.CNN_CHANNELS, SyntheticModels.CNN_SIZE, SyntheticModels.CNN_SIZE
            };
    int n = 1;
    for (long d : shape) {
      n *= (int) d;
    }
    ByteBuffer b = ByteBuffer.allocateDirect(n * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < n; i++) {
      b.putFloat((float) r.nextGaussian());
    }
    return List.of(new Input("x", false, shape, b.flip()));
  }

  /**
   * Returns the request serve4j sends: {@link #inputs()} wrapped as tensors over their direct
   * buffers (no copy).
   *
   * @return a request of the inputs, in the model's order
   */
  InferenceRequest request() {
    InferenceRequest.Builder r = InferenceRequest.builder();
    for (Input in : inputs()) {
      r.input(
          Tensor.wrap(
              in.name(),
              in.int64() ? DataType.INT64 : DataType.FP32,
              Shape.of(in.shape()),
              in.view()));
    }
    return r.build();
  }

  private static ByteBuffer longs(long[] v) {
    ByteBuffer b = ByteBuffer.allocateDirect(v.length * 8).order(ByteOrder.LITTLE_ENDIAN);
    for (long x : v) {
      b.putLong(x);
    }
    return b.flip();
  }
}
