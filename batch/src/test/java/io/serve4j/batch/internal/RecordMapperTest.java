package io.serve4j.batch.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.serve4j.DataType;
import io.serve4j.InvalidInputException;
import io.serve4j.ModelSignature;
import io.serve4j.Shape;
import io.serve4j.Tensor;
import io.serve4j.TensorSpec;
import io.serve4j.batch.FieldMapping;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RecordMapperTest {
  private static final ModelSignature SIG =
      new ModelSignature(
          List.of(
              TensorSpec.of("ids", DataType.INT64, -1, 3),
              TensorSpec.of("flag", DataType.BOOL, -1, 1)),
          List.of(TensorSpec.of("y", DataType.FP32, -1, 1)));

  private static SourceRecord json(String text) throws Exception {
    return new SourceRecord(
        Path.of("f.jsonl"), 1, text, new ObjectMapper().readTree(text), null, null, null);
  }

  @Test
  void compile_takesTypeAndShapeFromTheSignature_andBuildsOneRowTensors() throws Exception {
    RecordMapper m =
        RecordMapper.compile(
            List.of(FieldMapping.of("ids", "a", "b"), FieldMapping.of("flag", "f")), SIG, "e");

    List<Tensor> t = m.map(json("{\"a\":[1,2],\"b\":3,\"f\":true}"));

    assertThat(m.oneRowPerRecord()).isTrue();
    assertThat(t.get(0).shape()).isEqualTo(Shape.of(1, 3));
    assertThat(t.get(0).asLongs()).containsExactly(1, 2, 3);
    assertThat(t.get(1).asBooleans()).containsExactly(true);
  }

  @Test
  void compile_prependsTheBatchDimensionToAShorterDeclaredShape() throws Exception {
    RecordMapper m =
        RecordMapper.compile(
            List.of(FieldMapping.parse("ids=a:INT64:3"), FieldMapping.parse("flag=f::[1,1]")),
            SIG,
            "e");
    List<Tensor> t = m.map(json("{\"a\":[[1],[2],[3]],\"f\":0}"));
    assertThat(t.get(0).shape()).isEqualTo(Shape.of(1, 3));
    assertThat(t.get(1).asBooleans()).containsExactly(false);
  }

  @Test
  void compile_rejectsWhatContradictsTheSignature_withWhatToDo() {
    FieldMapping flag = FieldMapping.of("flag", "f");
    assertThatThrownBy(() -> RecordMapper.compile(List.of(FieldMapping.of("ids", "a")), SIG, "e"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("model input 'flag'")
        .hasMessageContaining("flag=<field>");
    assertThatThrownBy(
            () -> RecordMapper.compile(List.of(FieldMapping.parse("ids=a:FP32"), flag), SIG, "e"))
        .hasMessageContaining("declares FP32")
        .hasMessageContaining("takes INT64");
    assertThatThrownBy(
            () -> RecordMapper.compile(List.of(FieldMapping.parse("ids=a::4"), flag), SIG, "e"))
        .hasMessageContaining("contradicts the model's [-1, 3]");
    assertThatThrownBy(
            () ->
                RecordMapper.compile(
                    List.of(FieldMapping.of("ids", "a"), flag, FieldMapping.of("ids", "b")),
                    SIG,
                    "e"))
        .hasMessageContaining("mapped twice");
  }

  @Test
  void compile_withoutSignature_needsTypeAndShape() {
    assertThatThrownBy(() -> RecordMapper.compile(List.of(FieldMapping.of("x", "a")), null, "e"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("reports no signature")
        .hasMessageContaining("x=a:FP32:1x4");
    RecordMapper m = RecordMapper.compile(List.of(FieldMapping.parse("x=a:FP64:2")), null, "e");
    assertThat(m.oneRowPerRecord()).isFalse();
  }

  @Test
  void map_readsCsvCellsAsNumbersOrJsonArrays_andExplainsBadValues() {
    RecordMapper m =
        RecordMapper.compile(
            List.of(FieldMapping.of("ids", "a", "b"), FieldMapping.of("flag", "f")), SIG, "e");
    Map<String, Integer> header = Map.of("a", 0, "b", 1, "f", 2);
    SourceRecord ok =
        new SourceRecord(
            Path.of("f.csv"), 2, "", null, header, List.of("[1, 2]", "3", "true"), null);
    SourceRecord bad =
        new SourceRecord(
            Path.of("f.csv"), 3, "", null, header, List.of("[1, 2]", "x", "true"), null);

    assertThat(m.map(ok).get(0).asLongs()).containsExactly(1, 2, 3);
    assertThatThrownBy(() -> m.map(bad))
        .isInstanceOf(RecordException.class)
        .hasMessage("has 'x' for input 'ids', which takes INT64 integers");
  }

  @Test
  void fieldMappingParse_readsTheCommandLineSyntax() {
    FieldMapping m = FieldMapping.parse("x=f1,f2:fp32:1x2");
    assertThat(m.input()).isEqualTo("x");
    assertThat(m.fields()).containsExactly("f1", "f2");
    assertThat(m.dataType()).contains(DataType.FP32);
    assertThat(m.shape()).contains(Shape.of(1, 2));
    assertThat(FieldMapping.parse("x").fields()).containsExactly("x");
    assertThatThrownBy(() -> FieldMapping.parse("x=a:FP32:1xq"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("1x4");
    assertThatThrownBy(() -> FieldMapping.parse("x=a:FLOAT"))
        .isInstanceOf(InvalidInputException.class);
  }
}
