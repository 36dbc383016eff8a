package io.serve4j.batch.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.IntNode;
import io.serve4j.Tensor;
import io.serve4j.batch.FieldMapping;
import io.serve4j.batch.RecordFormat;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scorer reads numbers with Jackson's FastDoubleParser and writes them with its Schubfach
 * writer: every value must read as {@code Double.parseDouble} does and write back to the same bits.
 */
class NumberRoundTripTest {
  @TempDir Path dir;

  private static float[] samples() {
    Random r = new Random(11);
    float[] v = new float[20_000];
    for (int i = 0; i < v.length; i++) {
      v[i] =
          switch (i % 4) {
            case 0 -> (float) r.nextGaussian();
            case 1 -> Float.intBitsToFloat(r.nextInt()); // any bits: subnormals, huge, tiny
            case 2 -> (float) (r.nextGaussian() * 1e-30);
            default -> r.nextInt(1_000_000) / 1000f;
          };
      if (!Float.isFinite(v[i])) {
        v[i] = Float.MIN_VALUE;
      }
    }
    v[0] = Float.MAX_VALUE;
    v[1] = -Float.MIN_NORMAL;
    v[2] = 0.1f;
    v[3] = -0.0f;
    return v;
  }

  @Test
  void writtenFloats_readBackToTheSameBits() throws IOException {
    float[] v = samples();
    ResultFormatter f = new ResultFormatter(RecordFormat.JSONL, List.of("y"));

    byte[] line =
        f.result(IntNode.valueOf(1), List.of(Tensor.ofFloats("y", new long[] {1, v.length}, v)));

    JsonNode y = new ObjectMapper().readTree(line).get("y");
    assertThat(y.size()).isEqualTo(v.length);
    for (int i = 0; i < v.length; i++) {
      assertThat(Float.floatToIntBits(Float.parseFloat(y.get(i).asText())))
          .as("%s written as %s", v[i], y.get(i))
          .isEqualTo(Float.floatToIntBits(v[i]));
    }
  }

  @Test
  void readNumbers_equalDoubleParseDouble() throws IOException {
    Random r = new Random(12);
    String[] texts = new String[5_000];
    StringBuilder sb = new StringBuilder("{\"x\":[");
    for (int i = 0; i < texts.length; i++) {
      texts[i] =
          switch (i % 3) {
            case 0 -> String.format(Locale.ROOT, "%.4f", r.nextGaussian());
            case 1 -> Double.toString(Double.longBitsToDouble(r.nextLong() & 0x7fefffffffffffffL));
            default -> r.nextInt() + "." + Math.abs(r.nextLong()) + "e-" + r.nextInt(300);
          };
      sb.append(i > 0 ? "," : "").append(texts[i]);
    }
    Path file = dir.resolve("a.jsonl");
    Files.writeString(file, sb.append("]}\n"), StandardCharsets.UTF_8);
    RecordMapper m =
        RecordMapper.compile(List.of(FieldMapping.parse("x=x:FP64:1x" + texts.length)), null, "e");

    SourceRecord rec;
    try (RecordReader reader = new RecordReader(List.of(file), null)) {
      rec = reader.next();
    }
    double[] x = m.map(rec).get(0).asDoubles();

    for (int i = 0; i < texts.length; i++) {
      assertThat(Double.doubleToLongBits(x[i]))
          .as(texts[i])
          .isEqualTo(Double.doubleToLongBits(Double.parseDouble(texts[i])));
    }
  }
}
