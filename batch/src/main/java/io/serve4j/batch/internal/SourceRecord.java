package io.serve4j.batch.internal;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * One input record: where it came from, its text, and its parsed fields (or why it could not be
 * parsed).
 *
 * @param file the input file
 * @param line the 1-based line number where the record starts
 * @param text the raw text, for the dead-letter file
 * @param json the parsed JSON object (JSONL), or null
 * @param header the CSV header's column index, or null
 * @param cells the CSV cells, or null
 * @param parseError why the record could not be parsed, or null
 */
public record SourceRecord(
    Path file,
    long line,
    String text,
    JsonNode json,
    Map<String, Integer> header,
    List<String> cells,
    String parseError) {

  /**
   * Returns a field's value: a {@link JsonNode} (JSON), a {@link String} (CSV), or null if absent.
   *
   * @param field the field or column name
   * @return the value or null
   */
  public Object value(String field) {
    if (json != null) {
      JsonNode n = json.get(field);
      return n == null || n.isMissingNode() ? null : n;
    }
    if (cells != null) {
      Integer i = header.get(field);
      return i == null || i >= cells.size() ? null : cells.get(i);
    }
    return null;
  }
}
