package io.serve4j.batch.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointTest {
  @TempDir Path dir;

  @Test
  void writeThenRead_roundTrips_andLeavesNoTemporaryFile() throws IOException {
    Path f = dir.resolve("job.checkpoint");
    Checkpoint cp = new Checkpoint("abc", "/out.jsonl", 10, 2, 300, 40, false);
    cp.write(f);
    assertThat(Checkpoint.read(f)).isEqualTo(cp);
    assertThat(Checkpoint.read(dir.resolve("none"))).isNull();
    assertThat(dir.resolve("job.checkpoint.tmp")).doesNotExist();
  }

  @Test
  void outputFile_isCutBackToTheCommittedLength_andAppendsAfterIt() throws IOException {
    Path f = dir.resolve("out.jsonl");
    Files.writeString(f, "one\ntwo\nhalf-writ");
    try (OutputFile out = new OutputFile(f, 8)) {
      out.append("three\n".getBytes(StandardCharsets.UTF_8));
      assertThat(out.sync()).isEqualTo(14);
    }
    assertThat(Files.readString(f)).isEqualTo("one\ntwo\nthree\n");
  }

  @Test
  void outputFile_shorterThanTheCheckpoint_isRefused() throws IOException {
    Path f = dir.resolve("out.jsonl");
    Files.writeString(f, "one\n");
    assertThatThrownBy(() -> new OutputFile(f, 100)).hasMessageContaining("changed outside");
  }

  @Test
  void outputFile_isNotCreatedUntilSomethingIsWritten() throws IOException {
    Path f = dir.resolve("dead.jsonl");
    try (OutputFile out = new OutputFile(f, 0)) {
      assertThat(out.sync()).isZero();
    }
    assertThat(f).doesNotExist();
  }
}
