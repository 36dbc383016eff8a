package io.serve4j.local.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.serve4j.testkit.ContractModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OnnxHeaderTest {
  @TempDir Path dir;

  @Test
  void read_findsIrVersionAndOpsets_sameFromFileAndBytes() throws IOException {
    byte[] relu = ContractModels.reluBytes();
    OnnxHeader fromBytes = OnnxHeader.read(relu);
    OnnxHeader fromFile = OnnxHeader.read(Files.write(dir.resolve("relu.onnx"), relu));
    assertThat(fromBytes.irVersion()).isEqualTo(4);
    assertThat(fromBytes.opsets()).isEqualTo(Map.of("ai.onnx", 9L));
    assertThat(fromFile).isEqualTo(fromBytes);
  }

  @Test
  void read_whenTruncated_throwsInsteadOfGuessing() {
    byte[] relu = ContractModels.reluBytes();
    byte[] cut = Arrays.copyOf(relu, 20);
    assertThatThrownBy(() -> OnnxHeader.read(cut)).isInstanceOf(IOException.class);
  }
}
