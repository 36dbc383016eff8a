package io.serve4j.batch.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import io.serve4j.Tensor;
import io.serve4j.batch.RecordFormat;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Each record's line written straight from the batch's outputs, as it was from its own slice. */
class OutputRowsTest {

  private static List<Tensor> batchOutputs(int n) {
    float[] f = new float[n * 2 * 3];
    double[] d = new double[n];
    long[] l = new long[n * 2];
    boolean[] b = new boolean[n];
    List<byte[]> s = new ArrayList<>();
    for (int i = 0; i < f.length; i++) {
      f[i] = i == 3 ? Float.NaN : i * 0.37f - 5;
    }
    for (int i = 0; i < n; i++) {
      d[i] = i == 1 ? Double.POSITIVE_INFINITY : i / 3.0;
      l[2 * i] = -i;
      l[2 * i + 1] = Long.MAX_VALUE - i;
      b[i] = i % 2 == 0;
      s.add(
          i == 2
              ? new byte[] {(byte) 0xff, 1}
              : ("r" + i + ",\"q\"").getBytes(StandardCharsets.UTF_8));
    }
    return List.of(
        Tensor.ofFloats("f", new long[] {n, 2, 3}, f),
        Tensor.ofDoubles("d", new long[] {n}, d),
        Tensor.ofLongs("l", new long[] {n, 2}, l),
        Tensor.ofBooleans("b", new long[] {n, 1}, b),
        Tensor.ofByteStrings("s", new long[] {n}, s));
  }

  @Test
  void everyRow_ofEveryType_isWrittenAsItsOwnSliceWas_jsonlAndCsv() throws Exception {
    int n = 5;
    List<Tensor> batch = batchOutputs(n);
    List<String> names = batch.stream().map(Tensor::name).toList();
    OutputRows[] outs = batch.stream().map(OutputRows::ofBatch).toArray(OutputRows[]::new);
    for (RecordFormat format : List.of(RecordFormat.JSONL, RecordFormat.CSV)) {
      ResultFormatter f = new ResultFormatter(format, names);
      for (int r = 0; r < n; r++) {
        int row = r;
        List<Tensor> slice = batch.stream().map(t -> t.sliceRows(row, row + 1)).toList();
        JsonNode id = IntNode.valueOf(r);

        assertThat(new String(f.result(id, outs, r), StandardCharsets.UTF_8))
            .as(format + " row " + r)
            .isEqualTo(new String(f.result(id, slice), StandardCharsets.UTF_8));
      }
    }
    ResultFormatter jsonl = new ResultFormatter(RecordFormat.JSONL, names);
    ByteArrayOutputStream viaRows = new ByteArrayOutputStream();
    ByteArrayOutputStream viaSlices = new ByteArrayOutputStream();
    try (JsonGenerator g1 = jsonl.lineGenerator(viaRows);
        JsonGenerator g2 = jsonl.lineGenerator(viaSlices)) {
      for (int r = 0; r < n; r++) {
        int row = r;
        jsonl.writeResult(g1, IntNode.valueOf(r), outs, r);
        jsonl.writeResult(
            g2, IntNode.valueOf(r), batch.stream().map(t -> t.sliceRows(row, row + 1)).toList());
      }
    }
    assertThat(viaRows.toString(StandardCharsets.UTF_8))
        .isEqualTo(viaSlices.toString(StandardCharsets.UTF_8))
        .contains("\"f\":[[-5.0,-4.63,-4.26],[\"NaN\"");
  }

  @Test
  void aRecordsLine_fromTheBatchOutputs_allocatesNoCopyOfItsValues() throws Exception {
    // 1,024 floats a record (4 KiB): the per-record slice path copied them into a new array for
    // every line; read from the batch's values (decoded once a batch), a line copies none.
    int n = 64;
    int width = 1024;
    float[] values = new float[n * width];
    Tensor y = Tensor.ofFloats("y", new long[] {n, width}, values);
    ResultFormatter f = new ResultFormatter(RecordFormat.JSONL, List.of("y"));
    com.sun.management.ThreadMXBean mx =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    NullSink sink = new NullSink();
    JsonNode id = IntNode.valueOf(1);
    long rowsBytes = Long.MAX_VALUE;
    long floor = Long.MAX_VALUE;
    try (JsonGenerator g = f.lineGenerator(sink)) {
      for (int round = 0; round < 20; round++) { // warmed, the least of the rounds
        long a0 = mx.getCurrentThreadAllocatedBytes();
        OutputRows[] outs = {OutputRows.ofBatch(y)}; // once per batch
        for (int r = 0; r < n; r++) {
          f.writeResult(g, id, outs, r);
        }
        long a1 = mx.getCurrentThreadAllocatedBytes();
        for (int r = 0; r < n; r++) { // the floor: the same numbers written by hand
          g.writeStartObject();
          g.writeFieldName("id");
          g.writeNumber(1);
          g.writeFieldName("y");
          g.writeStartArray();
          for (int i = 0; i < width; i++) {
            g.writeNumber(values[r * width + i]);
          }
          g.writeEndArray();
          g.writeEndObject();
          g.writeRaw('\n');
        }
        long a2 = mx.getCurrentThreadAllocatedBytes();
        rowsBytes = Math.min(rowsBytes, (a1 - a0) / n);
        floor = Math.min(floor, (a2 - a1) / n);
      }
    }
    // Jackson's float writer allocates a string per value (~30 bytes a float) on both; the
    // per-record slice path also copied each record's 4 KiB of values into an array of its own.
    assertThat(rowsBytes)
        .as("bytes a record from the batch's rows, against %d writing the numbers by hand", floor)
        .isLessThanOrEqualTo(floor + 512);
  }

  private static final class NullSink extends java.io.OutputStream {
    @Override
    public void write(int b) {}

    @Override
    public void write(byte[] b, int off, int len) {}
  }
}
