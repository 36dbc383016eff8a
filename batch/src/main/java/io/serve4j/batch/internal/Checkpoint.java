package io.serve4j.batch.internal;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * What a job has durably done: the number of input records consumed (in input order) and the
 * lengths of the output and dead-letter files that hold exactly those records. Written atomically
 * (temporary file, fsync, rename, fsync of the directory) after the two files were fsynced, so that
 * a checkpoint never points past data on disk. The temporary file is created new ({@code
 * CREATE_NEW}, never through a link), so a link planted at its name cannot redirect the write.
 *
 * @param fingerprint identifies the job (inputs, mapping, formats); a different job must not resume
 * @param output the output file the job writes (absolute), or null in checkpoints written before it
 *     was recorded; says that the output is this job's even when the inputs changed
 * @param records input records consumed
 * @param errors of which went to the dead-letter file
 * @param outputBytes committed length of the output
 * @param deadLetterBytes committed length of the dead-letter file
 * @param complete whether the job finished
 */
public record Checkpoint(
    String fingerprint,
    String output,
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
   * @throws NotACheckpointException if the file holds something else
   * @throws IOException if it exists but cannot be read (a symbolic link is not followed)
   */
  public static Checkpoint read(Path file) throws IOException {
    if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
      return null;
    }
    JsonNode n;
    try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
      n = JSON.readTree(in);
    } catch (JacksonException e) {
      n = null;
    }
    if (n == null
        || !n.isObject()
        || !n.has("fingerprint")
        || !n.has("records")
        || !n.has("outputBytes")
        || !n.has("deadLetterBytes")) {
      throw new NotACheckpointException(
          "the checkpoint "
              + file
              + " is not a serve4j checkpoint; delete it, or choose another checkpoint file");
    }
    return new Checkpoint(
        n.get("fingerprint").asText(),
        n.hasNonNull("output") ? n.get("output").asText() : null,
        n.get("records").asLong(),
        n.path("errors").asLong(),
        n.get("outputBytes").asLong(),
        n.get("deadLetterBytes").asLong(),
        n.path("complete").asBoolean());
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
    n.put("output", output);
    n.put("records", records);
    n.put("errors", errors);
    n.put("outputBytes", outputBytes);
    n.put("deadLetterBytes", deadLetterBytes);
    n.put("complete", complete);
    byte[] bytes = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(n);
    Path dir = file.toAbsolutePath().getParent();
    Path tmp = temporaryFile(file);
    // A leftover of a killed run, or a planted link: remove the entry itself (never a link's
    // target), then create a new file; if something appears there meanwhile, CREATE_NEW fails.
    Files.deleteIfExists(tmp);
    try (FileChannel ch =
        FileChannel.open(
            tmp,
            StandardOpenOption.CREATE_NEW,
            StandardOpenOption.WRITE,
            LinkOption.NOFOLLOW_LINKS)) {
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

  /**
   * Returns the temporary file a checkpoint is written to before it is renamed into place.
   *
   * @param file the checkpoint
   * @return the checkpoint's name plus {@code .tmp}, in the same directory
   */
  public static Path temporaryFile(Path file) {
    return file.toAbsolutePath().resolveSibling(file.getFileName() + ".tmp");
  }

  private static void syncDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      // Some platforms (Windows) cannot open a directory; the rename is still atomic there.
    }
  }

  /** The file at the checkpoint's path is not a checkpoint. */
  public static final class NotACheckpointException extends IOException {
    private static final long serialVersionUID = 1L;

    NotACheckpointException(String message) {
      super(message);
    }
  }
}
