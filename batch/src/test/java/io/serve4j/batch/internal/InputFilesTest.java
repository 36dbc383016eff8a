package io.serve4j.batch.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.serve4j.InvalidInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InputFilesTest {
  @TempDir Path dir;

  @Test
  void resolve_expandsDirectoriesAndGlobs_sortedAndWithoutDuplicates() throws IOException {
    Files.createDirectories(dir.resolve("d/sub"));
    for (String f : List.of("d/b.jsonl", "d/a.csv.gz", "d/sub/c.ndjson", "d/notes.txt")) {
      Files.writeString(dir.resolve(f), "");
    }

    List<Path> fromDir = InputFiles.resolve(List.of(dir.resolve("d").toString()));
    List<Path> fromGlob =
        InputFiles.resolve(List.of(dir + "/d/*.jsonl", dir + "/d/**.gz", dir + "/d/b.jsonl"));

    assertThat(fromDir)
        .containsExactly(
            dir.resolve("d/a.csv.gz"), dir.resolve("d/b.jsonl"), dir.resolve("d/sub/c.ndjson"));
    assertThat(fromGlob).containsExactly(dir.resolve("d/a.csv.gz"), dir.resolve("d/b.jsonl"));
  }

  @Test
  void resolve_whenASpecMatchesNothing_namesIt() {
    assertThatThrownBy(() -> InputFiles.resolve(List.of(dir + "/missing/*.jsonl")))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("missing/*.jsonl");
    assertThatThrownBy(() -> InputFiles.resolve(List.of())).hasMessageContaining("no input");
  }
}
