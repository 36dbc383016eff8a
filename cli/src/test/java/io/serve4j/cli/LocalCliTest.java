package io.serve4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line on the local provider (ONNX Runtime), found through ServiceLoader. */
class LocalCliTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  private static CliTestSupport.Run run(String... args) {
    return CliTestSupport.run(null, args);
  }

  @Test
  void providers_listsLocalFromTheClassPath() {
    CliTestSupport.Run r = run("providers");
    assertThat(r.exit()).isZero();
    assertThat(r.out().lines()).contains("local", "memory");
  }

  @Test
  void predict_withModel_deploysInProcess_andAnswersLikeTheModel() throws IOException {
    Path model = MlpModel.write(dir.resolve("mlp.onnx"), 4, 8, 2);
    Path req = dir.resolve("r.json");
    Files.writeString(
        req,
        "{\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[2,4],"
            + "\"data\":[1,2,3,4,5,6,7,8]}]}");

    CliTestSupport.Run r = run("predict", "--model", model.toString(), "--request", req.toString());

    assertThat(r.exit()).as(r.err()).isZero();
    JsonNode data = JSON.readTree(r.out()).get("outputs").get(0).get("data");
    float[] row2 = MlpModel.reference(new float[] {5, 6, 7, 8}, 8, 2);
    assertThat(data.get(2).floatValue()).isCloseTo(row2[0], within(1e-5f));
    assertThat(data.get(3).floatValue()).isCloseTo(row2[1], within(1e-5f));
  }

  @Test
  void batch_onADynamicBatchModel_microBatches_andMatchesTheModel() throws IOException {
    Path model = MlpModel.write(dir.resolve("mlp.onnx"), 4, 16, 3);
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 500; i++) {
      sb.append("{\"id\":").append(i).append(",\"f\":[");
      sb.append(i % 5).append(',').append(0.1 * i).append(",-1,").append(i % 3).append("]}\n");
    }
    Path in = Files.writeString(dir.resolve("in.jsonl"), sb);
    Path out = dir.resolve("out.jsonl");

    CliTestSupport.Run r =
        run(
            "batch",
            "--model",
            model.toString(),
            "--map",
            "x=f",
            "--id-field",
            "id",
            "--batch-size",
            "64",
            "--output",
            out.toString(),
            "--progress",
            "none",
            in.toString());

    assertThat(r.exit()).as(r.err()).isZero();
    List<String> lines = Files.readAllLines(out);
    assertThat(lines).hasSize(500);
    for (int i = 0; i < 500; i += 37) {
      JsonNode n = JSON.readTree(lines.get(i));
      assertThat(n.get("id").asInt()).isEqualTo(i);
      float[] want = MlpModel.reference(new float[] {i % 5, (float) (0.1 * i), -1, i % 3}, 16, 3);
      for (int k = 0; k < 3; k++) {
        assertThat(n.get("y").get(k).floatValue()).isCloseTo(want[k], within(1e-4f));
      }
    }
  }

  @Test
  void batch_onAFixedShapeModelWithThreeInputs_matchesTheOnnxTestData() throws IOException {
    Path model = copy("onnx/test_gemm_default_matrix_bias/model.onnx", "gemm.onnx");
    JsonNode expected;
    try (InputStream s = resource("onnx/test_gemm_default_matrix_bias/expected.json")) {
      expected = JSON.readTree(s);
    }
    JsonNode inputs = expected.get("inputs");
    String record =
        "{\"id\":\"case0\",\"a\":"
            + inputs.get("a").get("data")
            + ",\"b\":"
            + inputs.get("b").get("data")
            + ",\"c\":"
            + inputs.get("c").get("data")
            + "}\n";
    Path in = Files.writeString(dir.resolve("in.jsonl"), record + record.replace("case0", "case1"));
    Path out = dir.resolve("out.csv");

    CliTestSupport.Run r =
        run(
            "batch",
            "-m",
            model.toString(),
            "--map",
            "a=a",
            "--map",
            "b=b",
            "--map",
            "c=c",
            "--id-field",
            "id",
            "-o",
            out.toString(),
            "--progress=none",
            in.toString());

    assertThat(r.exit()).as(r.err()).isZero();
    List<String> lines = Files.readAllLines(out);
    assertThat(lines.get(0)).isEqualTo("id,y");
    assertThat(lines).hasSize(3);
    String cell = lines.get(1).substring("case0,".length());
    JsonNode got = JSON.readTree(cell.substring(1, cell.length() - 1).replace("\"\"", "\""));
    JsonNode want = expected.get("outputs").get("y").get("data");
    assertThat(got).hasSize(3);
    int k = 0;
    for (JsonNode row : got) {
      for (JsonNode v : row) {
        assertThat(v.floatValue()).isCloseTo(want.get(k++).floatValue(), within(1e-5f));
      }
    }
  }

  @Test
  void batch_withMappingThatContradictsTheModel_failsBeforeScoring() throws IOException {
    Path model = MlpModel.write(dir.resolve("mlp.onnx"), 4, 8, 2);
    Path in = Files.writeString(dir.resolve("in.jsonl"), "{\"f\":[1,2,3,4]}\n");
    Path out = dir.resolve("out.jsonl");

    CliTestSupport.Run r =
        run(
            "batch",
            "-m",
            model.toString(),
            "--map",
            "x=f::5",
            "-o",
            out.toString(),
            in.toString());

    assertThat(r.exit()).isEqualTo(ExitCodes.INVALID_INPUT);
    assertThat(r.err()).contains("contradicts the model's [-1, 4]");
    assertThat(out).doesNotExist();
  }

  @Test
  void missingModelFile_exitsTwelve_andSaysWhichFile() {
    CliTestSupport.Run r = run("predict", "--model", dir + "/absent.onnx", "-r", "-");
    assertThat(r.exit()).as(r.err()).isEqualTo(ExitCodes.IO);
    assertThat(r.err()).contains("absent.onnx").contains("no such file");

    CliTestSupport.Run b =
        run("batch", "--model", dir + "/absent.onnx", "--map", "x=f", "-o", dir + "/o", "i");
    assertThat(b.exit()).as(b.err()).isEqualTo(ExitCodes.IO);

    CliTestSupport.Run d = run("predict", "--model", dir.toString(), "-r", "-");
    assertThat(d.exit()).as(d.err()).isEqualTo(ExitCodes.IO);
    assertThat(d.err()).contains("not a regular file");
  }

  @Test
  void predictAndBatch_withAModelFileNameThatIsNoEndpointName_deriveAValidName()
      throws IOException {
    Path in = Files.writeString(dir.resolve("in.jsonl"), "{\"f\":[1,2,3,4]}\n");
    Path req =
        Files.writeString(
            dir.resolve("r.json"),
            "{\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[1,4],"
                + "\"data\":[1,2,3,4]}]}");
    for (String name :
        List.of(
            "silero_vad.onnx",
            "My Model v1.2.onnx",
            "_under.onnx",
            "x".repeat(80) + ".onnx",
            "émoji☃.onnx")) {
      Path model = MlpModel.write(dir.resolve(name), 4, 8, 2);

      CliTestSupport.Run p = run("predict", "--model", model.toString(), "-r", req.toString());
      assertThat(p.exit()).as(name + ": " + p.err()).isZero();

      Path out = dir.resolve("out.jsonl");
      CliTestSupport.Run b =
          run(
              "batch",
              "--model",
              model.toString(),
              "--map",
              "x=f",
              "--progress=none",
              "--restart",
              "-o",
              out.toString(),
              in.toString());
      assertThat(b.exit()).as(name + ": " + b.err()).isZero();
      assertThat(Files.readAllLines(out)).hasSize(1);
    }
  }

  @Test
  void corruptModelFile_exitsEleven() throws IOException {
    Path bad = Files.writeString(dir.resolve("bad.onnx"), "not a model");
    Path req =
        Files.writeString(
            dir.resolve("r.json"),
            "{\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[1],\"data\":[1]}]}");
    CliTestSupport.Run r = run("predict", "--model", bad.toString(), "-r", req.toString());
    assertThat(r.exit()).as(r.err()).isEqualTo(ExitCodes.MODEL);
    assertThat(r.err()).contains("hint: check that the model file exists");
  }

  private Path copy(String resource, String name) throws IOException {
    try (InputStream s = resource(resource)) {
      Path p = dir.resolve(name);
      Files.copy(s, p);
      return p;
    }
  }

  private static InputStream resource(String name) {
    InputStream s = LocalCliTest.class.getClassLoader().getResourceAsStream(name);
    assertThat(s).as(name).isNotNull();
    return s;
  }
}
