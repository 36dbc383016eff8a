package io.serve4j.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The hand-written ONNX models load in ONNX Runtime and compute what their graphs say. */
class SyntheticModelsTest {
  private static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();

  @Test
  void mlp_loadsWithDynamicBatch_andMatchesJavaReference() throws Exception {
    SyntheticModels.Generated g = SyntheticModels.mlp();
    int batch = 3;
    float[] x = random(batch * SyntheticModels.MLP_IN);
    float[] y = run(g, x, new long[] {batch, SyntheticModels.MLP_IN}, new long[] {batch, 10});
    Map<String, float[]> w = g.weights();
    for (int b = 0; b < batch; b++) {
      float[] row = Arrays.copyOfRange(x, b * 64, (b + 1) * 64);
      float[] h1 = relu(gemm(row, w.get("w1"), w.get("b1")));
      float[] h2 = relu(gemm(h1, w.get("w2"), w.get("b2")));
      float[] out = gemm(h2, w.get("w3"), w.get("b3"));
      for (int j = 0; j < 10; j++) {
        assertThat(y[b * 10 + j]).isCloseTo(out[j], within(1e-4f));
      }
    }
  }

  @Test
  void cnn_loadsWithDynamicBatch_andMatchesJavaReference() throws Exception {
    SyntheticModels.Generated g = SyntheticModels.cnn();
    int batch = 2;
    int per = 3 * 32 * 32;
    float[] x = random(batch * per);
    float[] y = run(g, x, new long[] {batch, 3, 32, 32}, new long[] {batch, 10});
    Map<String, float[]> w = g.weights();
    for (int b = 0; b < batch; b++) {
      float[] img = Arrays.copyOfRange(x, b * per, (b + 1) * per);
      float[] c1 = relu(conv(img, 3, 32, w.get("c1w"), w.get("c1b"), 16, 1));
      float[] c2 = relu(conv(c1, 16, 32, w.get("c2w"), w.get("c2b"), 32, 2));
      float[] gap = new float[32];
      for (int c = 0; c < 32; c++) {
        double s = 0;
        for (int i = 0; i < 16 * 16; i++) {
          s += c2[c * 256 + i];
        }
        gap[c] = (float) (s / 256);
      }
      float[] out = gemm(gap, w.get("w"), w.get("b"));
      for (int j = 0; j < 10; j++) {
        assertThat(y[b * 10 + j]).isCloseTo(out[j], within(1e-4f));
      }
    }
  }

  @Test
  void models_areTheSameBytesOnEveryRun() {
    assertThat(SyntheticModels.mlp().bytes()).isEqualTo(SyntheticModels.mlp().bytes());
    assertThat(SyntheticModels.cnn().bytes()).isEqualTo(SyntheticModels.cnn().bytes());
  }

  private static float[] run(SyntheticModels.Generated g, float[] x, long[] shape, long[] outShape)
      throws Exception {
    try (OrtSession s = ENV.createSession(g.bytes());
        OnnxTensor t = OnnxTensor.createTensor(ENV, FloatBuffer.wrap(x), shape);
        OrtSession.Result r = s.run(Map.of("x", t))) {
      assertThat(s.getInputInfo().get("x").getInfo().toString()).contains("batch");
      OnnxTensor y = (OnnxTensor) r.get("y").orElseThrow();
      assertThat(y.getInfo().getShape()).isEqualTo(outShape);
      FloatBuffer fb = y.getFloatBuffer();
      float[] out = new float[fb.remaining()];
      fb.get(out);
      return out;
    }
  }

  private static float[] random(int n) {
    Random r = new Random(1);
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) r.nextGaussian();
    }
    return v;
  }

  /** row [K] times w [K, M] plus b [M]. */
  private static float[] gemm(float[] row, float[] w, float[] b) {
    int m = b.length;
    int k = row.length;
    float[] out = b.clone();
    for (int j = 0; j < m; j++) {
      double s = out[j];
      for (int i = 0; i < k; i++) {
        s += row[i] * w[i * m + j];
      }
      out[j] = (float) s;
    }
    return out;
  }

  private static float[] relu(float[] v) {
    float[] out = v.clone();
    for (int i = 0; i < out.length; i++) {
      out[i] = Math.max(0, out[i]);
    }
    return out;
  }

  /** 3x3 convolution, padding 1, of an [in, size, size] image with [out, in, 3, 3] weights. */
  private static float[] conv(
      float[] img, int in, int size, float[] w, float[] b, int out, int stride) {
    int o = (size + 2 - 3) / stride + 1;
    float[] y = new float[out * o * o];
    for (int f = 0; f < out; f++) {
      for (int oy = 0; oy < o; oy++) {
        for (int ox = 0; ox < o; ox++) {
          double s = b[f];
          for (int c = 0; c < in; c++) {
            for (int ky = 0; ky < 3; ky++) {
              for (int kx = 0; kx < 3; kx++) {
                int iy = oy * stride + ky - 1;
                int ix = ox * stride + kx - 1;
                if (iy >= 0 && iy < size && ix >= 0 && ix < size) {
                  s += img[(c * size + iy) * size + ix] * w[((f * in + c) * 3 + ky) * 3 + kx];
                }
              }
            }
          }
          y[(f * o + oy) * o + ox] = (float) s;
        }
      }
    }
    return y;
  }
}
