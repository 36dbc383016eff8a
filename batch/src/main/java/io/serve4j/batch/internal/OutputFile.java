package io.serve4j.batch.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An append-only output file that a checkpoint can commit: bytes are buffered, {@link #sync()}
 * writes and fsyncs them and returns the committed length. On open the file is cut back to the
 * length of the last checkpoint, so that what a killed run wrote after it disappears. The file is
 * created on the first append when it does not exist and the committed length is 0. Not
 * thread-safe.
 */
public final class OutputFile implements AutoCloseable {
  private final Path path;
  private final ByteArrayOutputStream pending = new ByteArrayOutputStream(1 << 16);
  private FileChannel channel;
  private long committed;

  /**
   * Opens the file, truncated to the committed length.
   *
   * @param path the file
   * @param committedLength the length of the last checkpoint, 0 for a fresh job
   * @throws IOException if the file is shorter than the checkpoint says (it was changed by hand) or
   *     cannot be opened
   */
  public OutputFile(Path path, long committedLength) throws IOException {
    this.path = path;
    this.committed = committedLength;
    if (Files.exists(path) || committedLength > 0) {
      openChannel();
      long size = channel.size();
      if (size < committedLength) {
        throw new IOException(
            path
                + " has "
                + size
                + " bytes but the checkpoint committed "
                + committedLength
                + "; it was changed outside the job. Delete the checkpoint to start again.");
      }
      channel.truncate(committedLength);
      channel.force(true);
      channel.position(committedLength);
    }
  }

  private void openChannel() throws IOException {
    Path parent = path.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    boolean created = !Files.exists(path);
    channel =
        FileChannel.open(
            path, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ);
    if (created && parent != null) {
      // Make the new directory entry durable too, not only the file's content (power loss).
      try (FileChannel dir = FileChannel.open(parent, StandardOpenOption.READ)) {
        dir.force(true);
      } catch (IOException | UnsupportedOperationException e) {
        // not possible on some platforms (Windows); SIGKILL safety does not depend on it
      }
    }
  }

  /**
   * Appends bytes (buffered).
   *
   * @param bytes the bytes
   * @throws IOException if a full buffer cannot be written
   */
  public void append(byte[] bytes) throws IOException {
    pending.write(bytes, 0, bytes.length);
    if (pending.size() >= 1 << 20) {
      drain();
    }
  }

  private void drain() throws IOException {
    if (pending.size() == 0) {
      return;
    }
    if (channel == null) {
      openChannel();
    }
    ByteBuffer b = ByteBuffer.wrap(pending.toByteArray());
    while (b.hasRemaining()) {
      channel.write(b);
    }
    pending.reset();
  }

  /**
   * Writes what is buffered and forces it to disk.
   *
   * @return the length now committed
   * @throws IOException on write failure
   */
  public long sync() throws IOException {
    drain();
    if (channel != null) {
      channel.force(false);
      committed = channel.position();
    }
    return committed;
  }

  /**
   * Returns the length written so far, buffered or not.
   *
   * @return the length
   */
  public long length() {
    return committed + pending.size();
  }

  /**
   * Returns the file.
   *
   * @return the path
   */
  public Path path() {
    return path;
  }

  @Override
  public void close() throws IOException {
    if (channel != null) {
      channel.close();
      channel = null;
    }
  }
}
