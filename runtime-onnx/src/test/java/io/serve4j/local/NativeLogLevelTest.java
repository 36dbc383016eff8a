package io.serve4j.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.serve4j.Endpoint;
import io.serve4j.EndpointSpec;
import io.serve4j.InferenceRequest;
import io.serve4j.Model;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.ServingException;
import io.serve4j.Tensor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ONNX Runtime's native log lines go to the process's standard error, out of reach of the JVM's
 * System.err: each case runs a failing prediction in a fresh JVM and reads what it printed.
 */
class NativeLogLevelTest {
  @TempDir Path dir;

  @Test
  void aFailedRun_byDefault_printsNoNativeLogLine_butItsException() throws Exception {
    Result r = probe("default");
    assertThat(r.stdout).contains("failed: MODEL_ERROR").contains("ORT_");
    assertThat(r.stderr).doesNotContain("onnxruntime");
  }

  @Test
  void aFailedRun_atLogLevelError_printsOnnxRuntimesLine() throws Exception {
    Result r = probe("ERROR");
    assertThat(r.stdout).contains("failed: MODEL_ERROR");
    assertThat(r.stderr).as("the option reaches the session").contains("onnxruntime");
  }

  private record Result(String stdout, String stderr) {}

  private Result probe(String level) throws Exception {
    Path model = Files.write(dir.resolve("add.onnx"), OnnxModels.add());
    Path out = dir.resolve(level + ".out");
    Path err = dir.resolve(level + ".err");
    ProcessBuilder pb =
        new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            Probe.class.getName(),
            model.toString(),
            level);
    // The class path through the environment: ONNX Runtime 1.29 crashes on long command lines.
    pb.environment().put("CLASSPATH", System.getProperty("java.class.path"));
    pb.redirectOutput(out.toFile()).redirectError(err.toFile());
    Process p = pb.start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    String stdout = Files.readString(out, StandardCharsets.UTF_8);
    String stderr = Files.readString(err, StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as(stdout + stderr).isZero();
    return new Result(stdout, stderr);
  }

  /** Deploys the Add model and sends lengths 3 and 2, which ONNX Runtime refuses at run time. */
  static final class Probe {
    public static void main(String[] args) {
      LocalOptions.Builder o = LocalOptions.builder().isolated(true);
      if (!args[1].equals("default")) {
        o.logLevel(LocalOptions.LogLevel.valueOf(args[1]));
      }
      try (ServingClient client = Serve4j.client(o.build())) {
        Endpoint e =
            client.deploy(EndpointSpec.of("add", Model.onnx("add", Path.of(args[0])))).await();
        try {
          e.predict(
              InferenceRequest.builder()
                  .input(Tensor.ofFloats("a", new long[] {3}, new float[3]))
                  .input(Tensor.ofFloats("b", new long[] {2}, new float[2]))
                  .build());
          System.out.println("no failure");
        } catch (ServingException ex) {
          System.out.println("failed: " + ex.category() + " " + ex.getMessage());
        }
      }
    }
  }
}
