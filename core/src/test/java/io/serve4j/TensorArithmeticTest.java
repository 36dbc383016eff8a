package io.serve4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Issue #13 items 10 and 11: exact sizes and typed failures of shapes, tensors and requests. */
class TensorArithmeticTest {
  private static final long TWO_60 = 1L << 60;
  private static final long TWO_62 = 1L << 62;

  @Test
  void of_whenByteSizeOverflowsLong_throwsInvalidInputNamingTensorAndShape() {
    // (2^60 + 1) * 4 elements * 4 bytes wraps to 16 bytes in long arithmetic.
    assertThatThrownBy(
            () -> Tensor.of("x", DataType.FP32, Shape.of(TWO_60 + 1, 4), ByteBuffer.allocate(16)))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("'x'")
        .hasMessageContaining("[" + (TWO_60 + 1) + ", 4]");
    // 2^62 FP32 elements are 2^64 bytes, which wraps to 0.
    assertThatThrownBy(
            () -> Tensor.of("y", DataType.FP32, Shape.of(TWO_62), ByteBuffer.allocate(0)))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("'y'")
        .hasMessageContaining("[" + TWO_62 + "]");
    assertThatThrownBy(
            () -> Tensor.wrap("z", DataType.INT64, Shape.of(TWO_60), ByteBuffer.allocate(0)))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("'z'");
  }

  @Test
  void of_whenShapeNeedsMoreBytesThanGiven_isRefused() {
    assertThatThrownBy(
            () -> Tensor.of("b", DataType.BYTES, Shape.of(TWO_62), ByteBuffer.allocate(8)))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("'b'");
    assertThatThrownBy(() -> Tensor.ofFloats("f", new long[] {TWO_62}, new float[0]))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("'f'");
  }

  @Test
  void shape_whenElementCountOverflows_isInvalidInputNotArithmetic() {
    assertThatThrownBy(() -> Shape.of(3, Long.MAX_VALUE))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("[3, " + Long.MAX_VALUE + "]");
    assertThatThrownBy(() -> Shape.of(-1, TWO_62, 4)).isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> Shape.of(-2)).isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> Shape.of((long[]) null)).isInstanceOf(InvalidInputException.class);
    // A zero dimension means no elements, whatever the others.
    assertThat(Shape.of(Long.MAX_VALUE, 3, 0).elementCount()).isZero();
    assertThatThrownBy(() -> Shape.of(1, 4).withFirstDimension(TWO_62))
        .isInstanceOf(InvalidInputException.class);
  }

  @Test
  void shape_ofLargestCountableProduct_isAccepted() {
    assertThat(Shape.of(Long.MAX_VALUE, 1).elementCount()).isEqualTo(Long.MAX_VALUE);
    assertThat(Shape.of(TWO_62 - 1, 2).elementCount()).isEqualTo(2 * (TWO_62 - 1));
  }

  @Test
  void factories_withNullArguments_throwInvalidInputNamingWhatIsMissing() {
    assertThatThrownBy(() -> Tensor.ofFloats(null, new long[] {1}, new float[] {1}))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("name");
    assertThatThrownBy(() -> Tensor.ofFloats("x", null, new float[] {1}))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("'x'")
        .hasMessageContaining("shape");
    assertThatThrownBy(() -> Tensor.ofLongs("x", new long[] {1}, null))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("values");
    assertThatThrownBy(() -> Tensor.ofStrings("s", new long[] {1}, Arrays.asList((String) null)))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("element 0");
    assertThatThrownBy(() -> Tensor.of(null, DataType.FP32, Shape.of(0), ByteBuffer.allocate(0)))
        .isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> Tensor.of("x", null, Shape.of(0), ByteBuffer.allocate(0)))
        .isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> Tensor.wrap("x", DataType.FP32, Shape.of(0), null))
        .isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> Tensor.ofInts("x", null, new long[] {1}, new int[] {1}))
        .isInstanceOf(InvalidInputException.class);
    Tensor t = Tensor.ofFloats("x", new long[] {1}, new float[] {1});
    assertThatThrownBy(() -> t.withName(null)).isInstanceOf(InvalidInputException.class);
  }

  @Test
  void factories_withNegativeDimension_throwInvalidInputNamingTheTensor() {
    assertThatThrownBy(() -> Tensor.ofFloats("neg", new long[] {-3}, new float[0]))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("'neg'");
  }

  @Test
  void ofStrings_withLoneSurrogate_isRefusedInsteadOfSilentlyReplaced() {
    assertThatThrownBy(() -> Tensor.ofStrings("s", new long[] {1}, List.of("a\ud800b")))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("'s'")
        .hasMessageContaining("surrogate");
    // A proper pair is fine.
    assertThat(Tensor.ofStrings("s", new long[] {1}, List.of("\ud83d\ude00")).asStrings())
        .containsExactly("\ud83d\ude00");
  }

  @Test
  void concatRows_whenRowsOverflow_isInvalidInput() {
    Tensor huge = Tensor.ofBooleans("h", new long[] {TWO_62, 0}, new boolean[0]);
    assertThatThrownBy(() -> Tensor.concatRows("c", List.of(huge, huge)))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("'c'");
  }

  @Test
  void concatRows_andSliceRows_badArguments_areInvalidInput() {
    Tensor t = Tensor.ofFloats("x", new long[] {2, 1}, new float[] {1, 2});
    assertThatThrownBy(() -> Tensor.concatRows("c", List.of()))
        .isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> Tensor.concatRows("c", null))
        .isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> Tensor.concatRows(null, List.of(t, t)))
        .isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> Tensor.concatRows("c", Arrays.asList(t, null)))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("part 1");
    assertThatThrownBy(() -> t.sliceRows(1, 3)).isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> t.sliceRows(-1, 1)).isInstanceOf(InvalidInputException.class);
    assertThat(Tensor.concatRows("c", List.of(t, t)).asFloats()).containsExactly(1, 2, 1, 2);
  }

  @Test
  void builders_withNull_throwNullPointerNamingTheArgument() {
    assertThatThrownBy(() -> InferenceRequest.builder().input(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("input");
    assertThatThrownBy(() -> InferenceRequest.builder().inputs(Arrays.asList((Tensor) null)))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("input");
    assertThatThrownBy(() -> InferenceRequest.builder().output(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("output name");
    assertThatThrownBy(() -> InferenceResponse.builder().parameter("k", null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("parameter value");
    assertThatThrownBy(() -> InferenceResponse.builder().outputs(Arrays.asList((Tensor) null)))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("output");
    assertThatThrownBy(() -> InferenceResponse.builder().parameter("k", List.of()).build())
        .isInstanceOf(InvalidInputException.class);
  }

  @Test
  void request_withDuplicateInputNames_isInvalidInput() {
    Tensor t = Tensor.ofFloats("x", new long[] {1}, new float[] {1});
    assertThatThrownBy(() -> InferenceRequest.of(t, t))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("duplicate");
  }
}
