package io.serve4j.batch.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.serve4j.InvalidInputException;
import io.serve4j.batch.RecordFormat;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecordReaderTest {
  @TempDir Path dir;

  private static List<SourceRecord> readAll(List<Path> files, RecordFormat format) {
    List<SourceRecord> out = new ArrayList<>();
    try (RecordReader r = new RecordReader(files, format)) {
      SourceRecord rec;
      while ((rec = r.next()) != null) {
        out.add(rec);
      }
    }
    return out;
  }

  @Test
  void jsonl_skipsBlankLines_keepsLineNumbers_andFlagsMalformedRecords() throws IOException {
    Path f = dir.resolve("a.jsonl");
    Files.writeString(f, "{\"a\":1}\n\n  \n[1,2]\n{broken\n{\"a\":2}");

    List<SourceRecord> recs = readAll(List.of(f), null);

    assertThat(recs).extracting(SourceRecord::line).containsExactly(1L, 4L, 5L, 6L);
    assertThat(recs.get(0).parseError()).isNull();
    assertThat(recs.get(1).parseError()).isEqualTo("is not a JSON object");
    assertThat(recs.get(2).parseError()).startsWith("is not valid JSON");
    assertThat(recs.get(3).json().get("a").asInt()).isEqualTo(2);
  }

  @Test
  void gzipIsDetectedByContent_andFilesAreReadInOrder() throws IOException {
    Path gz = dir.resolve("b.jsonl.gz");
    try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(gz))) {
      o.write("{\"n\":2}\n{\"n\":3}\n".getBytes(StandardCharsets.UTF_8));
    }
    Path plain = dir.resolve("a.jsonl");
    Files.writeString(plain, "{\"n\":1}\n");

    List<SourceRecord> recs = readAll(List.of(plain, gz), null);

    assertThat(recs)
        .extracting(r -> ((com.fasterxml.jackson.databind.JsonNode) r.value("n")).asInt())
        .containsExactly(1, 2, 3);
    assertThat(RecordReader.count(List.of(plain, gz), null)).isEqualTo(3);
  }

  @Test
  void csv_handlesQuotesAndMultiLineCells_andFlagsWrongColumnCounts() throws IOException {
    Path f = dir.resolve("a.csv");
    Files.writeString(f, "id,text\n1,\"a, \"\"quoted\"\" b\"\n2,\"two\nlines\"\n3\n4,x\n");

    List<SourceRecord> recs = readAll(List.of(f), null);

    assertThat(recs).extracting(SourceRecord::line).containsExactly(2L, 3L, 5L, 6L);
    assertThat(recs.get(0).value("text")).isEqualTo("a, \"quoted\" b");
    assertThat(recs.get(1).value("text")).isEqualTo("two\nlines");
    assertThat(recs.get(2).parseError()).isEqualTo("has 1 columns, the header has 2");
    assertThat(recs.get(3).value("id")).isEqualTo("4");
  }

  @Test
  void skip_skipsRecordsWithoutParsing_includingMalformedOnes() throws IOException {
    Path f = dir.resolve("a.jsonl");
    Files.writeString(f, "{\"a\":1}\n{bad\n\n{\"a\":3}\n");
    try (RecordReader r = new RecordReader(List.of(f), null)) {
      assertThat(r.skip(2)).isEqualTo(2);
      assertThat(r.next().line()).isEqualTo(4);
      assertThat(r.skip(5)).isZero();
    }
  }

  @Test
  void unknownExtension_withoutAFormat_isRejectedWithAHint() throws IOException {
    Path f = dir.resolve("a.txt");
    Files.writeString(f, "{}\n");
    assertThatThrownBy(() -> readAll(List.of(f), null))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining(".jsonl or .csv");
    assertThat(readAll(List.of(f), RecordFormat.JSONL)).hasSize(1);
  }

  @Test
  void csvParse_rejectsBrokenQuoting() {
    assertThat(Csv.parse("a,,\"b\",")).containsExactly("a", "", "b", "");
    assertThatThrownBy(() -> Csv.parse("a,\"b")).hasMessageContaining("unterminated");
    assertThatThrownBy(() -> Csv.parse("a,b\"c")).hasMessageContaining("quote inside");
    assertThat(Csv.quote("x,\"y\"")).isEqualTo("\"x,\"\"y\"\"\"");
  }

  @Test
  void utf8ByteOrderMark_isSkipped_inJsonlCsvAndGzip() throws IOException {
    byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
    Path jsonl = dir.resolve("a.jsonl");
    Files.write(jsonl, concat(bom, "{\"n\":1}\n{\"n\":2}\n"));
    Path csv = dir.resolve("b.csv");
    Files.write(csv, concat(bom, "id,n\nk,3\n"));
    Path gz = dir.resolve("c.jsonl.gz");
    try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(gz))) {
      o.write(concat(bom, "{\"n\":4}\n"));
    }

    List<SourceRecord> recs = readAll(List.of(jsonl, csv, gz), null);

    assertThat(recs).extracting(SourceRecord::parseError).containsOnlyNulls();
    assertThat(recs.get(0).value("n").toString()).isEqualTo("1");
    assertThat(recs.get(2).value("id")).isEqualTo("k");
    assertThat(recs.get(3).value("n").toString()).isEqualTo("4");
    RecordReader.checkColumns(List.of(csv), null, List.of("id", "n"));
  }

  @Test
  void checkColumns_whenACsvHeaderLacksAColumn_failsNamingTheFileTheColumnAndTheHeader()
      throws IOException {
    Path ok = Files.writeString(dir.resolve("a.csv"), "id,f1,f2\n1,2,3\n");
    Path missing = Files.writeString(dir.resolve("b.csv"), "\nid,f1\n1,2\n");
    Path json = Files.writeString(dir.resolve("c.jsonl"), "{}\n");

    RecordReader.checkColumns(List.of(ok, json), null, List.of("id", "f1", "f2"));
    assertThatThrownBy(
            () -> RecordReader.checkColumns(List.of(ok, missing), null, List.of("f1", "f2")))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining(missing.toString())
        .hasMessageContaining("'f2'")
        .hasMessageContaining("[id, f1]");
  }

  @Test
  void count_ofJsonLines_equalsTheRecordsRead_whateverTheBlankLinesLineEndsAndEncoding()
      throws IOException {
    // Pieces that make lines blank or not: ASCII and Unicode spaces, a no-break space (not
    // blank), the three line ends, bytes that are not UTF-8 (decoded to U+FFFD, not blank, also
    // when two halves of an em space are split by a space), a byte-order mark.
    byte[][] pieces = {
      bytes("{\"a\":1}"),
      bytes(" "),
      bytes("\t"),
      bytes("\u000B\u001F"),
      bytes("\u2003"),
      bytes("\u3000"),
      bytes("\u00A0"),
      bytes("\n"),
      bytes("\r"),
      bytes("\r\n"),
      {(byte) 0xE2, (byte) 0x80},
      {(byte) 0x83},
      bytes("x"),
    };
    java.util.Random random = new java.util.Random(7);
    for (int round = 0; round < 300; round++) {
      java.io.ByteArrayOutputStream content = new java.io.ByteArrayOutputStream();
      if (round % 5 == 0) {
        content.write(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF});
      }
      int n = random.nextInt(40);
      for (int i = 0; i < n; i++) {
        content.write(pieces[random.nextInt(pieces.length)]);
      }
      Path f = dir.resolve("r" + round + (round % 3 == 0 ? ".jsonl.gz" : ".jsonl"));
      if (round % 3 == 0) {
        try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(f))) {
          o.write(content.toByteArray());
        }
      } else {
        Files.write(f, content.toByteArray());
      }

      assertThat(RecordReader.count(List.of(f), null))
          .as("round %d: %s", round, java.util.Arrays.toString(content.toByteArray()))
          .isEqualTo(readAll(List.of(f), null).size());
    }
  }

  @Test
  void count_ofJsonLines_findsEveryLineEnd_atAnyOffset_acrossReadBuffers() throws IOException {
    // lines of every length from 1 to 300 bytes, ended by \n, \r or \r\n in turn, some blank,
    // repeated past several 64 KB read buffers
    StringBuilder sb = new StringBuilder();
    String[] ends = {"\n", "\r", "\r\n"};
    int k = 0;
    while (sb.length() < 300_000) {
      for (int len = 1; len <= 300; len++, k++) {
        sb.append(k % 17 == 0 ? " ".repeat(len) : "{\"a\":\"" + "x".repeat(len) + "\"}");
        sb.append(ends[k % 3]);
      }
    }
    Path f = Files.writeString(dir.resolve("long.jsonl"), sb);

    assertThat(RecordReader.count(List.of(f), null)).isEqualTo(readAll(List.of(f), null).size());
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] concat(byte[] a, String b) {
    byte[] t = b.getBytes(StandardCharsets.UTF_8);
    byte[] out = java.util.Arrays.copyOf(a, a.length + t.length);
    System.arraycopy(t, 0, out, a.length, t.length);
    return out;
  }
}
