package io.serve4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve4j batch} under the mistakes a user can make with its files: exit codes and files.
 */
class BatchCliSafetyTest {
  private static final ModelSignature DOUBLER =
      new ModelSignature(
          List.of(TensorSpec.of("x", DataType.FP32, -1, 2)),
          List.of(TensorSpec.of("y", DataType.FP32, -1, 2)));

  @TempDir Path dir;
  private final MemoryBackend backend = new MemoryBackend();
  private final CountDownLatch entered = new CountDownLatch(1);
  private volatile CountDownLatch gate = new CountDownLatch(0);
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
                          entered.countDown();
                          try {
                            gate.await(30, TimeUnit.SECONDS);
                          } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                          }
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

  private CliTestSupport.Run batch(Path in, Path out, String... more) {
    List<String> args = new ArrayList<>();
    args.addAll(
        List.of(
            "batch",
            "--provider=memory",
            "-e",
            "doubler",
            "--map",
            "x=v",
            "-o",
            out.toString(),
            "--progress=none"));
    args.addAll(Arrays.asList(more));
    args.add(in.toString());
    return CliTestSupport.run(clients, args.toArray(String[]::new));
  }

  private Path records(String name) throws IOException {
    return Files.writeString(dir.resolve(name), "{\"v\":[1,2]}\n{\"v\":[3,4]}\n");
  }

  @Test
  void batch_whenOutputIsTheInput_exitsFour_andTheInputIsIntact() throws IOException {
    Path in = records("in.jsonl");
    String before = Files.readString(in);

    CliTestSupport.Run r = batch(in, in);

    assertThat(r.exit()).as(r.err()).isEqualTo(ExitCodes.INVALID_INPUT);
    assertThat(r.err()).contains("is also an input");
    assertThat(Files.readString(in)).isEqualTo(before);
  }

  @Test
  void batch_whenDeadLetterIsTheOutput_exitsFour() throws IOException {
    Path in = records("in.jsonl");
    Path out = dir.resolve("out.jsonl");

    CliTestSupport.Run r = batch(in, out, "--dead-letter", out.toString());

    assertThat(r.exit()).as(r.err()).isEqualTo(ExitCodes.INVALID_INPUT);
    assertThat(r.err()).contains("the output and the dead-letter file are the same file");
    assertThat(out).doesNotExist();
  }

  @Test
  void batch_whenAnUnrelatedFileIsAtTheOutput_exitsSix_unlessOverwrite() throws IOException {
    Path in = records("in.jsonl");
    Path out = Files.writeString(dir.resolve("out.jsonl"), "mine\n");

    CliTestSupport.Run refused = batch(in, out);

    assertThat(refused.exit()).as(refused.err()).isEqualTo(ExitCodes.CONFLICT);
    assertThat(refused.err()).contains("--overwrite");
    assertThat(Files.readString(out)).isEqualTo("mine\n");

    CliTestSupport.Run replaced = batch(in, out, "--overwrite");

    assertThat(replaced.exit()).as(replaced.err()).isZero();
    assertThat(Files.readAllLines(out))
        .containsExactly("{\"id\":1,\"y\":[2.0,4.0]}", "{\"id\":2,\"y\":[6.0,8.0]}");
  }

  @Test
  void batch_whileAnotherRunWritesTheSameOutput_exitsWithTheLockedCode() throws Exception {
    Path in = records("in.jsonl");
    Path out = dir.resolve("out.jsonl");
    gate = new CountDownLatch(1);
    CompletableFuture<CliTestSupport.Run> first =
        CompletableFuture.supplyAsync(() -> batch(in, out));
    try {
      assertThat(entered.await(30, TimeUnit.SECONDS)).isTrue();

      CliTestSupport.Run second = batch(in, out);

      assertThat(second.exit()).as(second.err()).isEqualTo(ExitCodes.LOCKED);
      assertThat(second.err()).contains("another run of this job").contains("hint:");
    } finally {
      gate.countDown();
    }
    CliTestSupport.Run r = first.get(60, TimeUnit.SECONDS);
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(Files.readAllLines(out)).hasSize(2);
  }

  @Test
  void batch_whenACsvHeaderLacksAMappedColumn_exitsFourBeforeScoring() throws IOException {
    Path in = Files.writeString(dir.resolve("in.csv"), "a,b\n1,2\n3,4\n");
    Path out = dir.resolve("out.jsonl");

    CliTestSupport.Run r =
        CliTestSupport.run(
            clients,
            "batch",
            "--provider=memory",
            "-e",
            "doubler",
            "--map",
            "x=a,c",
            "-o",
            out.toString(),
            in.toString());

    assertThat(r.exit()).as(r.err()).isEqualTo(ExitCodes.INVALID_INPUT);
    assertThat(r.err()).contains("no column 'c'").contains("[a, b]");
    assertThat(backend.predictionsReceived()).isZero();
    assertThat(dir.resolve("out.jsonl.errors.jsonl")).doesNotExist();
  }

  @Test
  void batch_readsACsvWithAByteOrderMark() throws IOException {
    Path in = dir.resolve("in.csv");
    byte[] text = "a,b\n1,2\n".getBytes(StandardCharsets.UTF_8);
    byte[] withBom = new byte[text.length + 3];
    withBom[0] = (byte) 0xEF;
    withBom[1] = (byte) 0xBB;
    withBom[2] = (byte) 0xBF;
    System.arraycopy(text, 0, withBom, 3, text.length);
    Files.write(in, withBom);
    Path out = dir.resolve("out.jsonl");

    CliTestSupport.Run r =
        CliTestSupport.run(
            clients,
            "batch",
            "--provider=memory",
            "-e",
            "doubler",
            "--map",
            "x=a,b",
            "--id-field",
            "a",
            "-o",
            out.toString(),
            in.toString());

    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(Files.readAllLines(out)).containsExactly("{\"id\":\"1\",\"y\":[2.0,4.0]}");
  }

  @Test
  void batch_whenAFileCannotBeRead_exitsTwelve_andShowsTheCause() throws IOException {
    Path in = dir.resolve("in.jsonl.gz");
    java.io.ByteArrayOutputStream gz = new java.io.ByteArrayOutputStream();
    try (OutputStream o = new GZIPOutputStream(gz)) {
      for (int i = 0; i < 2000; i++) {
        o.write(("{\"v\":[" + i + ",2]}\n").getBytes(StandardCharsets.UTF_8));
      }
    }
    byte[] all = gz.toByteArray();
    Files.write(in, Arrays.copyOf(all, all.length / 2)); // cut off: the stream ends early

    CliTestSupport.Run r = batch(in, dir.resolve("out.jsonl"), "--restart");

    assertThat(r.exit()).as(r.err()).isEqualTo(ExitCodes.IO);
    assertThat(r.err()).contains("in.jsonl.gz").containsIgnoringCase("unexpected end");
  }

  @Test
  void batch_whenTheOutputDirectoryIsAFile_exitsTwelve_andSaysWhy() throws IOException {
    Path in = records("in.jsonl");
    Path notADir = Files.writeString(dir.resolve("plain.txt"), "x");

    CliTestSupport.Run r = batch(in, notADir.resolve("out.jsonl"));

    assertThat(r.exit()).as(r.err()).isEqualTo(ExitCodes.IO);
    assertThat(r.err()).contains("plain.txt").containsPattern("(?i)exists|not a directory");
  }
}
