package io.serve4j.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.serve4j.InferenceRequest;
import io.serve4j.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

class ProtoTensorsTest {
  private static ModelInferRequest request(float[] values) {
    ByteBuffer raw = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    raw.asFloatBuffer().put(values);
    return ModelInferRequest.newBuilder()
        .setModelName("m")
        .addInputs(
            ModelInferRequest.InferInputTensor.newBuilder()
                .setName("x")
                .setDatatype("FP32")
                .addShape(1)
                .addShape(values.length))
        .addRawInputContents(ByteString.copyFrom(raw.array()))
        .build();
  }

  @Test
  void rawInputContents_areReadInPlace_notCopiedIntoANewDirectBuffer() {
    int n = 1 << 16; // 256 KiB of FP32
    float[] values = new float[n];
    for (int i = 0; i < n; i++) {
      values[i] = i * 0.5f;
    }
    ModelInferRequest msg = request(values);

    InferenceRequest r = ProtoTensors.readRequest(msg);

    Tensor t = r.inputs().get(0);
    assertThat(java.util.Arrays.equals(t.asFloats(), values)).isTrue();
    assertThat(t.shape().toArray()).containsExactly(1, n);
    // a copy cost a new direct buffer (256 KiB of native memory here) per input per request; the
    // message's bytes are immutable and the runtime copies them into its own tensor anyway
    assertThat(t.buffer().isDirect()).isFalse();
    assertThat(t.buffer().isReadOnly()).isTrue();
  }

  @Test
  void rawInputContents_fromASliceOfALargerBuffer_readTheirOwnBytes() {
    ModelInferRequest full = request(new float[] {1f, 2f, 3f, 4f});
    ByteString slice = full.getRawInputContents(0).substring(4, 12); // 2.0f, 3.0f
    ModelInferRequest msg =
        full.toBuilder()
            .setInputs(0, full.getInputs(0).toBuilder().setShape(1, 2))
            .setRawInputContents(0, slice)
            .build();

    Tensor t = ProtoTensors.readRequest(msg).inputs().get(0);

    assertThat(t.asFloats()).containsExactly(2f, 3f);
    assertThat(t.byteSize()).isEqualTo(8);
  }
}
