package io.serve4j.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/**
 * The raw baseline {@code ort} takes the request's bytes into its input tensor before every run, as
 * any caller whose requests bring new data (and serve4j, which copies each request into its run's
 * tensor) must; {@code ort_static} reads what its buffer held, written once.
 */
class OrtEngineInputsTest {

  @Test
  void ort_writesTheRequestIntoItsInputBeforeEveryRun() throws Exception {
    try (OrtEngine e = new OrtEngine(Workload.MLP)) {
      e.predict(); // the first run learns the outputs' layout
      float[] expected = firstOutput(e.predict());

      scribble(e.inputBuffer(0)); // what was left in the buffer from elsewhere

      assertThat(firstOutput(e.predict())).containsExactly(expected);
    }
  }

  @Test
  void ortStatic_runsOnWhateverItsInputBufferHolds() throws Exception {
    try (OrtEngine e = new OrtEngine(Workload.MLP, false, true)) {
      e.predict();
      float[] expected = firstOutput(e.predict());

      scribble(e.inputBuffer(0));

      assertThat(firstOutput(e.predict())).isNotEqualTo(expected);
    }
  }

  private static void scribble(ByteBuffer in) {
    while (in.remaining() >= 4) {
      in.putFloat(3.5f);
    }
  }

  private static float[] firstOutput(Object outputs) {
    ByteBuffer b = ((ByteBuffer[]) outputs)[0].duplicate();
    b.clear();
    float[] f = new float[b.remaining() / 4];
    b.order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
    return f;
  }
}
