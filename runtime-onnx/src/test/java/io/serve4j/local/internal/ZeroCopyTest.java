package io.serve4j.local.internal;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import io.serve4j.Tensor;
import java.nio.Buffer;
import org.junit.jupiter.api.Test;

/**
 * Checks the claim the run path rests on: ONNX Runtime's {@code createTensor(env, ByteBuffer,
 * shape, type)} uses a serve4j tensor's read-only direct buffer as it is, without copying.
 */
class ZeroCopyTest {
  @Test
  void onnxTensor_overATensorsBuffer_sharesItInsteadOfCopying() throws Exception {
    Tensor x = Tensor.ofFloats("x", new long[] {2, 3}, new float[] {1, 2, 3, 4, 5, 6});
    assertThat(x.buffer().isDirect()).isTrue();
    assertThat(x.buffer().isReadOnly()).isTrue();
    try (OnnxTensor t =
        OnnxTensor.createTensor(
            OrtEnvironment.getEnvironment(), x.buffer(), x.shape().toArray(), OnnxJavaType.FLOAT)) {
      assertThat(t.ownsBuffer()).as("ONNX Runtime copied into a buffer of its own").isFalse();
      Buffer ref = t.getBufferRef().orElseThrow();
      assertThat(ref.isDirect()).isTrue();
      assertThat(ref.capacity()).isEqualTo(x.byteSize());
      assertThat(t.getFloatBuffer().get(5)).isEqualTo(6f);
    }
  }
}
