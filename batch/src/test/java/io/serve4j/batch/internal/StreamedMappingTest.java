package io.serve4j.batch.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.serve4j.Tensor;
import io.serve4j.batch.FieldMapping;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link RecordMapper#mapJson} (JSON Lines records to tensors without a tree) either declines or
 * gives exactly what the general path gives: the same id, the same tensors bit for bit, and only
 * for records the general path maps without an error.
 */
class StreamedMappingTest {
  @TempDir Path dir;

  /** A record text and whether the streamed path is expected to take it (checked too). */
  private record Case(String text, boolean taken) {}

  private static final List<Case> CASES =
      List.of(
          new Case("{\"id\":1,\"f\":[1,2,3,4]}", true),
          new Case("{\"f\":[1.5,-0,1e400,-1e-400],\"id\":\"r\\u00e9\\n\"}", true),
          new Case("{\"id\":3000000000,\"f\":[[1,2],[3,4]]}", true),
          new Case("{\"id\":2,\"f\":[12345678901234567890123,0.1,-2.5e-3,16777217]}", true),
          new Case(
              "{\"id\":3,\"x\":{\"deep\":[1,{\"a\":null}]},\"f\":[1,2,3,4],\"y\":\"s\"}", true),
          new Case("{\"id\":4,\"f\":[1,2,3]}", false),
          new Case("{\"id\":5,\"f\":[1,2,3,4,5]}", false),
          new Case("{\"id\":6,\"f\":[1,2,3,\"4\"]}", false),
          new Case("{\"id\":7,\"f\":[1,2,3,null]}", false),
          new Case("{\"id\":8,\"f\":[1,2,3,true]}", false),
          new Case("{\"id\":9,\"f\":[1,2,3,{\"a\":4}]}", false),
          new Case("{\"id\":10,\"f\":[1,2,3,4],\"f\":[5,6,7,8]}", false),
          new Case("{\"id\":11,\"id\":12,\"f\":[1,2,3,4]}", false),
          new Case("{\"id\":13,\"f\":[1,2,3,4]} trailing", false),
          new Case("{\"id\":14,\"f\":[1,2,3,4],\"o\":\"bad \\q escape\"}", false),
          new Case("{\"id\":15,\"f\":[1,2,3,4],\"o\":[1,2}", false),
          new Case("{\"id\":16,\"f\":[1,2,3,4]", false),
          new Case("{\"id\":1.5,\"f\":[1,2,3,4]}", false),
          new Case("{\"id\":null,\"f\":[1,2,3,4]}", false),
          new Case("{\"id\":123456789012345678901234,\"f\":[1,2,3,4]}", false),
          new Case("{\"f\":[1,2,3,4]}", false),
          new Case("[1,2,3,4]", false),
          new Case("{\"id\":17,\"f\":[NaN,2,3,4]}", false),
          new Case("{\"id\":18,\"f\":1}", false));

  @Test
  void fp32_oneField_withId() throws Exception {
    check(RecordMapper.compile(List.of(FieldMapping.parse("x=f:FP32:1x4")), null, "e"), "id");
  }

  @Test
  void fp64_twoFieldsAndAFieldUsedTwice_withoutId() throws Exception {
    RecordMapper m =
        RecordMapper.compile(
            List.of(FieldMapping.parse("x=f,g:FP64:1x5"), FieldMapping.parse("z=g:FP32:1x1")),
            null,
            "e");
    for (Case c : CASES) {
      // without an id field, the cases declined only for their id may be taken: not checked
      compare(m, withG(c.text()), null, c.taken() ? Boolean.TRUE : null);
    }
  }

  @Test
  void fp64_andFp32_eachFedByAFieldOfItsOwn_withId() throws Exception {
    RecordMapper m =
        RecordMapper.compile(
            List.of(FieldMapping.parse("x=f:FP64:1x4"), FieldMapping.parse("z=g:FP32:1x1")),
            null,
            "e");
    for (Case c : CASES) {
      compare(m, withG(c.text()), "id", c.taken());
    }
    // the second input's field missing, repeated, or with too many values
    assertThat(m.mapJson("{\"id\":1,\"f\":[1,2,3,4]}", "id")).isNull();
    assertThat(m.mapJson("{\"id\":1,\"g\":1,\"f\":[1,2,3,4],\"g\":2}", "id")).isNull();
    assertThat(m.mapJson("{\"id\":1,\"g\":[1,2],\"f\":[1,2,3,4]}", "id")).isNull();
    compare(m, "{\"id\":1,\"g\":[[3.5]],\"f\":[1,2,3,4]}", "id", true);
  }

  @Test
  void otherTypes_andAnIdThatIsAlsoAnInput_areLeftToTheGeneralPath() throws Exception {
    RecordMapper ints =
        RecordMapper.compile(List.of(FieldMapping.parse("x=f:INT64:1x4")), null, "e");
    RecordMapper idIsInput =
        RecordMapper.compile(List.of(FieldMapping.parse("x=f:FP32:1x4")), null, "e");

    assertThat(ints.mapJson("{\"id\":1,\"f\":[1,2,3,4]}", "id")).isNull();
    assertThat(idIsInput.mapJson("{\"id\":1,\"f\":[1,2,3,4]}", "f")).isNull();
  }

  /** The case's record with a field {@code g} (one value) first, for the two-input mappings. */
  private static String withG(String text) {
    return text.startsWith("{") ? "{\"g\":[7.25]," + text.substring(1) : text;
  }

  private void check(RecordMapper m, String idField) throws Exception {
    for (Case c : CASES) {
      compare(m, c.text(), idField, c.taken());
    }
  }

  private void compare(RecordMapper m, String text, String idField, Boolean taken)
      throws Exception {
    RecordMapper.Mapped fast = m.mapJson(text, idField);
    if (taken != null) {
      assertThat(fast != null).as("taken: %s", text).isEqualTo(taken);
    }
    if (fast == null) {
      return;
    }
    Path f = Files.writeString(dir.resolve("r.jsonl"), text + "\n");
    SourceRecord rec;
    try (RecordReader r = new RecordReader(List.of(f), null)) {
      rec = r.next();
    }
    List<Tensor> general = m.map(rec); // throws if the general path would fail the record
    if (idField != null) {
      assertThat(fast.id()).as(text).isEqualTo(rec.value(idField));
    }
    assertThat(fast.inputs()).hasSameSizeAs(general);
    for (int i = 0; i < general.size(); i++) {
      Tensor a = fast.inputs().get(i);
      Tensor b = general.get(i);
      assertThat(a.name()).isEqualTo(b.name());
      assertThat(a.dataType()).isEqualTo(b.dataType());
      assertThat(a.shape()).isEqualTo(b.shape());
      double[] x = a.dataType() == io.serve4j.DataType.FP32 ? widen(a.asFloats()) : a.asDoubles();
      double[] y = b.dataType() == io.serve4j.DataType.FP32 ? widen(b.asFloats()) : b.asDoubles();
      for (int k = 0; k < x.length; k++) {
        assertThat(Double.doubleToRawLongBits(x[k]))
            .as("%s value %d", text, k)
            .isEqualTo(Double.doubleToRawLongBits(y[k]));
      }
    }
  }

  private static double[] widen(float[] v) {
    double[] d = new double[v.length];
    for (int i = 0; i < v.length; i++) {
      d[i] = v[i];
    }
    return d;
  }
}
