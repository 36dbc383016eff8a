package io.serve4j.examples.multimodel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.serve4j.NotFoundException;
import io.serve4j.testkit.ContractModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalMultiModelTest {
  @TempDir Path models;

  @Test
  void readmeMultiModel_answersFromEachModelOfTheDirectoryUnderABudgetForOne() throws Exception {
    byte[] relu = ContractModels.reluBytes();
    Files.write(models.resolve("a.onnx"), relu);
    Files.createDirectories(models.resolve("team"));
    Files.write(models.resolve("team/b.onnx"), relu);

    Map<String, float[]> answers =
        LocalMultiModel.run(
            models,
            List.of("a.onnx", "team/b.onnx", "a.onnx"),
            new float[] {3f, -1f},
            relu.length + relu.length / 2L);

    assertThat(answers).containsOnlyKeys("a.onnx", "team/b.onnx");
    answers.values().forEach(y -> assertThat(y).containsExactly(3f, 0f));
  }

  @Test
  void readmeMultiModel_aModelTheDirectoryDoesNotHold_isNotFound() throws Exception {
    Files.write(models.resolve("a.onnx"), ContractModels.reluBytes());
    assertThatThrownBy(
            () ->
                LocalMultiModel.run(
                    models, List.of("missing.onnx"), new float[] {1f, 1f}, 1_000_000))
        .isInstanceOf(NotFoundException.class)
        .hasMessageContaining("missing.onnx");
  }
}
