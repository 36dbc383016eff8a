package io.serve4j.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.io.NumberOutput;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import io.serve4j.InferenceResponse;
import io.serve4j.Tensor;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link FloatText}, OipJson's FP32 writer: the same text as Jackson's fast float writer (the
 * shortest decimal that reads back to the same float) for every exponent, subnormals, powers of
 * two, integers and random values; exact FP32 round trips through OipJson, NaN and infinities
 * included.
 */
class FloatTextTest {
  private static String text(float f) {
    byte[] b = new byte[FloatText.MAX_LENGTH];
    int n = FloatText.write(f, b, 0);
    return new String(b, 0, n, StandardCharsets.US_ASCII);
  }

  /** What OipJson wrote before (Jackson's writeNumber(float) with the fast writer). */
  private static String jackson(float f) {
    if (Float.isNaN(f) || Float.isInfinite(f)) {
      return "\"" + NumberOutput.toString(f, true) + "\"";
    }
    return NumberOutput.toString(f, true);
  }

  private static void check(float f) {
    String t = text(f);
    String expected = jackson(f);
    if (!t.equals(expected)) {
      throw new AssertionError(
          "float bits 0x"
              + Integer.toHexString(Float.floatToRawIntBits(f))
              + ": "
              + t
              + " != "
              + expected);
    }
    if (!Float.isNaN(f) && !Float.isInfinite(f)) {
      assertThat(Float.floatToRawIntBits(Float.parseFloat(t)))
          .as(t)
          .isEqualTo(Float.floatToRawIntBits(f));
    }
  }

  @Test
  void eightDigits_everyValueBelowTenToTheEight() {
    for (int l = 0; l < 100_000_000; l++) {
      long v = FloatText.eightDigits(l);
      int x = l;
      for (int i = 7; i >= 0; i--) {
        int digit = (int) (v >>> (8 * i) & 0xff) - '0';
        if (digit != x % 10) {
          throw new AssertionError("digit " + i + " of " + l + " is " + digit);
        }
        x /= 10;
      }
    }
  }

  @Test
  void specialValues() {
    assertThat(text(0f)).isEqualTo("0.0");
    assertThat(text(-0f)).isEqualTo("-0.0");
    assertThat(text(1f)).isEqualTo("1.0");
    assertThat(text(0.1f)).isEqualTo("0.1");
    assertThat(text(1e7f)).isEqualTo("1.0E7");
    assertThat(text(1.0E-5f)).isEqualTo("1.0E-5");
    assertThat(text(0.001f)).isEqualTo("0.001");
    assertThat(text(Float.NaN)).isEqualTo("\"NaN\"");
    assertThat(text(Float.POSITIVE_INFINITY)).isEqualTo("\"Infinity\"");
    assertThat(text(Float.NEGATIVE_INFINITY)).isEqualTo("\"-Infinity\"");
    for (float f :
        new float[] {
          Float.MIN_VALUE,
          -Float.MIN_VALUE,
          Float.MIN_NORMAL,
          Float.MAX_VALUE,
          -Float.MAX_VALUE,
          16777215f,
          16777216f,
          9999999f,
          10000001f,
          1.17549435E-38f,
          3.4028235E38f,
          0.3f,
          2f / 3f,
          123456.789f,
          1e-3f,
          9.999999e-4f,
          1e-44f,
          2.0E-45f,
          8.0E-45f,
          1.4E-44f
        }) {
      check(f);
      check(-f);
    }
    check(Float.intBitsToFloat(0x7fc00001)); // a NaN with a payload
  }

  @Test
  void everyExponent_withEdgeAndRandomMantissas() {
    Random r = new Random(20);
    for (int bq = 0; bq < 255; bq++) {
      int[] mantissas = new int[64];
      mantissas[0] = 0;
      mantissas[1] = 1;
      mantissas[2] = (1 << 23) - 1;
      mantissas[3] = 1 << 22;
      for (int i = 4; i < mantissas.length; i++) {
        mantissas[i] = r.nextInt(1 << 23);
      }
      for (int m : mantissas) {
        check(Float.intBitsToFloat(bq << 23 | m));
        check(Float.intBitsToFloat(1 << 31 | bq << 23 | m));
      }
    }
  }

  @Test
  void everySmallSubnormal_andEveryIntegerToAMillion() {
    for (int m = 1; m < 1 << 16; m++) {
      check(Float.intBitsToFloat(m));
    }
    for (int i = 0; i <= 1_000_000; i++) {
      check(i);
      check(i / 1000f);
    }
  }

  @Test
  void twoMillionRandomFloats_andGaussianActivations() {
    Random r = new Random(42);
    for (int i = 0; i < 2_000_000; i++) {
      float f = Float.intBitsToFloat(r.nextInt());
      if (Float.isNaN(f)) {
        continue;
      }
      check(f);
      check((float) (r.nextGaussian() * 0.5));
    }
  }

  @Test
  void oipJsonResponse_isTheSameTextAsJacksonsWriter_andReadsBackExactly() throws Exception {
    Random r = new Random(7);
    float[] values = new float[16 * 384 + 5];
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) (r.nextGaussian() * 0.5);
    }
    values[0] = Float.NaN;
    values[1] = Float.POSITIVE_INFINITY;
    values[2] = Float.NEGATIVE_INFINITY;
    values[3] = -0f;
    values[4] = Float.MIN_VALUE;
    InferenceResponse resp =
        InferenceResponse.builder()
            .modelName("m")
            .output(Tensor.ofFloats("y", new long[] {1, values.length}, values))
            .output(Tensor.ofFloats("empty", new long[] {0}, new float[0]))
            .output(Tensor.ofHalfFloats("h", new long[] {3}, new float[] {0.5f, -2f, 65504f}))
            .output(Tensor.ofInts("i", new long[] {2}, new int[] {1, 2}))
            .build();
    byte[] ours = OipJson.writeResponse(resp);

    // the writer before: Jackson's writeNumber(float) per element
    JsonFactory f = JsonFactory.builder().enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER).build();
    ByteArrayBuilder out = new ByteArrayBuilder();
    try (JsonGenerator g = f.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("model_name", "m");
      g.writeArrayFieldStart("outputs");
      tensor(g, "y", new long[] {1, values.length}, "FP32", values);
      tensor(g, "empty", new long[] {0}, "FP32", new float[0]);
      tensor(g, "h", new long[] {3}, "FP16", new float[] {0.5f, -2f, 65504f});
      g.writeStartObject();
      g.writeStringField("name", "i");
      g.writeArrayFieldStart("shape");
      g.writeNumber(2);
      g.writeEndArray();
      g.writeStringField("datatype", "INT32");
      g.writeArrayFieldStart("data");
      g.writeNumber(1);
      g.writeNumber(2);
      g.writeEndArray();
      g.writeEndObject();
      g.writeEndArray();
      g.writeEndObject();
    }
    assertThat(new String(ours, StandardCharsets.UTF_8))
        .isEqualTo(new String(out.toByteArray(), StandardCharsets.UTF_8));

    float[] back = OipJson.readResponse(ours).output("y").asFloats();
    assertThat(back).hasSize(values.length);
    for (int i = 0; i < values.length; i++) {
      assertThat(Float.floatToIntBits(back[i])).isEqualTo(Float.floatToIntBits(values[i]));
    }
  }

  private static void tensor(JsonGenerator g, String name, long[] shape, String type, float[] v)
      throws Exception {
    g.writeStartObject();
    g.writeStringField("name", name);
    g.writeArrayFieldStart("shape");
    for (long d : shape) {
      g.writeNumber(d);
    }
    g.writeEndArray();
    g.writeStringField("datatype", type);
    g.writeArrayFieldStart("data");
    for (float x : v) {
      g.writeNumber(x);
    }
    g.writeEndArray();
    g.writeEndObject();
  }

  @Test
  void theTreeForm_stillHoldsNumbers() {
    var node = OipJson.tensor(Tensor.ofFloats("y", new long[] {2}, new float[] {0.1f, Float.NaN}));
    assertThat(node.get("data").get(0).isNumber()).isTrue();
    assertThat(node.get("data").get(0).floatValue()).isEqualTo(0.1f);
  }
}
