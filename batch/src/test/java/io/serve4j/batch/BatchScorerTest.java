package io.serve4j.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.serve4j.DataType;
import io.serve4j.Endpoint;
import io.serve4j.ErrorCategory;
import io.serve4j.InvalidInputException;
import io.serve4j.ServingClient;
import io.serve4j.ServingException;
import io.serve4j.testkit.memory.MemoryBackend;
import io.serve4j.testkit.memory.Predictor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BatchScorerTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  private final MemoryBackend backend = new MemoryBackend();
  private ServingClient client;

  @AfterEach
  void close() {
    if (client != null) {
      client.close();
    }
  }

  private Endpoint endpoint(Predictor predictor) {
    client = MemoryModels.client(predictor, backend);
    return client.endpoint(MemoryModels.deploy(client, "summax", MemoryModels.SUM_MAX));
  }

  private Path jsonl(String name, int records) throws IOException {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < records; i++) {
      sb.append(String.format("{\"id\":\"r%d\",\"features\":[%d,1,2,3]}%n", i, i));
    }
    Path p = dir.resolve(name);
    Files.writeString(p, sb);
    return p;
  }

  private static List<JsonNode> readJsonl(Path p) throws IOException {
    List<JsonNode> out = new ArrayList<>();
    for (String line : Files.readAllLines(p)) {
      out.add(JSON.readTree(line));
    }
    return out;
  }

  private BatchScorer.Builder scorer(Endpoint e, Path input) {
    return BatchScorer.builder()
        .endpoint(e)
        .input(input)
        .map(FieldMapping.of("x", "features"))
        .idField("id")
        .output(dir.resolve("out.jsonl"));
  }

  @Test
  void run_writesEveryRecordWithItsIdInInputOrder_andMicroBatches() throws IOException {
    Endpoint e = endpoint(MemoryModels.sumMax(0));
    Path in = jsonl("in.jsonl", 1000);

    BatchResult r = scorer(e, in).batchSize(50).concurrency(4).build().run();

    assertThat(r.records()).isEqualTo(1000);
    assertThat(r.errors()).isZero();
    List<JsonNode> out = readJsonl(r.output());
    assertThat(out).hasSize(1000);
    for (int i = 0; i < 1000; i++) {
      assertThat(out.get(i).get("id").asText()).isEqualTo("r" + i);
      assertThat(out.get(i).get("y").get(0).floatValue()).isEqualTo(i + 6f);
      assertThat(out.get(i).get("y").get(1).floatValue()).isEqualTo(Math.max(i, 3f));
    }
    assertThat(backend.predictionsReceived()).isEqualTo(20);
    assertThat(r.deadLetterIfAny()).isEmpty();
    assertThat(r.deadLetter()).doesNotExist();
  }

  @Test
  void run_whenModelIsNotBatchable_sendsOneRecordPerRequest() throws IOException {
    client = MemoryModels.client(io.serve4j.testkit.memory.MemoryOptions.identity(), backend);
    io.serve4j.ModelSignature fixed =
        new io.serve4j.ModelSignature(
            List.of(io.serve4j.TensorSpec.of("x", DataType.FP32, 1, 4)),
            List.of(io.serve4j.TensorSpec.of("y", DataType.FP32, 1, 4)));
    Endpoint e = client.endpoint(MemoryModels.deploy(client, "fixed", fixed));

    BatchResult r = scorer(e, jsonl("in.jsonl", 30)).batchSize(8).build().run();

    assertThat(r.scored()).isEqualTo(30);
    assertThat(backend.predictionsReceived()).isEqualTo(30);
    assertThat(readJsonl(r.output()).get(7).get("y").toString()).isEqualTo("[7.0,1.0,2.0,3.0]");
  }

  @Test
  void run_whenMappingContradictsSignature_failsBeforeAnyRecordIsSent() throws IOException {
    Endpoint e = endpoint(MemoryModels.sumMax(0));
    Path in = jsonl("in.jsonl", 10);

    assertThatThrownBy(
            () ->
                BatchScorer.builder()
                    .endpoint(e)
                    .input(in)
                    .map(FieldMapping.of("x", "features").withShape(5))
                    .output(dir.resolve("out.jsonl"))
                    .build()
                    .run())
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("[5]")
        .hasMessageContaining("[-1, 4]");
    assertThatThrownBy(
            () ->
                BatchScorer.builder()
                    .endpoint(e)
                    .input(in)
                    .map(FieldMapping.of("x", "features").withType(DataType.INT64))
                    .output(dir.resolve("out.jsonl"))
                    .build()
                    .run())
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("INT64")
        .hasMessageContaining("FP32");
    assertThatThrownBy(
            () ->
                BatchScorer.builder()
                    .endpoint(e)
                    .input(in)
                    .map(FieldMapping.of("z", "features"))
                    .output(dir.resolve("out.jsonl"))
                    .build()
                    .run())
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("no input 'z'");
    assertThat(backend.predictionsReceived()).isZero();
    assertThat(dir.resolve("out.jsonl")).doesNotExist();
  }

  @Test
  void run_whenTrafficIsSplit_checksTheMappingAgainstEveryDeployment() throws IOException {
    client = MemoryModels.client(MemoryModels.sumMax(0), backend);
    io.serve4j.ModelSignature wider =
        new io.serve4j.ModelSignature(
            List.of(io.serve4j.TensorSpec.of("x", DataType.FP32, -1, 5)),
            List.of(io.serve4j.TensorSpec.of("y", DataType.FP32, -1, 2)));
    client
        .deploy(
            io.serve4j.EndpointSpec.builder()
                .name("split")
                .deployment(
                    io.serve4j.DeploymentSpec.of(
                        "blue", MemoryModels.model("m1", MemoryModels.SUM_MAX)))
                .deployment(io.serve4j.DeploymentSpec.of("green", MemoryModels.model("m2", wider)))
                .traffic(java.util.Map.of("blue", 90, "green", 10))
                .build())
        .await();

    assertThatThrownBy(() -> scorer(client.endpoint("split"), jsonl("in.jsonl", 3)).build().run())
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("FP32[1, 5]")
        .hasMessageContaining("different inputs");
    assertThat(backend.predictionsReceived()).isZero();
  }

  @Test
  void run_sendsMalformedRecordsToDeadLetterWithLineNumbers_andGoesOn() throws IOException {
    Endpoint e = endpoint(MemoryModels.sumMax(0));
    Path in = dir.resolve("in.jsonl");
    Files.writeString(
        in,
        "{\"id\":\"a\",\"features\":[1,2,3,4]}\n"
            + "{not json\n"
            + "\n"
            + "{\"id\":\"c\",\"features\":[1,2,3]}\n"
            + "{\"id\":\"d\",\"features\":[1,2,\"x\",4]}\n"
            + "{\"id\":\"e\"}\n"
            + "{\"id\":\"f\",\"features\":[[1,2],[3,4]]}\n");

    BatchResult r = scorer(e, in).batchSize(4).build().run();

    assertThat(r.records()).isEqualTo(6);
    assertThat(r.scored()).isEqualTo(2);
    assertThat(r.errors()).isEqualTo(4);
    assertThat(readJsonl(r.output()))
        .extracting(n -> n.get("id").asText())
        .containsExactly("a", "f");
    List<JsonNode> dead = readJsonl(r.deadLetter());
    assertThat(dead).extracting(n -> n.get("line").asLong()).containsExactly(2L, 4L, 5L, 6L);
    assertThat(dead.get(0).get("reason").asText()).contains("not valid JSON");
    assertThat(dead.get(1).get("reason").asText()).contains("3 values").contains("takes 4");
    assertThat(dead.get(2).get("reason").asText()).contains("'x'");
    assertThat(dead.get(3).get("reason").asText()).contains("no field 'features'");
    assertThat(dead.get(1).get("id").asText()).isEqualTo("c");
    assertThat(dead.get(1).get("record").asText()).isEqualTo("{\"id\":\"c\",\"features\":[1,2,3]}");
    assertThat(dead.get(1).get("category").asText()).isEqualTo("INVALID_INPUT");
  }

  @Test
  void run_whenRecordsFailHalfwayThroughTheirValues_batchMatesAreScoredOnTheirOwnValues()
      throws IOException {
    // A record parsed into the batch's buffer that fails after some of its values were written
    // (a value that is not a number, one too many, a line cut short) must leave nothing that a
    // batch-mate's row then uses, and take no row of the batch.
    List<Integer> rowsPerCall = new ArrayList<>();
    Predictor counting =
        (d, req) -> {
          rowsPerCall.add((int) req.input("x").orElseThrow().shape().dim(0));
          return MemoryModels.sumMax(0).predict(d, req);
        };
    Endpoint e = endpoint(counting);
    StringBuilder sb = new StringBuilder();
    List<String> goodIds = new ArrayList<>();
    List<float[]> goodValues = new ArrayList<>();
    for (int i = 0; i < 61; i++) {
      switch (i % 6) {
        case 1 -> sb.append("{\"id\":\"r" + i + "\",\"features\":[1000,1000,\"x\",1000]}");
        case 3 -> sb.append("{\"id\":\"r" + i + "\",\"features\":[1000,1000,1000,1000,1]}");
        case 4 -> sb.append("{\"id\":\"r" + i + "\",\"features\":[1000,1000,1000");
        default -> {
          float[] v = {i, i % 3, -i, 0.5f};
          sb.append("{\"id\":\"r" + i + "\",\"features\":[" + i + "," + (i % 3) + ",");
          sb.append(-i).append(",0.5]}");
          goodIds.add("r" + i);
          goodValues.add(v);
        }
      }
      sb.append('\n');
    }
    Path in = Files.writeString(dir.resolve("in.jsonl"), sb);

    BatchResult r = scorer(e, in).batchSize(8).build().run();

    assertThat(r.records()).isEqualTo(61);
    assertThat(r.scored()).isEqualTo(goodIds.size());
    List<JsonNode> out = readJsonl(r.output());
    assertThat(out).extracting(n -> n.get("id").asText()).containsExactlyElementsOf(goodIds);
    for (int k = 0; k < out.size(); k++) {
      float[] v = goodValues.get(k);
      float max = Math.max(Math.max(v[0], v[1]), Math.max(v[2], v[3]));
      assertThat(out.get(k).get("y").get(0).floatValue()).isEqualTo(v[0] + v[1] + v[2] + v[3]);
      assertThat(out.get(k).get("y").get(1).floatValue()).isEqualTo(max);
    }
    // each call had exactly the good records of its 8, no row for a bad one
    assertThat(rowsPerCall.stream().mapToInt(Integer::intValue).sum()).isEqualTo(goodIds.size());
    assertThat(rowsPerCall).hasSize(8);
    List<JsonNode> dead = readJsonl(r.deadLetter());
    assertThat(dead).hasSize(61 - goodIds.size());
    assertThat(dead)
        .allSatisfy(n -> assertThat(n.get("category").asText()).isEqualTo("INVALID_INPUT"));
    assertThat(dead.get(0).get("reason").asText()).contains("'x'");
    assertThat(dead.get(1).get("reason").asText()).contains("5 values").contains("takes 4");
    assertThat(dead.get(2).get("reason").asText()).contains("not valid JSON");
  }

  @Test
  void run_whenStopOnFirstError_stopsAndResumesAtTheFailingRecordOnceFixed() throws IOException {
    Endpoint e = endpoint(MemoryModels.sumMax(0));
    Path in = jsonl("in.jsonl", 10);
    List<String> lines = new ArrayList<>(Files.readAllLines(in));
    lines.set(6, "{\"id\":\"r6\",\"features\":\"oops\"}");
    Files.write(in, lines);

    assertThatThrownBy(() -> scorer(e, in).batchSize(1).stopOnFirstError(true).build().run())
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining(":7 failed");
    assertThat(readJsonl(dir.resolve("out.jsonl"))).hasSize(6);

    lines.set(6, "{\"id\":\"r6\",\"features\":[6,1,2,3]}");
    Files.write(in, lines);
    // The input changed, so the old checkpoint is refused rather than silently mixed in.
    assertThatThrownBy(() -> scorer(e, in).build().run())
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("different job");
    BatchResult r = scorer(e, in).restart(true).build().run();
    assertThat(readJsonl(r.output())).extracting(n -> n.get("id").asText()).hasSize(10);
  }

  @Test
  void run_retriesRetryableFailures() throws IOException {
    AtomicInteger calls = new AtomicInteger();
    Predictor flaky =
        (d, req) -> {
          if (calls.incrementAndGet() % 3 != 0) {
            throw ServingException.builder(ErrorCategory.UNAVAILABLE)
                .fromService()
                .message("try later")
                .build();
          }
          return MemoryModels.sumMax(0).predict(d, req);
        };
    Endpoint e = endpoint(flaky);

    BatchResult r =
        scorer(e, jsonl("in.jsonl", 20))
            .batchSize(5)
            .concurrency(1)
            .retry(
                io.serve4j.RetryPolicy.builder()
                    .maxAttempts(3)
                    .initialBackoff(Duration.ofMillis(1))
                    .maxBackoff(Duration.ofMillis(5))
                    .budget(1, 100)
                    .build())
            .build()
            .run();

    assertThat(r.errors()).isZero();
    assertThat(calls.get()).isEqualTo(12);
  }

  @Test
  void run_whenModelFailsForOneRecordOfABatch_deadLettersOnlyThatRecord() throws IOException {
    Predictor picky =
        (d, req) -> {
          float[] x = req.input("x").orElseThrow().asFloats();
          for (float v : x) {
            if (v == 13f) {
              throw ServingException.builder(ErrorCategory.MODEL_ERROR)
                  .fromService()
                  .message("unlucky")
                  .build();
            }
          }
          return MemoryModels.sumMax(0).predict(d, req);
        };
    Endpoint e = endpoint(picky);

    BatchResult r = scorer(e, jsonl("in.jsonl", 40)).batchSize(8).build().run();

    assertThat(r.scored()).isEqualTo(39);
    List<JsonNode> dead = readJsonl(r.deadLetter());
    assertThat(dead).hasSize(1);
    assertThat(dead.get(0).get("line").asLong()).isEqualTo(14);
    assertThat(dead.get(0).get("category").asText()).isEqualTo("MODEL_ERROR");
    assertThat(readJsonl(r.output())).extracting(n -> n.get("id").asText()).doesNotContain("r13");
  }

  @Test
  void run_readsGzipCsvAndGlobs_andWritesCsv() throws IOException {
    Endpoint e = endpoint(MemoryModels.sumMax(0));
    Files.createDirectories(dir.resolve("data"));
    try (OutputStream o =
        new GZIPOutputStream(Files.newOutputStream(dir.resolve("data/part-1.csv.gz")))) {
      o.write("key,a,b,c,d\nk1,1,2,3,4\n\"k,2\",1,1,1,1\n".getBytes(StandardCharsets.UTF_8));
    }
    Files.writeString(dir.resolve("data/part-2.csv"), "a,key,b,c,d\n0,k3,0,0,\"[5]\"\n");
    Files.writeString(dir.resolve("data/ignored.txt"), "nothing");

    BatchResult r =
        BatchScorer.builder()
            .endpoint(e)
            .input(dir + "/data/part-*")
            .map(FieldMapping.parse("x=a,b,c,d:FP32:4"))
            .idField("key")
            .output(dir.resolve("out.csv"))
            .build()
            .run();

    assertThat(r.scored()).isEqualTo(3);
    assertThat(Files.readString(dir.resolve("out.csv")))
        .isEqualTo("id,y\nk1,\"[10.0,4.0]\"\n\"k,2\",\"[4.0,1.0]\"\nk3,\"[5.0,5.0]\"\n");
  }

  @Test
  void run_whenACsvHeaderLacksAMappedColumn_failsBeforeAnyRecordIsSent() throws IOException {
    Endpoint e = endpoint(MemoryModels.sumMax(0));
    Path in = dir.resolve("in.csv");
    Files.writeString(in, "id,f1,f2,f3\nk1,1,2,3\nk2,4,5,6\n");

    assertThatThrownBy(
            () ->
                BatchScorer.builder()
                    .endpoint(e)
                    .input(in)
                    .map(FieldMapping.of("x", "f1", "f2", "f3", "f4"))
                    .idField("id")
                    .output(dir.resolve("out.jsonl"))
                    .build()
                    .run())
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("'f4'")
        .hasMessageContaining(in.toString());
    assertThat(backend.predictionsReceived()).isZero();
    assertThat(dir.resolve("out.jsonl")).doesNotExist();
    assertThat(dir.resolve("out.jsonl.errors.jsonl")).doesNotExist();
  }

  @Test
  void run_whenAlreadyComplete_doesNothingAndReportsTheFormerResult() throws IOException {
    Endpoint e = endpoint(MemoryModels.sumMax(0));
    Path in = jsonl("in.jsonl", 10);
    scorer(e, in).build().run();
    long sent = backend.predictionsReceived();
    String before = Files.readString(dir.resolve("out.jsonl"));

    BatchResult again = scorer(e, in).build().run();

    assertThat(again.records()).isEqualTo(10);
    assertThat(again.resumedFrom()).isEqualTo(10);
    assertThat(backend.predictionsReceived()).isEqualTo(sent);
    assertThat(Files.readString(dir.resolve("out.jsonl"))).isEqualTo(before);
  }

  @Test
  void run_reportsProgressToListeners() throws IOException {
    Endpoint e = endpoint(MemoryModels.sumMax(0));
    List<BatchProgress> seen = new ArrayList<>();
    List<BatchResult> finished = new ArrayList<>();
    ByteArrayOutputStream printed = new ByteArrayOutputStream();

    scorer(e, jsonl("in.jsonl", 200))
        .progressInterval(Duration.ZERO)
        .listener(
            new BatchListener() {
              @Override
              public void onProgress(BatchProgress p) {
                seen.add(p);
              }

              @Override
              public void onFinish(BatchResult r) {
                finished.add(r);
              }
            })
        .listener(ProgressPrinter.plain(new PrintStream(printed, true), Duration.ZERO))
        .build()
        .run();

    assertThat(seen).isNotEmpty();
    assertThat(seen).extracting(BatchProgress::recordsDone).isSorted();
    assertThat(seen.get(seen.size() - 1).recordsDone()).isEqualTo(200);
    assertThat(seen.get(0).totalRecords()).isEqualTo(200);
    assertThat(finished).singleElement().extracting(BatchResult::records).isEqualTo(200L);
    assertThat(printed.toString(StandardCharsets.UTF_8))
        .contains("200/200 records (100%)")
        .contains("done: 200 records (200 scored, 0 errors)");
  }
}
