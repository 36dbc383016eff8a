package io.serve4j.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OrtSession;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/**
 * {@code ort_run_options} is the raw engine with run options of its own on every run, one set per
 * calling thread, and computes what {@code ort} computes. No timing here.
 */
class OrtRunOptionsEngineTest {
  @Test
  void everyThreadRunsWithOptionsOfItsOwn_andTheOutputsAreOrts() throws Exception {
    float[] ort;
    try (OrtEngine e = (OrtEngine) Engine.open(Engine.Kind.ORT, Workload.MLP)) {
      e.predict(); // learns the output shapes
      ort = floats(((ByteBuffer[]) e.predict())[0]);
      assertThat(e.runOptions()).isNull(); // ONNX Runtime's default options
    }
    try (OrtEngine e = (OrtEngine) Engine.open(Engine.Kind.ORT_RUN_OPTIONS, Workload.MLP)) {
      e.predict();
      float[] withOptions = floats(((ByteBuffer[]) e.predict())[0]);
      OrtSession.RunOptions mine = e.runOptions();
      OrtSession.RunOptions[] other = new OrtSession.RunOptions[1];
      float[][] otherOutputs = new float[1][];
      Thread t =
          new Thread(
              () -> {
                try {
                  otherOutputs[0] = floats(((ByteBuffer[]) e.predict())[0]);
                  other[0] = e.runOptions();
                } catch (Exception x) {
                  throw new IllegalStateException(x);
                }
              });
      t.start();
      t.join();
      assertThat(mine).isNotNull();
      assertThat(e.runOptions()).isSameAs(mine); // made once per thread
      assertThat(other[0]).isNotNull().isNotSameAs(mine);
      assertThat(withOptions).hasSize(10).containsExactly(ort);
      assertThat(otherOutputs[0]).containsExactly(ort);
    }
  }

  private static float[] floats(ByteBuffer b) {
    ByteBuffer le = b.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    float[] f = new float[le.remaining() / 4];
    le.asFloatBuffer().get(f);
    return f;
  }
}
