package io.serve4j.batch.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.serve4j.Tensor;
import io.serve4j.batch.RecordFormat;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/**
 * Formats output lines (JSONL or CSV) and dead-letter lines (always JSONL). An output value is the
 * record's tensor with a leading dimension of 1 dropped: a scalar, a flat array, or nested arrays.
 * Thread-safe.
 */
public final class ResultFormatter {
  // Floats and doubles with Jackson's Schubfach writer: the shortest text that reads back to the
  // same value, several times cheaper than Float.toString on Java 17.
  private static final JsonFactory FACTORY =
      JsonFactory.builder().enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER).build();
  private static final ObjectMapper JSON = new ObjectMapper();

  private final RecordFormat format;
  private final List<String> outputs;

  /**
   * Creates a formatter.
   *
   * @param format the output format
   * @param outputs the output names, in column order
   */
  public ResultFormatter(RecordFormat format, List<String> outputs) {
    this.format = format;
    this.outputs = List.copyOf(outputs);
  }

  /**
   * Returns the CSV header line, or nothing for JSONL.
   *
   * @return the bytes, possibly empty
   */
  public byte[] header() {
    if (format != RecordFormat.CSV) {
      return new byte[0];
    }
    StringBuilder sb = new StringBuilder("id");
    for (String o : outputs) {
      sb.append(',').append(Csv.quote(o));
    }
    return sb.append('\n').toString().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Returns a generator that writes JSON Lines results to a sink with {@link #writeResult}, for a
   * writer that keeps one generator for the whole file instead of one per line. The caller flushes
   * it before it needs the bytes in the sink.
   *
   * @param sink where the lines go
   * @return the generator, or null if the output format is not JSON Lines
   * @throws UncheckedIOException if the generator cannot be created
   */
  public JsonGenerator lineGenerator(OutputStream sink) {
    if (format != RecordFormat.JSONL) {
      return null;
    }
    try {
      JsonGenerator g = FACTORY.createGenerator(sink);
      g.setRootValueSeparator(null); // each line ends with '\n', written by writeResult
      return g;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Writes one record's result as a JSON line (the same bytes as {@link #result}) through a
   * generator from {@link #lineGenerator}.
   *
   * @param g the generator
   * @param id the record id
   * @param tensors the record's outputs, in {@code outputs} order
   * @throws IOException if the sink fails
   */
  public void writeResult(JsonGenerator g, JsonNode id, List<Tensor> tensors) throws IOException {
    writeResult(g, id, whole(tensors), 0);
  }

  /**
   * Writes record {@code row}'s result as a JSON line, read straight from the batch's outputs.
   *
   * @param g the generator
   * @param id the record id
   * @param outs the batch's outputs, in {@code outputs} order
   * @param row the record's row in the batch
   * @throws IOException if the sink fails
   */
  public void writeResult(JsonGenerator g, JsonNode id, OutputRows[] outs, int row)
      throws IOException {
    writeLine(g, id, outs, row);
    g.writeRaw('\n');
  }

  private static OutputRows[] whole(List<Tensor> tensors) {
    OutputRows[] outs = new OutputRows[tensors.size()];
    for (int i = 0; i < outs.length; i++) {
      outs[i] = OutputRows.ofWhole(tensors.get(i));
    }
    return outs;
  }

  private void writeLine(JsonGenerator g, JsonNode id, OutputRows[] outs, int row)
      throws IOException {
    g.writeStartObject();
    g.writeFieldName("id");
    writeId(g, id);
    for (int i = 0; i < outs.length; i++) {
      g.writeFieldName(outputs.get(i));
      writeValue(g, outs[i], row);
    }
    g.writeEndObject();
  }

  /**
   * Formats one record's result.
   *
   * @param id the record id (a JSON value: number or string)
   * @param tensors the record's outputs, by name, in {@code outputs} order
   * @return the line, with its line break
   */
  public byte[] result(JsonNode id, List<Tensor> tensors) {
    return result(id, whole(tensors), 0);
  }

  /**
   * Formats record {@code row}'s result, read straight from the batch's outputs.
   *
   * @param id the record id
   * @param outs the batch's outputs, in {@code outputs} order
   * @param row the record's row in the batch
   * @return the line, with its line break
   */
  public byte[] result(JsonNode id, OutputRows[] outs, int row) {
    try {
      if (format == RecordFormat.JSONL) {
        ByteArrayOutputStream bos = new ByteArrayOutputStream(256);
        try (JsonGenerator g = FACTORY.createGenerator(bos)) {
          writeLine(g, id, outs, row);
        }
        bos.write('\n');
        return bos.toByteArray();
      }
      StringBuilder sb =
          new StringBuilder(Csv.quote(id.isTextual() ? id.textValue() : id.toString()));
      for (OutputRows t : outs) {
        ByteArrayOutputStream bos = new ByteArrayOutputStream(64);
        try (JsonGenerator g = FACTORY.createGenerator(bos)) {
          writeValue(g, t, row);
        }
        String cell = bos.toString(StandardCharsets.UTF_8);
        if (cell.startsWith("\"") && cell.endsWith("\"") && t.perRow == 1) {
          cell = JSON.readTree(cell).textValue();
        }
        sb.append(',').append(Csv.quote(cell));
      }
      return sb.append('\n').toString().getBytes(StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Formats a dead-letter line.
   *
   * @param record the record
   * @param id its id, or null if it could not be read
   * @param category the error category name
   * @param reason what went wrong
   * @return the JSON line
   */
  public static byte[] deadLetter(
      SourceRecord record, JsonNode id, String category, String reason) {
    ByteArrayOutputStream bos = new ByteArrayOutputStream(256);
    try (JsonGenerator g = FACTORY.createGenerator(bos)) {
      g.writeStartObject();
      g.writeStringField("file", record.file().toString());
      g.writeNumberField("line", record.line());
      if (id != null) {
        g.writeFieldName("id");
        JSON.writeTree(g, id);
      }
      g.writeStringField("category", category);
      g.writeStringField("reason", reason);
      g.writeStringField("record", record.text());
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    bos.write('\n');
    return bos.toByteArray();
  }

  /** Writes an id as the tree writer would, without a serializer provider for the usual ids. */
  private static void writeId(JsonGenerator g, JsonNode id) throws IOException {
    if (id.isTextual()) {
      g.writeString(id.textValue());
    } else if (id.isInt() || id.isLong()) {
      g.writeNumber(id.longValue());
    } else {
      JSON.writeTree(g, id);
    }
  }

  private static void writeValue(JsonGenerator g, OutputRows t, int row) throws IOException {
    long[] dims = t.rowDims;
    int from = dims.length > 0 && dims[0] == 1 ? 1 : 0;
    int[] index = {row * t.perRow};
    write(g, t.values, dims, from, index);
  }

  private static void write(JsonGenerator g, Object values, long[] dims, int axis, int[] index)
      throws IOException {
    if (axis == dims.length) {
      writeElement(g, values, index[0]++);
      return;
    }
    g.writeStartArray();
    for (long i = 0; i < dims[axis]; i++) {
      write(g, values, dims, axis + 1, index);
    }
    g.writeEndArray();
  }

  @SuppressWarnings("unchecked")
  private static void writeElement(JsonGenerator g, Object values, int i) throws IOException {
    if (values instanceof java.nio.FloatBuffer f) {
      float v = f.get(i);
      if (Float.isFinite(v)) {
        g.writeNumber(v);
      } else {
        g.writeString(Float.toString(v));
      }
    } else if (values instanceof java.nio.DoubleBuffer d) {
      double v = d.get(i);
      if (Double.isFinite(v)) {
        g.writeNumber(v);
      } else {
        g.writeString(Double.toString(v));
      }
    } else if (values instanceof float[] f) {
      if (Float.isFinite(f[i])) {
        g.writeNumber(f[i]);
      } else {
        g.writeString(Float.toString(f[i]));
      }
    } else if (values instanceof double[] d) {
      if (Double.isFinite(d[i])) {
        g.writeNumber(d[i]);
      } else {
        g.writeString(Double.toString(d[i]));
      }
    } else if (values instanceof long[] l) {
      g.writeNumber(l[i]);
    } else if (values instanceof boolean[] b) {
      g.writeBoolean(b[i]);
    } else {
      byte[] bytes = ((List<byte[]>) values).get(i);
      String s = decode(bytes);
      g.writeString(s != null ? s : "base64:" + Base64.getEncoder().encodeToString(bytes));
    }
  }

  private static String decode(byte[] bytes) {
    try {
      return StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes)).toString();
    } catch (java.nio.charset.CharacterCodingException e) {
      return null;
    }
  }
}
