package io.serve4j.batch.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * What a job has durably done: the number of input records consumed (in input order) and the
 * lengths of the output and dead-letter files that hold exactly those records. Written atomically
 * (temporary file, fsync, rename, fsync of the directory) after the two files were fsynced, so that
 * a checkpoint never points past data on disk.
 *
 * @param fingerprint identifies the job (inputs, mapping, formats); a different job must not resume
 * @param records input records consumed
 * @param errors of which went to the dead-letter file
 * @param outputBytes committed length of the output
 * @param deadLetterBytes committed length of the dead-letter file
 * @param complete whether the job finished
 */
public record Checkpoint(
    String fingerprint,
    long records,
    long errors,
    long outputBytes,
    long deadLetterBytes,
    boolean complete) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Reads a checkpoint.
   *
   * @param file the file
   * @return the checkpoint, or null if there is none
   * @throws IOException if it exists but cannot be read
   */
  public static Checkpoint read(Path file) throws IOException {
    if (!Files.exists(file)) {
      return null;
    }
    JsonNode n = JSON.readTree(Files.readAllBytes(file));
    if (n == null || !n.has("fingerprint")) {
      throw new IOException("checkpoint " + file + " is not readable; delete it to start again");
    }
    return new Checkpoint(
        n.get("fingerprint").asText(),
        n.get("records").asLong(),
        n.get("errors").asLong(),
        n.get("outputBytes").asLong(),
        n.get("deadLetterBytes").asLong(),
        n.get("complete").asBoolean());
  }

  /**
   * Writes this checkpoint atomically and durably.
   *
   * @param file the file
   * @throws IOException on failure; the previous checkpoint then stays in place
   */
  public void write(Path file) throws IOException {
    ObjectNode n = JSON.createObjectNode();
    n.put("fingerprint", fingerprint);
    n.put("records", records);
    n.put("errors", errors);
    n.put("outputBytes", outputBytes);
    n.put("deadLetterBytes", deadLetterBytes);
    n.put("complete", complete);
    byte[] bytes = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(n);
    Path dir = file.toAbsolutePath().getParent();
    Path tmp = dir.resolve(file.getFileName() + ".tmp");
    try (FileChannel ch =
        FileChannel.open(
            tmp,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
      ByteBuffer b = ByteBuffer.wrap(bytes);
      while (b.hasRemaining()) {
        ch.write(b);
      }
      ch.force(true);
    }
    try {
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
    }
    syncDirectory(dir);
  }

  private static void syncDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      // Some platforms (Windows) cannot open a directory; the rename is still atomic there.
    }
  }
}
