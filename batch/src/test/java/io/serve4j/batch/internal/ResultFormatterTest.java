package io.serve4j.batch.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.serve4j.Tensor;
import io.serve4j.batch.RecordFormat;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class ResultFormatterTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void idsOfEveryKind_areWrittenAsTheTreeWriterWritesThem() throws Exception {
    ResultFormatter f = new ResultFormatter(RecordFormat.JSONL, List.of("y"));
    List<Tensor> y = List.of(Tensor.ofFloats("y", new long[] {1, 1}, new float[] {0.5f}));
    String[] ids = {
      "7",
      "-9223372036854775808",
      "123456789012345678901234567890",
      "\"r1\"",
      "\"tab\\tquote\\\" \\u00e9 \\ud83d\\ude00 \\u0001\"",
      "1.25",
      "1e400",
      "true",
      "null",
      "{\"a\":[1,\"b\"]}",
      "[1,2]"
    };
    for (String text : ids) {
      JsonNode id = JSON.readTree(text);

      String line = new String(f.result(id, y), StandardCharsets.UTF_8);

      assertThat(line)
          .as(text)
          .isEqualTo(
              "{\"id\":"
                  + new String(JSON.writeValueAsBytes(id), StandardCharsets.UTF_8)
                  + ",\"y\":[0.5]}\n");
    }
  }
}
