package io.serve4j.gcp.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.cloud.aiplatform.v1.PredictRequest;
import com.google.cloud.aiplatform.v1.PredictResponse;
import com.google.protobuf.ListValue;
import com.google.protobuf.Value;
import io.serve4j.DataType;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.Tensor;
import io.serve4j.TensorSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Predict's instances codec: the wire form of each element type, and predictions read back (FP32 /
 * FP64 straight from the numbers, every other case through the OIP JSON form).
 */
class InstancesCodecTest {
  private static final String EP = "projects/p/locations/l/endpoints/e";

  private static Value num(double v) {
    return Value.newBuilder().setNumberValue(v).build();
  }

  private static Value list(Value... values) {
    return Value.newBuilder()
        .setListValue(ListValue.newBuilder().addAllValues(List.of(values)))
        .build();
  }

  @Test
  void encode_fp32Matrix_oneListPerRowWithTheFloatsAsDoubles() {
    PredictRequest r =
        InstancesCodec.encode(
            EP,
            InferenceRequest.of(
                Tensor.ofFloats("x", new long[] {2, 3}, new float[] {0.1f, -2, 3, 4, 5.5f, 6})));
    assertThat(r.getEndpoint()).isEqualTo(EP);
    assertThat(r.getInstancesList())
        .containsExactly(list(num(0.1f), num(-2), num(3)), list(num(4), num(5.5f), num(6)));
  }

  @Test
  void encode_rank3_nestsEachRow() {
    PredictRequest r =
        InstancesCodec.encode(
            EP,
            InferenceRequest.of(Tensor.ofInts("x", new long[] {1, 2, 2}, new int[] {1, 2, 3, 4})));
    assertThat(r.getInstancesList())
        .containsExactly(list(list(num(1), num(2)), list(num(3), num(4))));
  }

  @Test
  void encode_vectorAndOtherTypes_oneLeafPerRowOfTheirKind() {
    assertThat(
            InstancesCodec.encode(
                    EP,
                    InferenceRequest.of(
                        Tensor.ofLongs("x", new long[] {2}, new long[] {1L << 40, -7})))
                .getInstancesList())
        .containsExactly(num(1L << 40), num(-7));
    assertThat(
            InstancesCodec.encode(
                    EP,
                    InferenceRequest.of(
                        Tensor.ofBooleans("x", new long[] {2}, new boolean[] {true, false})))
                .getInstancesList())
        .containsExactly(
            Value.newBuilder().setBoolValue(true).build(),
            Value.newBuilder().setBoolValue(false).build());
    assertThat(
            InstancesCodec.encode(
                    EP,
                    InferenceRequest.of(
                        Tensor.ofStrings("x", new long[] {2}, List.of("héllo", "b"))))
                .getInstancesList())
        .containsExactly(
            Value.newBuilder().setStringValue("héllo").build(),
            Value.newBuilder().setStringValue("b").build());
  }

  @Test
  void encode_severalInputs_oneStructPerRow() {
    PredictRequest r =
        InstancesCodec.encode(
            EP,
            InferenceRequest.of(
                Tensor.ofFloats("a", new long[] {2, 1}, new float[] {1, 2}),
                Tensor.ofDoubles("b", new long[] {2}, new double[] {0.25, 0.5})));
    assertThat(r.getInstancesCount()).isEqualTo(2);
    assertThat(r.getInstances(1).getStructValue().getFieldsMap())
        .containsEntry("a", list(num(2)))
        .containsEntry("b", num(0.5));
  }

  @Test
  void decode_numbers_fp32TensorOfThePredictionsShape() {
    PredictResponse r =
        PredictResponse.newBuilder()
            .addPredictions(list(num(1), num(-0.5)))
            .addPredictions(list(num(3), num(4)))
            .setDeployedModelId("123")
            .build();
    InferenceResponse out =
        InstancesCodec.decode(
            r,
            null,
            InferenceRequest.builder()
                .id("req-1")
                .input(Tensor.ofFloats("x", new long[] {1}, new float[] {0}))
                .build());
    Tensor t = out.output("predictions");
    assertThat(t.dataType()).isEqualTo(DataType.FP32);
    assertThat(t.shape().toArray()).containsExactly(2, 2);
    assertThat(t.asFloats()).containsExactly(1, -0.5f, 3, 4);
    assertThat(out.deployment()).contains("123");
    assertThat(out.id()).contains("req-1");
  }

  @Test
  void decode_declaredFp64AndInt64_keepTheirTypes() {
    PredictResponse r = PredictResponse.newBuilder().addPredictions(num(0.1)).build();
    InferenceRequest req =
        InferenceRequest.of(Tensor.ofFloats("x", new long[] {1}, new float[] {0}));
    Tensor d = InstancesCodec.decode(r, TensorSpec.of("p", DataType.FP64, -1), req).output("p");
    assertThat(d.asDoubles()).containsExactly(0.1);
    Tensor l =
        InstancesCodec.decode(
                PredictResponse.newBuilder().addPredictions(num(7)).build(),
                TensorSpec.of("label", DataType.INT64, -1),
                req)
            .output("label");
    assertThat(l.dataType()).isEqualTo(DataType.INT64);
    assertThat(l.asLongs()).containsExactly(7);
  }

  @Test
  void decode_stringsAndRaggedRows_takeTheGeneralPath() {
    InferenceRequest req =
        InferenceRequest.of(Tensor.ofFloats("x", new long[] {1}, new float[] {0}));
    Tensor s =
        InstancesCodec.decode(
                PredictResponse.newBuilder()
                    .addPredictions(Value.newBuilder().setStringValue("cat"))
                    .build(),
                null,
                req)
            .output("predictions");
    assertThat(s.asStrings()).containsExactly("cat");
    PredictResponse ragged =
        PredictResponse.newBuilder()
            .addPredictions(list(num(1), num(2)))
            .addPredictions(list(num(3)))
            .build();
    assertThatThrownBy(() -> InstancesCodec.decode(ragged, null, req))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
