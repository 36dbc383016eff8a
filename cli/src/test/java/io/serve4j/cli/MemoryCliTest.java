package io.serve4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.serve4j.DataType;
import io.serve4j.EndpointSpec;
import io.serve4j.InferenceResponse;
import io.serve4j.Model;
import io.serve4j.ModelFormat;
import io.serve4j.ModelSignature;
import io.serve4j.ServingClient;
import io.serve4j.Tensor;
import io.serve4j.TensorSpec;
import io.serve4j.testkit.memory.MemoryBackend;
import io.serve4j.testkit.memory.MemoryOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line against the in-memory provider, with a shared backend standing in for a cloud.
 */
class MemoryCliTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ModelSignature DOUBLER =
      new ModelSignature(
          List.of(TensorSpec.of("x", DataType.FP32, -1, 2)),
          List.of(TensorSpec.of("y", DataType.FP32, -1, 2)));

  @TempDir Path dir;
  private final MemoryBackend backend = new MemoryBackend();
  private ClientFactory clients;

  @BeforeEach
  void deployDoubler() {
    clients =
        (provider, uri) ->
            io.serve4j.Serve4j.client(
                MemoryOptions.builder()
                    .backend(backend)
                    .predictor(
                        (d, req) -> {
                          Tensor x = req.input("x").orElseThrow();
                          float[] v = x.asFloats();
                          for (int i = 0; i < v.length; i++) {
                            v[i] *= 2;
                          }
                          return InferenceResponse.builder()
                              .output(Tensor.ofFloats("y", x.shape().toArray(), v))
                              .build();
                        })
                    .build());
    try (ServingClient c = clients.open("memory", null)) {
      c.deploy(
              EndpointSpec.of(
                  "doubler",
                  Model.builder()
                      .name("doubler")
                      .format(ModelFormat.ONNX)
                      .artifact("file:/models/doubler.onnx")
                      .signature(DOUBLER)
                      .build()))
          .await();
    }
  }

  private CliTestSupport.Run run(String... args) {
    return CliTestSupport.run(clients, args);
  }

  @Test
  void predict_readsAnOipRequestFile_andPrintsTheOipResponse() throws IOException {
    Path req = dir.resolve("req.json");
    Files.writeString(
        req,
        "{\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[1,2],\"data\":[1.5,-2]}]}");

    CliTestSupport.Run r =
        run(
            "predict",
            "--provider",
            "memory",
            "--endpoint",
            "doubler",
            "--request",
            req.toString());

    assertThat(r.exit()).isZero();
    JsonNode out = JSON.readTree(r.out()).get("outputs").get(0);
    assertThat(out.get("name").asText()).isEqualTo("y");
    assertThat(out.get("data").toString()).isEqualTo("[3.0,-4.0]");
  }

  @Test
  void predict_readsTheRequestFromStandardInputByDefault() throws IOException {
    java.io.InputStream stdin = System.in;
    System.setIn(
        new java.io.ByteArrayInputStream(
            "{\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[1,2],\"data\":[1,2]}]}"
                .getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    try {
      CliTestSupport.Run r = run("predict", "--provider", "memory", "--endpoint", "doubler");
      assertThat(r.exit()).as(r.err()).isZero();
      assertThat(JSON.readTree(r.out()).get("outputs").get(0).get("data").toString())
          .isEqualTo("[2.0,4.0]");
    } finally {
      System.setIn(stdin);
    }
  }

  @Test
  void predict_withMalformedRequest_exitsFour() throws IOException {
    Path req = Files.writeString(dir.resolve("req.json"), "{\"inputs\": 3}");
    CliTestSupport.Run r =
        run("predict", "--provider", "memory", "-e", "doubler", "-r", req.toString());
    assertThat(r.exit()).isEqualTo(ExitCodes.INVALID_INPUT);
    assertThat(r.err()).startsWith("error: ").contains("inputs");
  }

  @Test
  void batch_scoresAFileInOrder_andExitsZero() throws IOException {
    Path in = dir.resolve("in.jsonl");
    Files.writeString(in, "{\"k\":\"a\",\"v\":[1,2]}\n{\"k\":\"b\",\"v\":[3,4]}\n");
    Path out = dir.resolve("out.jsonl");

    CliTestSupport.Run r =
        run(
            "batch",
            "--provider=memory",
            "-e",
            "doubler",
            "--map",
            "x=v",
            "--id-field",
            "k",
            "-o",
            out.toString(),
            "--progress",
            "plain",
            in.toString());

    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(Files.readAllLines(out))
        .containsExactly("{\"id\":\"a\",\"y\":[2.0,4.0]}", "{\"id\":\"b\",\"y\":[6.0,8.0]}");
    assertThat(r.err()).contains("done: 2 records (2 scored, 0 errors)");
  }

  @Test
  void batch_withBadRecords_exitsThree_andNamesTheDeadLetterFile() throws IOException {
    Path in = dir.resolve("in.jsonl");
    Files.writeString(in, "{\"v\":[1,2]}\n{\"v\":[1]}\n");
    Path out = dir.resolve("out.jsonl");

    CliTestSupport.Run r =
        run(
            "batch",
            "--provider=memory",
            "-e",
            "doubler",
            "--map",
            "x=v",
            "-o",
            out.toString(),
            "--progress=none",
            in.toString());

    assertThat(r.exit()).isEqualTo(ExitCodes.PARTIAL);
    assertThat(r.err()).contains("1 of 2 records failed").contains("out.jsonl.errors.jsonl");
    JsonNode dead = JSON.readTree(Files.readString(dir.resolve("out.jsonl.errors.jsonl")));
    assertThat(dead.get("line").asInt()).isEqualTo(2);
  }

  @Test
  void batch_whenMappingContradictsTheSignature_exitsFour_andSaysWhatTheModelTakes()
      throws IOException {
    Path in = dir.resolve("in.jsonl");
    Files.writeString(in, "{\"v\":[1,2]}\n");

    CliTestSupport.Run r =
        run(
            "batch",
            "--provider=memory",
            "-e",
            "doubler",
            "--map",
            "x=v:INT64",
            "-o",
            dir.resolve("out.jsonl").toString(),
            in.toString());

    assertThat(r.exit()).isEqualTo(ExitCodes.INVALID_INPUT);
    assertThat(r.err()).contains("declares INT64").contains("takes FP32").contains("hint:");
    assertThat(backend.predictionsReceived()).isZero();
  }

  @Test
  void endpoints_listDescribeDelete() {
    CliTestSupport.Run list = run("endpoints", "list", "--provider", "memory");
    assertThat(list.exit()).isZero();
    assertThat(list.out()).contains("doubler").contains("IN_SERVICE");

    CliTestSupport.Run describe = run("endpoints", "describe", "doubler", "--provider", "memory");
    assertThat(describe.out()).contains("inputs:    [x:FP32[-1, 2]]");

    assertThat(run("endpoints", "delete", "doubler", "--provider", "memory").exit()).isZero();
    CliTestSupport.Run gone = run("endpoints", "describe", "doubler", "--provider", "memory");
    assertThat(gone.exit()).isEqualTo(ExitCodes.NOT_FOUND);
    assertThat(gone.err()).contains("doubler").contains("hint: check the name");
  }

  @Test
  void deploy_createsTheEndpoint_andDescribesIt() {
    CliTestSupport.Run r =
        run(
            "deploy",
            "--provider",
            "memory",
            "--endpoint",
            "second",
            "--artifact",
            "s3://bucket/m.onnx");
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).contains("endpoint:    second").contains("model:     m:1");
    assertThat(backend.endpointNames()).contains("second");
  }

  @Test
  void usageErrors_exitTwo_withTheProblemAndWhereToLook() {
    CliTestSupport.Run unknown = run("predict", "--endpoit", "x");
    assertThat(unknown.exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(unknown.err()).contains("--endpoit").contains("serve4j predict --help");

    CliTestSupport.Run nothing = run("predict", "--provider", "memory", "--request", "-");
    assertThat(nothing.exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(nothing.err()).contains("--model FILE.onnx").contains("--endpoint");

    CliTestSupport.Run clash = run("endpoints", "list", "--provider", "local", "--uri", "aws://x");
    assertThat(clash.exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(clash.err()).contains("name different providers");

    assertThat(run().exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(run("--help").exit()).isZero();
  }

  @Test
  void missingRequestFile_exitsTwelve_andNamesTheFile() {
    CliTestSupport.Run r =
        run("predict", "--provider=memory", "-e", "doubler", "-r", dir + "/nope.json");
    assertThat(r.exit()).isEqualTo(ExitCodes.IO);
    assertThat(r.err()).contains("nope.json");
  }
}
