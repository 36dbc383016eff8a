package io.serve4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The README's command, exactly as a newcomer runs it, on the built jar in a fresh JVM: proves the
 * jar carries every class and resource it needs.
 */
class ExamplesJarIT {
  @Test
  void javaJarSimilar_printsTheMostSimilarPairs() throws Exception {
    String text = java("similar");
    assertThat(text).contains("Most similar pairs").contains("Closest match of each sentence");
    assertThat(text).doesNotContain("Exception");
  }

  @Test
  void javaJarRun_softmaxSample_printsItsOutput() throws Exception {
    String text = java("run", "samples/softmax/model.onnx", "samples/softmax/request.json");
    assertThat(text).contains("y FP32[1, 3] = [0.0900306, 0.244728, 0.665241]");
  }

  private static String java(String... args) throws IOException, InterruptedException {
    String jar = System.getProperty("examples.jar");
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-DDJL_CACHE_DIR=" + System.getProperty("DJL_CACHE_DIR"));
    command.add("-jar");
    command.add(jar);
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    byte[] output = p.getInputStream().readAllBytes();
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    String text = new String(output, StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as(text).isZero();
    return text;
  }
}
