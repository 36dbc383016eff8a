package io.serve4j.batch.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.serve4j.DataType;
import io.serve4j.Tensor;
import io.serve4j.batch.FieldMapping;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link BatchRows}: records written straight into the batch's buffers give the model exactly what
 * the records' own tensors concatenated gave it (the former path: {@link RecordMapper#map} per
 * record, then {@link Tensor#concatRows}), for every fixed-width type, JSON Lines and CSV, with
 * records that fail halfway between good ones.
 */
class BatchRowsTest {
  @TempDir Path dir;

  /** Input a (the type under test) from f, 4 values; input b (FP64) from g and h, 1 + 2 values. */
  private static RecordMapper mapper(DataType type) {
    return RecordMapper.compile(
        List.of(
            FieldMapping.of("a", "f").withType(type).withShape(1, 4),
            FieldMapping.of("b", "g", "h").withType(DataType.FP64).withShape(1, 3)),
        null,
        "e");
  }

  private static String value(DataType type, int i) {
    return switch (type) {
      case BOOL -> i % 2 == 0 ? "true" : "false";
      case FP32, FP64, FP16 -> (i % 2 == 0 ? "-" : "") + i + ".25";
      case INT8, INT16, INT32, INT64 -> String.valueOf(i % 2 == 0 ? -i : i);
      default -> String.valueOf(i);
    };
  }

  private static String jsonl(DataType type, int records) {
    StringBuilder sb = new StringBuilder();
    for (int r = 0; r < records; r++) {
      String f = "[" + value(type, r) + "," + value(type, r + 1) + "," + value(type, r + 2);
      String good =
          "{\"id\":"
              + r
              + ",\"f\":"
              + f
              + ","
              + value(type, r + 3)
              + "],\"g\":"
              + r
              + ".5,\"h\":["
              + (r + 1)
              + ",["
              + (r + 2)
              + "]]}";
      switch (r % 7) {
        case 2 -> // a written halfway, then a value that is not one
            sb.append("{\"id\":" + r + ",\"f\":" + f + ",\"x\"],\"g\":1,\"h\":[1,2]}");
        case 3 -> // a written whole, then one too many
            sb.append("{\"id\":" + r + ",\"f\":" + f + ",9,9],\"g\":1,\"h\":[1,2]}");
        case 5 -> // a written whole, b one value short
            sb.append("{\"id\":" + r + ",\"f\":" + f + ",9],\"g\":1,\"h\":[1]}");
        case 6 -> // a written halfway, then the line ends
            sb.append("{\"id\":" + r + ",\"f\":" + f);
        default -> sb.append(good);
      }
      sb.append('\n');
    }
    return sb.toString();
  }

  private static String csv(DataType type, int records) {
    StringBuilder sb = new StringBuilder("id,f,g,h\n");
    for (int r = 0; r < records; r++) {
      String f = "[" + value(type, r) + "," + value(type, r + 1) + "," + value(type, r + 2);
      switch (r % 7) {
        case 2 -> sb.append(r + ",\"" + f + ",x]\",1,\"[1,2]\"");
        case 3 -> sb.append(r + ",\"" + f + ",9,9]\",1,\"[1,2]\"");
        case 5 -> sb.append(r + ",\"" + f + ",9]\",1,\"[1]\"");
        default ->
            sb.append(
                r
                    + ",\""
                    + f
                    + ","
                    + value(type, r + 3)
                    + "]\","
                    + r
                    + ".5,\"["
                    + (r + 1)
                    + ","
                    + (r + 2)
                    + "]\"");
      }
      sb.append('\n');
    }
    return sb.toString();
  }

  @Test
  void everyFixedWidthType_jsonlAndCsv_theBatchIsTheRecordsTensorsConcatenated_badOnesLeftOut()
      throws Exception {
    for (DataType type : DataType.values()) {
      if (!type.isFixedWidth()) {
        continue;
      }
      check(type, Files.writeString(dir.resolve(type + ".jsonl"), jsonl(type, 40)));
      check(type, Files.writeString(dir.resolve(type + ".csv"), csv(type, 40)));
    }
  }

  /** Fills rows of 6 as the job does and compares every batch with the former path's. */
  private void check(DataType type, Path file) {
    RecordMapper m = mapper(type);
    BatchRows rows = m.newRows(6);
    List<List<Tensor>> former = new ArrayList<>(); // the batch's good records' own tensors
    int good = 0;
    int bad = 0;
    int fast = 0;
    try (RecordReader reader = new RecordReader(List.of(file), null)) {
      String text;
      while ((text = reader.nextText()) != null) {
        List<Tensor> own;
        try {
          own = m.map(reader.parse(text));
        } catch (RecordException e) {
          own = null;
        }
        // the job's step: the streaming path into the row, else the general one and a copy
        JsonNode id = reader.jsonLines() ? m.mapJsonInto(text, "id", rows) : null;
        if (id != null) {
          fast++;
          assertThat(own).as("%s taken by the streaming path only if valid", text).isNotNull();
        } else if (own != null) {
          assertThat(rows.put(own)).isEqualTo(former.size());
        }
        if (own == null) {
          bad++;
          assertThat(rows.count())
              .as("%s: a bad record takes no row", text)
              .isEqualTo(former.size());
          continue;
        }
        good++;
        former.add(own);
        for (int k = 0; k < former.size(); k++) {
          // each record's own view (the one-by-one fallback) is its own tensors, also after
          // bad records were written over the next row
          assertSame(rows.row(k), former.get(k), file + " row " + k);
        }
        if (rows.full()) {
          compare(rows, former, file);
          rows.clear();
          former.clear();
        }
      }
    }
    if (!former.isEmpty()) {
      compare(rows, former, file);
    }
    boolean csv = file.toString().endsWith(".csv");
    int expectedBad = 0;
    for (int r = 0; r < 40; r++) {
      int k = r % 7;
      expectedBad += k == 2 || k == 3 || k == 5 || (k == 6 && !csv) ? 1 : 0;
    }
    assertThat(bad).as(file.toString()).isEqualTo(expectedBad);
    assertThat(good).isEqualTo(40 - expectedBad);
    if (type == DataType.FP32 || type == DataType.FP64) {
      assertThat(fast)
          .as("the streaming path took the good JSON Lines records")
          .isEqualTo(file.toString().endsWith(".jsonl") ? good : 0);
    }
  }

  private static void compare(BatchRows rows, List<List<Tensor>> former, Path file) {
    List<Tensor> batch = rows.batch();
    for (int i = 0; i < batch.size(); i++) {
      List<Tensor> parts = new ArrayList<>();
      for (List<Tensor> r : former) {
        parts.add(r.get(i));
      }
      Tensor expected = Tensor.concatRows(parts.get(0).name(), parts);
      assertSame(List.of(batch.get(i)), List.of(expected), file + " batch input " + i);
    }
  }

  private static void assertSame(List<Tensor> a, List<Tensor> b, String what) {
    assertThat(a).as(what).hasSameSizeAs(b);
    for (int i = 0; i < a.size(); i++) {
      assertThat(a.get(i).name()).as(what).isEqualTo(b.get(i).name());
      assertThat(a.get(i).dataType()).as(what).isEqualTo(b.get(i).dataType());
      assertThat(a.get(i).shape()).as(what).isEqualTo(b.get(i).shape());
      assertThat(a.get(i).buffer()).as(what + " bytes").isEqualTo(b.get(i).buffer());
    }
  }

  @Test
  void aBatchOverOneBuffersLimit_hasNoRows_recordsKeepTheirOwnTensors() {
    RecordMapper m =
        RecordMapper.compile(
            List.of(FieldMapping.of("x", "f").withType(DataType.FP32).withShape(1, 1 << 28)),
            null,
            "e");
    assertThat(m.newRows(4)).isNull(); // 4 GiB
  }

  @Test
  void bytesInputs_haveNoRows() {
    RecordMapper m =
        RecordMapper.compile(
            List.of(FieldMapping.of("s", "f").withType(DataType.BYTES).withShape(1, 1)), null, "e");
    assertThat(m.newRows(8)).isNull();
  }
}
