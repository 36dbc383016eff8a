package io.serve4j.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.serve4j.ConflictException;
import io.serve4j.Endpoint;
import io.serve4j.InvalidInputException;
import io.serve4j.ServingClient;
import io.serve4j.ServingException;
import io.serve4j.testkit.memory.MemoryBackend;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a user can get wrong with the job's files: the output on the input, two of the job's files
 * on one, an unrelated file at the output, links planted where the job writes. Each must leave
 * every file as it was.
 */
class BatchFileSafetyTest {
  @TempDir Path dir;
  private final MemoryBackend backend = new MemoryBackend();
  private ServingClient client;

  @AfterEach
  void close() {
    if (client != null) {
      client.close();
    }
  }

  private Endpoint endpoint() {
    client = MemoryModels.client(MemoryModels.sumMax(0), backend);
    return client.endpoint(MemoryModels.deploy(client, "summax", MemoryModels.SUM_MAX));
  }

  private Path jsonl(String name, int records, boolean withBadRecord) throws IOException {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < records; i++) {
      sb.append(String.format("{\"id\":\"r%d\",\"features\":[%d,1,2,3]}%n", i, i));
    }
    if (withBadRecord) {
      sb.append("{\"id\":\"bad\",\"features\":[1]}\n");
    }
    return Files.writeString(dir.resolve(name), sb);
  }

  private BatchScorer.Builder scorer(Endpoint e, Path input, Path output) {
    return BatchScorer.builder()
        .endpoint(e)
        .input(input)
        .map(FieldMapping.of("x", "features"))
        .idField("id")
        .output(output);
  }

  // Item 1: --output naming the input truncated the input before reading it.

  @Test
  void run_whenOutputIsTheInput_refusesAndLeavesTheInputAsItWas() throws IOException {
    Endpoint e = endpoint();
    Path in = jsonl("in.jsonl", 20, false);
    byte[] before = Files.readAllBytes(in);

    assertThatThrownBy(() -> scorer(e, in, in).build().run())
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("output")
        .hasMessageContaining("input");

    assertThat(Files.readAllBytes(in)).isEqualTo(before);
    assertThat(backend.predictionsReceived()).isZero();
  }

  @Test
  void run_whenOutputIsALinkToTheInputOrAnotherNameOfIt_refuses() throws IOException {
    Endpoint e = endpoint();
    Path in = jsonl("in.jsonl", 20, false);
    byte[] before = Files.readAllBytes(in);
    Path link = Files.createSymbolicLink(dir.resolve("out.jsonl"), in);
    Files.createDirectories(dir.resolve("sub"));
    Path dotted = dir.resolve("sub/../in.jsonl");
    Path hard = Files.createLink(dir.resolve("hard.jsonl"), in);

    for (Path out : List.of(link, dotted, hard)) {
      assertThatThrownBy(() -> scorer(e, in, out).build().run())
          .as(out.toString())
          .isInstanceOf(InvalidInputException.class);
    }
    assertThat(Files.readAllBytes(in)).isEqualTo(before);
  }

  @Test
  void run_whenDeadLetterOrCheckpointIsAnInput_refusesAndLeavesItAsItWas() throws IOException {
    Endpoint e = endpoint();
    Path in = jsonl("in.jsonl", 5, true);
    Path other = jsonl("other.jsonl", 5, false);
    byte[] before = Files.readAllBytes(in);
    byte[] otherBefore = Files.readAllBytes(other);
    Path out = dir.resolve("out.jsonl");

    assertThatThrownBy(() -> scorer(e, in, out).deadLetter(in).build().run())
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("dead-letter");
    assertThatThrownBy(
            () -> scorer(e, in, out).input(other).checkpoint(other).restart(true).build().run())
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("checkpoint");

    assertThat(Files.readAllBytes(in)).isEqualTo(before);
    assertThat(Files.readAllBytes(other)).isEqualTo(otherBefore);
    assertThat(out).doesNotExist();
  }

  // Item 3: --dead-letter equal to --output: two writers over one file.

  @Test
  void run_whenDeadLetterIsTheOutput_refusesBeforeWriting() throws IOException {
    Endpoint e = endpoint();
    Path in = jsonl("in.jsonl", 20, true);
    Path out = dir.resolve("out.jsonl");

    assertThatThrownBy(() -> scorer(e, in, out).deadLetter(out).build().run())
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("dead-letter")
        .hasMessageContaining("output");
    assertThatThrownBy(() -> scorer(e, in, out).checkpoint(out).build().run())
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("checkpoint");
    Path dl = dir.resolve("dl.jsonl");
    assertThatThrownBy(() -> scorer(e, in, out).deadLetter(dl).checkpoint(dl).build().run())
        .isInstanceOf(InvalidInputException.class);

    assertThat(out).doesNotExist();
    assertThat(backend.predictionsReceived()).isZero();
  }

  // Item 4: an unrelated file at --output was overwritten without a word.

  @Test
  void run_whenOutputExistsAndNoCheckpointSaysItIsThisJobs_refusesUnlessOverwrite()
      throws IOException {
    Endpoint e = endpoint();
    Path in = jsonl("in.jsonl", 10, false);
    Path out = Files.writeString(dir.resolve("out.jsonl"), "precious results\n");

    assertThatThrownBy(() -> scorer(e, in, out).build().run())
        .isInstanceOf(ConflictException.class)
        .hasMessageContaining(out.toString())
        .hasMessageContaining("overwrite");
    assertThat(Files.readString(out)).isEqualTo("precious results\n");
    assertThat(dir.resolve("out.jsonl.checkpoint")).doesNotExist();

    BatchResult r = scorer(e, in, out).overwrite(true).build().run();

    assertThat(r.scored()).isEqualTo(10);
    assertThat(Files.readAllLines(out)).hasSize(10).allMatch(l -> l.startsWith("{\"id\":\"r"));
  }

  @Test
  void run_whenDeadLetterFileExistsAndIsNotThisJobs_refusesUnlessOverwrite() throws IOException {
    Endpoint e = endpoint();
    Path in = jsonl("in.jsonl", 10, true);
    Path out = dir.resolve("out.jsonl");
    Path dl = Files.writeString(dir.resolve("out.jsonl.errors.jsonl"), "keep me\n");

    assertThatThrownBy(() -> scorer(e, in, out).build().run())
        .isInstanceOf(ConflictException.class)
        .hasMessageContaining(dl.toString());
    assertThat(Files.readString(dl)).isEqualTo("keep me\n");
    assertThat(out).doesNotExist();
  }

  @Test
  void run_whenTheOutputIsThisJobs_resumesAndRestartsWithoutOverwrite() throws IOException {
    Endpoint e = endpoint();
    Path in = jsonl("in.jsonl", 10, false);
    Path out = dir.resolve("out.jsonl");
    scorer(e, in, out).build().run();
    String first = Files.readString(out);

    assertThat(scorer(e, in, out).build().run().resumedFrom()).isEqualTo(10);
    BatchResult again = scorer(e, in, out).restart(true).build().run();

    assertThat(again.resumedFrom()).isZero();
    assertThat(again.scored()).isEqualTo(10);
    assertThat(Files.readString(out)).isEqualTo(first);

    // The input changed (new mtime and size): the old checkpoint is this output's, so --restart
    // may replace it.
    jsonl("in.jsonl", 12, false);
    assertThat(scorer(e, in, out).restart(true).build().run().scored()).isEqualTo(12);
    assertThat(Files.readAllLines(out)).hasSize(12);
  }

  @Test
  void run_whenRestartingOntoAFileThatIsNoCheckpoint_refusesToDeleteIt() throws IOException {
    Endpoint e = endpoint();
    Path in = jsonl("in.jsonl", 5, false);
    Path notes = Files.writeString(dir.resolve("notes.txt"), "my notes\n");

    assertThatThrownBy(
            () ->
                scorer(e, in, dir.resolve("out.jsonl"))
                    .checkpoint(notes)
                    .restart(true)
                    .build()
                    .run())
        .isInstanceOf(ConflictException.class)
        .hasMessageContaining("not a serve4j checkpoint");
    assertThat(Files.readString(notes)).isEqualTo("my notes\n");
  }

  // Item 5: links planted where the job writes.

  @Test
  void run_whenALinkIsPlantedAtTheCheckpointsTemporaryFile_leavesTheTargetUntouched()
      throws IOException {
    Endpoint e = endpoint();
    Path in = jsonl("in.jsonl", 50, false);
    Path victim = Files.writeString(dir.resolve("victim.txt"), "do not touch\n");
    Path out = dir.resolve("out.jsonl");
    Files.createSymbolicLink(dir.resolve("out.jsonl.checkpoint.tmp"), victim);

    BatchResult r = scorer(e, in, out).batchSize(5).build().run();

    assertThat(r.scored()).isEqualTo(50);
    assertThat(Files.readString(victim)).isEqualTo("do not touch\n");
    assertThat(Files.readString(dir.resolve("out.jsonl.checkpoint"))).contains("\"complete\"");
    assertThat(Files.isSymbolicLink(dir.resolve("out.jsonl.checkpoint"))).isFalse();
  }

  @Test
  void run_whenLinksArePlantedAtTheOutputDeadLetterOrCheckpoint_neverWritesTheirTargets()
      throws IOException {
    Endpoint e = endpoint();
    Path in = jsonl("in.jsonl", 10, true);
    Path victim = Files.writeString(dir.resolve("victim.txt"), "do not touch\n");
    Path absent = dir.resolve("absent-target.txt");

    for (String planted :
        List.of("out.jsonl", "out.jsonl.errors.jsonl", "out.jsonl.checkpoint", "out.jsonl.lock")) {
      for (Path target : List.of(victim, absent)) {
        Path link = Files.createSymbolicLink(dir.resolve(planted), target);
        try {
          scorer(e, in, dir.resolve("out.jsonl")).build().run();
        } catch (ServingException | UncheckedIOException expected) {
          // refusing is fine; writing through the link is not
        }
        assertThat(Files.readString(victim)).as(planted).isEqualTo("do not touch\n");
        assertThat(absent).as(planted + " -> absent").doesNotExist();
        Files.deleteIfExists(link);
        for (String f : List.of("out.jsonl", "out.jsonl.errors.jsonl", "out.jsonl.checkpoint")) {
          Files.deleteIfExists(dir.resolve(f));
        }
      }
    }
  }

  @Test
  void run_withOverwrite_replacesALinkAtTheOutput_notItsTarget() throws IOException {
    Endpoint e = endpoint();
    Path in = jsonl("in.jsonl", 10, false);
    Path victim = Files.writeString(dir.resolve("victim.txt"), "do not touch\n");
    Path out = Files.createSymbolicLink(dir.resolve("out.jsonl"), victim);

    BatchResult r = scorer(e, in, out).overwrite(true).build().run();

    assertThat(r.scored()).isEqualTo(10);
    assertThat(Files.readString(victim)).isEqualTo("do not touch\n");
    assertThat(Files.isRegularFile(out, LinkOption.NOFOLLOW_LINKS)).isTrue();
    assertThat(Files.readAllLines(out)).hasSize(10);
  }
}
