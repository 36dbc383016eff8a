package io.serve4j.local.internal;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import io.serve4j.Shape;
import io.serve4j.Tensor;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** The small tensors a run slot keeps between runs: reused only for the same shape, freed. */
class StagingTest {
  private final OrtEnvironment env = OrtEnvironment.getEnvironment();

  private static Tensor floats(long[] shape, float... v) {
    return Tensor.ofFloats("x", shape, v);
  }

  @Test
  void input_sameShape_reusesTheTensor_withTheNewData() throws Exception {
    try (Staging s = new Staging()) {
      Tensor a = floats(new long[] {1, 2}, 1, 2);
      Tensor b = floats(new long[] {1, 2}, 3, 4);
      OnnxTensor first = s.input(env, 0, 1, a.shape(), a.buffer(), OnnxJavaType.FLOAT);
      assertThat(first.getFloatBuffer().get(1)).isEqualTo(2f);
      OnnxTensor second = s.input(env, 0, 1, b.shape(), b.buffer(), OnnxJavaType.FLOAT);
      assertThat(second).isSameAs(first);
      assertThat(second.getFloatBuffer().get(0)).isEqualTo(3f);
      assertThat(second.getFloatBuffer().get(1)).isEqualTo(4f);
      assertThat(a.asFloats()).as("the caller's data is not touched").containsExactly(1f, 2f);
    }
  }

  @Test
  void input_otherShape_makesANewTensor_andFreesTheOld() throws Exception {
    try (Staging s = new Staging()) {
      Tensor a = floats(new long[] {1, 2}, 1, 2);
      Tensor b = floats(new long[] {2, 1}, 5, 6);
      OnnxTensor first = s.input(env, 0, 1, a.shape(), a.buffer(), OnnxJavaType.FLOAT);
      OnnxTensor second = s.input(env, 0, 1, b.shape(), b.buffer(), OnnxJavaType.FLOAT);
      assertThat(second).isNotSameAs(first);
      assertThat(first.isClosed()).isTrue();
      assertThat(second.getInfo().getShape()).containsExactly(2, 1);
      assertThat(s.kept()).isEqualTo(1);
    }
  }

  @Test
  void largeTensors_areNotKept() throws Exception {
    try (Staging s = new Staging()) {
      int n = Staging.MAX_BYTES / 4 + 1;
      Tensor big = Tensor.ofFloats("x", new long[] {1, n}, new float[n]);
      assertThat(s.input(env, 0, 1, big.shape(), big.buffer(), OnnxJavaType.FLOAT)).isNull();
      assertThat(s.output(env, 0, 1, new long[] {1, n}, 4L * n, OnnxJavaType.FLOAT)).isNull();
      assertThat(s.kept()).isZero();
    }
  }

  @Test
  void output_copy_isTheCallersOwn() throws Exception {
    try (Staging s = new Staging()) {
      Staging.Entry e = s.output(env, 0, 1, new long[] {1, 2}, 8, OnnxJavaType.FLOAT);
      e.buffer.putFloat(0, 7f).putFloat(4, 8f);
      ByteBuffer mine = Staging.copy(e);
      e.buffer.putFloat(0, -1f); // the slot's next run
      Tensor t = Tensor.wrap("y", io.serve4j.DataType.FP32, Shape.of(1, 2), mine);
      assertThat(t.asFloats()).containsExactly(7f, 8f);
      assertThat(s.output(env, 0, 1, new long[] {1, 2}, 8, OnnxJavaType.FLOAT)).isSameAs(e);
    }
  }

  @Test
  void close_freesEveryKeptTensor() throws Exception {
    Staging s = new Staging();
    Tensor a = floats(new long[] {1, 2}, 1, 2);
    OnnxTensor in = s.input(env, 0, 1, a.shape(), a.buffer(), OnnxJavaType.FLOAT);
    Staging.Entry out = s.output(env, 0, 1, new long[] {1, 2}, 8, OnnxJavaType.FLOAT);
    s.close();
    assertThat(in.isClosed()).isTrue();
    assertThat(out.tensor.isClosed()).isTrue();
    assertThat(s.kept()).isZero();
  }
}
