package io.serve4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

public class TensorTest {
  private static final long[] SHAPE = {2, 3};

  /** Builds a 2x3 tensor of the type with distinctive values, and checks it reads back. */
  @ParameterizedTest
  @EnumSource(DataType.class)
  void roundTrip_everyDataType(DataType type) {
    Tensor t = sample(type, SHAPE);
    assertThat(t.dataType()).isEqualTo(type);
    assertThat(t.shape()).isEqualTo(Shape.of(SHAPE));
    assertThat(t.elementCount()).isEqualTo(6);
    assertReadsBack(type, t);
    // Through raw bytes as well: the same buffer makes an equal tensor.
    Tensor copy = Tensor.of("v", type, t.shape(), t.buffer());
    assertThat(copy).isEqualTo(t);
  }

  @ParameterizedTest
  @EnumSource(DataType.class)
  void emptyTensor_roundTripsEveryDataType(DataType type) {
    Tensor t = sample(type, new long[] {0, 3});
    assertThat(t.elementCount()).isZero();
    assertThat(t.byteSize()).isZero();
    assertThat(Tensor.of("v", type, t.shape(), t.buffer())).isEqualTo(t);
  }

  @Test
  void buffer_isReadOnlyLittleEndianDirect() {
    Tensor t = Tensor.ofFloats("x", new long[] {2}, new float[] {1f, 2f});
    ByteBuffer b = t.buffer();
    assertThat(b.isDirect()).isTrue();
    assertThat(b.isReadOnly()).isTrue();
    assertThat(b.order()).isEqualTo(ByteOrder.LITTLE_ENDIAN);
    assertThat(b.getFloat(4)).isEqualTo(2f);
  }

  @Test
  void of_copiesTheCallersBuffer() {
    ByteBuffer src = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, 7);
    Tensor t = Tensor.of("i", DataType.INT32, Shape.of(1), src);
    src.putInt(0, 9);
    assertThat(t.asInts()).containsExactly(7);
  }

  @Test
  void of_whenByteCountDoesNotMatchShape_throwsInvalidInput() {
    assertThatThrownBy(() -> Tensor.of("x", DataType.FP32, Shape.of(2, 2), ByteBuffer.allocate(12)))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("'x'")
        .hasMessageContaining("16")
        .hasMessageContaining("12");
  }

  @Test
  void tensor_withDynamicShape_isRejected() {
    assertThatThrownBy(() -> Tensor.of("x", DataType.FP32, Shape.of(-1, 2), ByteBuffer.allocate(8)))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("dynamic");
  }

  @Test
  void shape_withDynamicDimensions_acceptsConcreteShapes() {
    Shape spec = Shape.of(-1, 384);
    assertThat(spec.isDynamic()).isTrue();
    assertThat(spec.accepts(Shape.of(8, 384))).isTrue();
    assertThat(spec.accepts(Shape.of(8, 383))).isFalse();
    assertThat(spec.accepts(Shape.of(384))).isFalse();
    assertThatThrownBy(spec::elementCount).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void bytes_utf8AndBinaryContent_roundTrip() {
    Tensor text = Tensor.ofStrings("s", new long[] {3}, List.of("héllo", "", "日本語"));
    assertThat(text.asStrings()).containsExactly("héllo", "", "日本語");
    byte[] binary = {(byte) 0xff, 0, (byte) 0xc3, 0x28};
    Tensor bin = Tensor.ofByteStrings("b", new long[] {1, 2}, List.of(binary, new byte[0]));
    assertThat(bin.asByteStrings()).containsExactly(binary, new byte[0]);
    assertThatThrownBy(bin::asStrings).isInstanceOf(IllegalStateException.class);
    assertThat(bin.byteSize()).isEqualTo(4 + 4 + 4);
  }

  @Test
  void bytes_whenLayoutIsTruncated_throwsInvalidInput() {
    ByteBuffer b = ByteBuffer.allocate(6).order(ByteOrder.LITTLE_ENDIAN).putInt(0, 5);
    assertThatThrownBy(() -> Tensor.of("b", DataType.BYTES, Shape.of(1), b))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("bad length");
  }

  @Test
  void halfFloats_convertExactlyWhereRepresentable() {
    float[] values = {0f, -0f, 1f, -2.5f, 65504f, 5.9604645e-8f, Float.POSITIVE_INFINITY};
    Tensor h = Tensor.ofHalfFloats("h", new long[] {values.length}, values);
    assertThat(h.asFloats()).containsExactly(values);
    assertThat(h.asShorts()[2]).isEqualTo((short) 0x3c00);
    Tensor nan = Tensor.ofHalfFloats("n", new long[] {1}, new float[] {Float.NaN});
    assertThat(nan.asFloats()[0]).isNaN();
    Tensor rounded = Tensor.ofHalfFloats("r", new long[] {1}, new float[] {0.1f});
    assertThat(rounded.asFloats()[0]).isCloseTo(0.1f, within(1e-4f));
    Tensor overflow = Tensor.ofHalfFloats("o", new long[] {1}, new float[] {1e6f});
    assertThat(overflow.asFloats()[0]).isInfinite();
  }

  @Test
  void asLongs_widensNarrowIntegersAndUnsigned() {
    assertThat(
            Tensor.ofBytes("u", DataType.UINT8, new long[] {2}, new byte[] {(byte) 200, 1})
                .asLongs())
        .containsExactly(200, 1);
    assertThat(Tensor.ofInts("u", DataType.UINT32, new long[] {1}, new int[] {-1}).asLongs())
        .containsExactly(4294967295L);
    assertThat(Tensor.ofShorts("s", DataType.INT16, new long[] {1}, new short[] {-3}).asLongs())
        .containsExactly(-3);
  }

  @Test
  void readingTheWrongType_failsClearly() {
    Tensor t = Tensor.ofInts("i", new long[] {1}, new int[] {1});
    assertThatThrownBy(t::asFloats)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("INT32");
  }

  @Test
  void sliceAndConcatRows_areInverse() {
    Tensor t = Tensor.ofFloats("x", new long[] {3, 2}, new float[] {1, 2, 3, 4, 5, 6});
    Tensor a = t.sliceRows(0, 1);
    Tensor b = t.sliceRows(1, 3);
    assertThat(a.asFloats()).containsExactly(1, 2);
    assertThat(b.shape()).isEqualTo(Shape.of(2, 2));
    assertThat(b.asFloats()).containsExactly(3, 4, 5, 6);
    assertThat(Tensor.concatRows("x", List.of(a, b))).isEqualTo(t);
    Tensor s = Tensor.ofStrings("s", new long[] {3}, List.of("a", "bb", "ccc"));
    assertThat(s.sliceRows(1, 3).asStrings()).containsExactly("bb", "ccc");
    assertThat(Tensor.concatRows("s", List.of(s.sliceRows(0, 1), s.sliceRows(1, 3)))).isEqualTo(s);
  }

  @Test
  void concatRows_whenTrailingDimensionsDiffer_throwsInvalidInput() {
    Tensor a = Tensor.ofFloats("x", new long[] {1, 2}, new float[] {1, 2});
    Tensor b = Tensor.ofFloats("x", new long[] {1, 3}, new float[] {1, 2, 3});
    assertThatThrownBy(() -> Tensor.concatRows("x", List.of(a, b)))
        .isInstanceOf(InvalidInputException.class);
  }

  @Test
  void toString_showsNoData() {
    Tensor t = Tensor.ofStrings("secret", new long[] {1}, List.of("p4ssw0rd"));
    assertThat(t.toString()).doesNotContain("p4ssw0rd").contains("BYTES");
  }

  public static Tensor sample(DataType type, long[] shape) {
    int n = (int) Shape.of(shape).elementCount();
    return switch (type) {
      case BOOL -> {
        boolean[] v = new boolean[n];
        for (int i = 0; i < n; i++) v[i] = i % 2 == 0;
        yield Tensor.ofBooleans("v", shape, v);
      }
      case UINT8, INT8 -> {
        byte[] v = new byte[n];
        for (int i = 0; i < n; i++) v[i] = (byte) (i * 50 - 100);
        yield Tensor.ofBytes("v", type, shape, v);
      }
      case UINT16, INT16 -> {
        short[] v = new short[n];
        for (int i = 0; i < n; i++) v[i] = (short) (i * 10000 - 20000);
        yield Tensor.ofShorts("v", type, shape, v);
      }
      case FP16 -> {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = i * 0.5f - 1f;
        yield Tensor.ofHalfFloats("v", shape, v);
      }
      case UINT32, INT32 -> {
        int[] v = new int[n];
        for (int i = 0; i < n; i++) v[i] = i * 1_000_000_000 - 5;
        yield Tensor.ofInts("v", type, shape, v);
      }
      case UINT64, INT64 -> {
        long[] v = new long[n];
        for (int i = 0; i < n; i++) v[i] = Long.MIN_VALUE / 3 * (i - 2);
        yield Tensor.ofLongs("v", type, shape, v);
      }
      case FP32 -> {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = i * 1.25f - 3e-7f;
        yield Tensor.ofFloats("v", shape, v);
      }
      case FP64 -> {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = i * Math.PI - 1e300;
        yield Tensor.ofDoubles("v", shape, v);
      }
      case BYTES -> {
        List<byte[]> v = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) v.add(("élément " + i).getBytes(StandardCharsets.UTF_8));
        yield Tensor.ofByteStrings("v", shape, v);
      }
    };
  }

  private static void assertReadsBack(DataType type, Tensor t) {
    int n = (int) t.elementCount();
    switch (type) {
      case BOOL ->
          assertThat(t.asBooleans()).containsExactly(true, false, true, false, true, false);
      case UINT8, INT8 -> {
        byte[] v = t.asBytes();
        for (int i = 0; i < n; i++) assertThat(v[i]).isEqualTo((byte) (i * 50 - 100));
      }
      case UINT16, INT16 -> {
        short[] v = t.asShorts();
        for (int i = 0; i < n; i++) assertThat(v[i]).isEqualTo((short) (i * 10000 - 20000));
      }
      case FP16 -> assertThat(t.asFloats()).containsExactly(-1f, -0.5f, 0f, 0.5f, 1f, 1.5f);
      case UINT32, INT32 -> {
        int[] v = t.asInts();
        for (int i = 0; i < n; i++) assertThat(v[i]).isEqualTo(i * 1_000_000_000 - 5);
      }
      case UINT64, INT64 -> {
        long[] v = t.asLongs();
        for (int i = 0; i < n; i++) assertThat(v[i]).isEqualTo(Long.MIN_VALUE / 3 * (i - 2));
      }
      case FP32 -> {
        float[] v = t.asFloats();
        for (int i = 0; i < n; i++) assertThat(v[i]).isEqualTo(i * 1.25f - 3e-7f);
      }
      case FP64 -> {
        double[] v = t.asDoubles();
        for (int i = 0; i < n; i++) assertThat(v[i]).isEqualTo(i * Math.PI - 1e300);
      }
      case BYTES -> {
        List<String> v = t.asStrings();
        for (int i = 0; i < n; i++) assertThat(v.get(i)).isEqualTo("élément " + i);
      }
    }
  }
}
