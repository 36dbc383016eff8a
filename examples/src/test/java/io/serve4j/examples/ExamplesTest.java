package io.serve4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The examples' command line, run in-process against the local provider. */
class ExamplesTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  @TempDir Path dir;

  @Test
  void similar_withDefaultSentences_ranksTheParaphrasesFirst() {
    assertThat(run("similar")).isZero();
    String text = out();
    assertThat(text).contains("Embedded 8 sentences").contains("384 dimensions");
    String top = text.substring(text.indexOf("Most similar pairs"), text.indexOf("Closest match"));
    String firstPair = top.lines().skip(1).limit(2).reduce("", (a, b) -> a + b + "\n");
    assertThat(firstPair).contains("A man is eating food.").contains("A man is eating a piece");
    assertThat(text)
        .containsPattern(
            "A man is eating food\\.\\s+->\\s+0\\.\\d\\d\\s+A man is eating a piece of bread\\.");
  }

  @Test
  void similar_withSentencesGiven_comparesThose() {
    assertThat(
            run(
                "similar",
                "A man is eating food.",
                "A man is eating a piece of bread.",
                "The girl is carrying a baby."))
        .isZero();
    String text = out();
    assertThat(text).contains("Embedded 3 sentences");
    assertThat(text.lines().filter(l -> l.contains("->")).count()).isEqualTo(3);
    assertThat(text)
        .containsPattern("The girl is carrying a baby\\.\\s+->\\s+-?0\\.\\d\\d\\s+A man");
  }

  @Test
  void similar_withOneSentence_isAUsageErrorNotACrash() {
    assertThat(run("similar", "alone")).isEqualTo(1);
    assertThat(err()).contains("at least two sentences");
  }

  @Test
  void run_softmaxOnAnOipRequest_printsProbabilitiesAndTheOipResponse() throws Exception {
    Path model = copy("samples/softmax/model.onnx", "softmax.onnx");
    Path request = copy("samples/softmax/request.json", "request.json");
    assertThat(run("run", model.toString(), request.toString())).isZero();
    String text = out();
    assertThat(text).contains("inputs  [x:FP32[1, 3]]");
    // softmax([1, 2, 3])
    assertThat(text).contains("y FP32[1, 3] = [0.0900306, 0.244728, 0.665241]");
    assertThat(text)
        .contains("OIP v2 response:")
        .contains("\"outputs\"")
        .contains("\"name\":\"y\"");
  }

  @Test
  void run_whenRequestDoesNotFitTheModel_failsWithTheValidationMessage() throws Exception {
    Path model = copy("samples/softmax/model.onnx", "softmax.onnx");
    Path request =
        Files.writeString(
            dir.resolve("bad.json"),
            "{\"inputs\":[{\"name\":\"x\",\"shape\":[1,2],\"datatype\":\"FP32\",\"data\":[1,2]}]}");
    assertThat(run("run", model.toString(), request.toString())).isEqualTo(1);
    assertThat(err()).contains("expects shape [1, 3]").contains("[1, 2]").contains("INVALID_INPUT");
  }

  @Test
  void describe_printsSignatureMetadataAndARequestTemplateThatRuns() throws Exception {
    Path model = copy("samples/softmax/model.onnx", "softmax.onnx");
    assertThat(run("describe", model.toString())).isZero();
    String text = out();
    assertThat(text).contains("outputs [y:FP32[1, 3]]").contains("opset.ai.onnx:");
    // Details in the provider's order, the same on every run; no cloud sizing nobody asked for.
    List<String> keys =
        text.lines()
            .filter(l -> l.matches("[A-Za-z][A-Za-z.]*: .*"))
            .map(l -> l.substring(0, l.indexOf(':')))
            .toList();
    assertThat(keys)
        .startsWith("executionProvider", "executionProviderDiagnostic")
        .endsWith("onnxruntimeVersion");
    assertThat(text).doesNotContain("vCPU");
    String template =
        text.substring(text.indexOf("Request template")).lines().skip(1).findFirst().orElseThrow();
    Path request = Files.writeString(dir.resolve("template.json"), template);
    out.reset();
    assertThat(run("run", model.toString(), request.toString())).isZero();
    // softmax of zeros is uniform
    assertThat(out()).contains("y FP32[1, 3] = [0.333333, 0.333333, 0.333333]");
  }

  @Test
  void noOrUnknownCommand_printsUsage_withStatus2() {
    assertThat(run()).isEqualTo(2);
    assertThat(run("frobnicate")).isEqualTo(2);
    assertThat(err())
        .contains("unknown command 'frobnicate'")
        .contains("similar")
        .contains("run MODEL");
  }

  private int run(String... args) {
    return Examples.run(
        args,
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  private Path copy(String sample, String name) throws Exception {
    // Maven runs tests in the module directory, where samples/ lives.
    return Files.copy(Path.of(sample), dir.resolve(name));
  }
}
