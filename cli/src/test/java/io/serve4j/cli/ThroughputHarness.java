package io.serve4j.cli;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.serve4j.EndpointSpec;
import io.serve4j.Model;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.batch.BatchResult;
import io.serve4j.batch.BatchScorer;
import io.serve4j.batch.FieldMapping;
import java.io.BufferedReader;
import java.io.OutputStream;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Throughput of {@code BatchScorer} through the local provider against a plain ONNX Runtime loop at
 * the same batch size, on the same JSON Lines file and MLP model. Run by hand, not a test:
 *
 * <pre>
 * ./mvnw -q -pl cli package -DskipTests
 * java -cp cli/target/serve4j-cli-0.1.0-SNAPSHOT-all.jar:cli/target/test-classes \
 *     io.serve4j.cli.ThroughputHarness 100000 64 2
 * </pre>
 *
 * Arguments: records, batch size, scorer concurrency. The model is x FP32[N,64] -> 128 ReLU -> y
 * FP32[N,10]. Both sides parse the JSON, run the model and write a JSON line per record; the plain
 * loop runs one batch after another on one thread, with no checkpoints.
 */
public final class ThroughputHarness {
  private static final int IN = 64;
  private static final int HIDDEN = 128;
  private static final int OUT = 10;

  private ThroughputHarness() {}

  /**
   * Runs the comparison.
   *
   * @param args records, batch size, concurrency
   * @throws Exception on failure
   */
  public static void main(String[] args) throws Exception {
    int records = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    int batch = args.length > 1 ? Integer.parseInt(args[1]) : 64;
    int concurrency = args.length > 2 ? Integer.parseInt(args[2]) : 2;
    Path dir = Files.createTempDirectory("serve4j-throughput");
    Path model = MlpModel.write(dir.resolve("mlp.onnx"), IN, HIDDEN, OUT);
    Path input = dir.resolve("records.jsonl");
    writeRecords(input, records);
    System.out.printf(
        Locale.ROOT,
        "%d records, batch %d, model %d->%d->%d, %d cpus%n",
        records,
        batch,
        IN,
        HIDDEN,
        OUT,
        Runtime.getRuntime().availableProcessors());

    for (int round = 0; round < 2; round++) {
      double plain = plainLoop(model, input, dir.resolve("plain.jsonl"), batch);
      double scorer = scorer(model, input, dir.resolve("scored.jsonl"), batch, concurrency);
      System.out.printf(
          Locale.ROOT,
          "round %d: plain OrtSession loop %,.0f rec/s; serve4j BatchScorer (local, concurrency"
              + " %d) %,.0f rec/s; ratio %.2f%n",
          round + 1,
          plain,
          concurrency,
          scorer,
          scorer / plain);
    }
    System.out.println(
        "outputs identical: "
            + Files.readAllLines(dir.resolve("plain.jsonl")).stream()
                .map(String::strip)
                .toList()
                .equals(Files.readAllLines(dir.resolve("scored.jsonl"))));
  }

  private static void writeRecords(Path file, int records) throws Exception {
    Random r = new Random(42);
    StringBuilder sb = new StringBuilder(records * 400);
    for (int i = 0; i < records; i++) {
      sb.append("{\"id\":").append(i).append(",\"features\":[");
      for (int j = 0; j < IN; j++) {
        if (j > 0) {
          sb.append(',');
        }
        sb.append(String.format(Locale.ROOT, "%.4f", r.nextGaussian()));
      }
      sb.append("]}\n");
    }
    Files.writeString(file, sb);
  }

  private static double scorer(Path model, Path input, Path output, int batch, int concurrency) {
    try (ServingClient client = Serve4j.client("local")) {
      client.deploy(EndpointSpec.of("mlp", Model.onnx("mlp", model))).await();
      long t0 = System.nanoTime();
      BatchResult r =
          BatchScorer.builder()
              .endpoint(client.endpoint("mlp"))
              .input(input)
              .map(FieldMapping.of("x", "features"))
              .idField("id")
              .output(output)
              .restart(true)
              .batchSize(batch)
              .concurrency(concurrency)
              .build()
              .run();
      double secs = (System.nanoTime() - t0) / 1e9;
      if (r.errors() > 0) {
        throw new IllegalStateException(r.errors() + " errors");
      }
      return r.records() / secs;
    }
  }

  private static double plainLoop(Path model, Path input, Path output, int batch) throws Exception {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    ObjectMapper json = new ObjectMapper();
    JsonFactory factory = new JsonFactory();
    try (OrtSession session = env.createSession(model.toString(), new OrtSession.SessionOptions());
        BufferedReader in = Files.newBufferedReader(input);
        OutputStream out = Files.newOutputStream(output);
        JsonGenerator g = factory.createGenerator(out)) {
      long t0 = System.nanoTime();
      long[] ids = new long[batch];
      float[] x = new float[batch * IN];
      int n = 0;
      long total = 0;
      String line;
      while (true) {
        line = in.readLine();
        if (line != null) {
          JsonNode rec = json.readTree(line);
          ids[n] = rec.get("id").asLong();
          JsonNode f = rec.get("features");
          for (int j = 0; j < IN; j++) {
            x[n * IN + j] = (float) f.get(j).doubleValue();
          }
          n++;
        }
        if (n == batch || (line == null && n > 0)) {
          try (OnnxTensor t =
                  OnnxTensor.createTensor(env, FloatBuffer.wrap(x, 0, n * IN), new long[] {n, IN});
              OrtSession.Result res = session.run(Map.of("x", t))) {
            float[][] y = (float[][]) res.get(0).getValue();
            for (int i = 0; i < n; i++) {
              g.writeStartObject();
              g.writeNumberField("id", ids[i]);
              g.writeArrayFieldStart("y");
              for (float v : y[i]) {
                g.writeNumber(v);
              }
              g.writeEndArray();
              g.writeEndObject();
              g.writeRaw('\n');
            }
          }
          total += n;
          n = 0;
        }
        if (line == null) {
          break;
        }
      }
      g.flush();
      return total / ((System.nanoTime() - t0) / 1e9);
    }
  }
}
