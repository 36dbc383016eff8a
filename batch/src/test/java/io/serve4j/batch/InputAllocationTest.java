package io.serve4j.batch;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import io.serve4j.DataType;
import io.serve4j.Endpoint;
import io.serve4j.InferenceResponse;
import io.serve4j.ModelSignature;
import io.serve4j.ServingClient;
import io.serve4j.Tensor;
import io.serve4j.TensorSpec;
import io.serve4j.testkit.memory.MemoryBackend;
import io.serve4j.testkit.memory.Predictor;
import java.io.BufferedReader;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reading side's heap allocation per record (the thread that calls {@link BatchScorer#run}: it
 * reads, maps and, with the memory provider, calls the model) against the least a reader can
 * allocate for the same lines: each read as a string and walked by a streaming parser into a
 * pre-allocated buffer. A tensor per record (its heap buffer alone is 1 KiB for these 256 floats)
 * or a copy of the batch per record does not fit the bound.
 */
class InputAllocationTest {
  private static final int FEATURES = 256;
  private static final int RECORDS = 4_000;
  private static final ModelSignature SUM =
      new ModelSignature(
          List.of(TensorSpec.of("x", DataType.FP32, -1, FEATURES)),
          List.of(TensorSpec.of("y", DataType.FP32, -1, 1)));
  private static final JsonFactory JSON =
      JsonFactory.builder().enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER).build();

  @TempDir Path dir;
  private ServingClient client;

  @AfterEach
  void close() {
    if (client != null) {
      client.close();
    }
  }

  /** Sums each row, reading the input in place (no copy of the batch on the model's side). */
  private static final Predictor SUM_ROWS =
      (d, req) -> {
        Tensor x = req.input("x").orElseThrow();
        int rows = (int) x.shape().dim(0);
        ByteBuffer b = x.buffer();
        float[] y = new float[rows];
        for (int r = 0; r < rows; r++) {
          float s = 0;
          for (int c = 0; c < FEATURES; c++) {
            s += b.getFloat((r * FEATURES + c) * 4);
          }
          y[r] = s;
        }
        return InferenceResponse.builder()
            .output(Tensor.ofFloats("y", new long[] {rows, 1}, y))
            .build();
      };

  @Test
  void readingSide_allocatesPerRecordNoMoreThanReadingAndParsingTheLine_plus512Bytes()
      throws IOException {
    client = MemoryModels.client(SUM_ROWS, new MemoryBackend());
    Endpoint e = client.endpoint(MemoryModels.deploy(client, "sum", SUM));
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < RECORDS; i++) {
      sb.append("{\"id\":\"r").append(i).append("\",\"features\":[");
      for (int c = 0; c < FEATURES; c++) {
        sb.append(c == 0 ? "" : ",").append(String.format(Locale.ROOT, "%.3f", (i + c) * 0.01));
      }
      sb.append("]}\n");
    }
    Path in = Files.writeString(dir.resolve("in.jsonl"), sb);

    long job = Long.MAX_VALUE;
    long floor = Long.MAX_VALUE;
    for (int round = 0; round < 3; round++) { // the first rounds warm up; the least is kept
      long before = allocated();
      BatchResult r =
          BatchScorer.builder()
              .endpoint(e)
              .input(in)
              .map(FieldMapping.of("x", "features"))
              .idField("id")
              .batchSize(64)
              .output(dir.resolve("out.jsonl"))
              .restart(true)
              .build()
              .run();
      job = Math.min(job, allocated() - before);
      assertThat(r.scored()).isEqualTo(RECORDS);
      before = allocated();
      readAndParse(in);
      floor = Math.min(floor, allocated() - before);
    }
    long perRecord = job / RECORDS;
    long floorPerRecord = floor / RECORDS;
    System.out.printf(
        "InputAllocationTest: reading side %d B a record, reading and parsing the line %d B%n",
        perRecord, floorPerRecord);
    assertThat(perRecord)
        .as(
            "reading side %d B a record, reading and parsing the line %d B",
            perRecord, floorPerRecord)
        .isLessThanOrEqualTo(floorPerRecord + 512);
  }

  /** The least: each line as a string, a parser walking it into one pre-allocated buffer. */
  private static void readAndParse(Path in) throws IOException {
    FloatBuffer x =
        ByteBuffer.allocateDirect(64 * FEATURES * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
    int row = 0;
    try (BufferedReader r = Files.newBufferedReader(in, StandardCharsets.UTF_8)) {
      String line;
      while ((line = r.readLine()) != null) {
        try (JsonParser p = JSON.createParser(line)) {
          p.nextToken();
          while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken t = p.nextToken();
            if ("features".equals(name) && t == JsonToken.START_ARRAY) {
              int k = 0;
              while (p.nextToken() != JsonToken.END_ARRAY) {
                x.put(row * FEATURES + k++, (float) p.getDoubleValue());
              }
            } else {
              p.skipChildren();
            }
          }
        }
        row = (row + 1) % 64;
      }
    }
  }

  private static long allocated() {
    return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean())
        .getCurrentThreadAllocatedBytes();
  }
}
