package io.serve4j.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import io.serve4j.InferenceResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The compared runtimes compute the same thing: one prediction of the MLP workload gives the same
 * numbers on raw ONNX Runtime, DJL and serve4j. No timing here; benchmarks run from run.sh.
 */
class RuntimesAgreeTest {
  @Test
  void mlpPrediction_isTheSameOnEveryRuntime() throws Exception {
    float[] ort;
    float[] ortPinned;
    float[] ortPinnedOtherThread;
    float[] ortCopy;
    float[] djl;
    float[] serve4j;
    float[] ortOwned;
    float[] serve4jProvider;
    // DJL first: its engine creates ONNX Runtime's environment with threading options, which
    // fails if the environment already exists (each benchmark fork runs one runtime).
    try (Engine e = Engine.open(Engine.Kind.DJL, Workload.MLP)) {
      djl = floats(((ByteBuffer[]) e.predict())[0]);
    }
    try (Engine e = Engine.open(Engine.Kind.ORT, Workload.MLP)) {
      // the first call learns the output shapes; later ones run with pinned outputs, per thread
      ort = floats(((ByteBuffer[]) e.predict())[0]);
      ortPinned = floats(((ByteBuffer[]) e.predict())[0]);
      float[][] other = new float[1][];
      Thread t =
          new Thread(
              () -> {
                try {
                  other[0] = floats(((ByteBuffer[]) e.predict())[0]);
                } catch (Exception x) {
                  throw new IllegalStateException(x);
                }
              });
      t.start();
      t.join();
      ortPinnedOtherThread = other[0];
    }
    try (Engine e = Engine.open(Engine.Kind.ORT_COPY, Workload.MLP)) {
      ortCopy = floats(((ByteBuffer[]) e.predict())[0]);
    }
    try (Engine e = Engine.open(Engine.Kind.SERVE4J, Workload.MLP)) {
      serve4j = ((InferenceResponse) e.predict()).output("y").asFloats();
    }
    try (Engine e = Engine.open(Engine.Kind.ORT_OWNED, Workload.MLP)) {
      e.predict(); // learns the output shapes
      @SuppressWarnings("unchecked")
      List<ByteBuffer> own = (List<ByteBuffer>) e.predict();
      ortOwned = floats(own.get(0));
    }
    try (Engine e = Engine.open(Engine.Kind.SERVE4J_PROVIDER, Workload.MLP)) {
      serve4jProvider = ((InferenceResponse) e.predict()).output("y").asFloats();
    }
    // DJL ran on the onnxruntime 1.28.0 jar's native library and downloaded nothing.
    assertThat(ai.onnxruntime.OrtEnvironment.getEnvironment().getVersion()).isEqualTo("1.28.0");
    Path cache = Paths.get(System.getProperty("DJL_CACHE_DIR", "target/djl-cache"));
    if (Files.isDirectory(cache)) {
      try (Stream<Path> files = Files.walk(cache)) {
        assertThat(files.filter(Files::isRegularFile)).isEmpty();
      }
    }
    assertThat(ort).hasSize(10);
    assertThat(ortPinned).containsExactly(ort);
    assertThat(ortPinnedOtherThread).containsExactly(ort);
    assertThat(ortCopy).containsExactly(ort);
    assertThat(djl).containsExactly(ort);
    assertThat(serve4j).containsExactly(ort);
    assertThat(ortOwned).containsExactly(ort);
    assertThat(serve4jProvider).containsExactly(ort);
  }

  private static float[] floats(ByteBuffer b) {
    ByteBuffer le = b.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    float[] f = new float[le.remaining() / 4];
    le.asFloatBuffer().get(f);
    return f;
  }
}
