package io.serve4j.batch.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * An append-only output file that a checkpoint can commit: bytes are buffered, {@link #sync()}
 * writes and fsyncs them and returns the committed length. On open the file is cut back to the
 * length of the last checkpoint, so that what a killed run wrote after it disappears. A fresh file
 * (committed length 0) is created new on the first append. Not thread-safe.
 */
public final class OutputFile implements AutoCloseable {
  private final Path path;
  private final ByteArrayOutputStream pending = new ByteArrayOutputStream(1 << 16);
  private FileChannel channel;
  private long committed;

  /**
   * Opens the file, cut back to the committed length. With a committed length of 0 whatever is at
   * the path (a file, or a link: the link itself, never its target) is removed, and a new file is
   * created on the first write, {@code CREATE_NEW} and never through a link. Otherwise the existing
   * file is opened without following a link. The caller has checked that the file may be replaced.
   *
   * @param path the file
   * @param committedLength the length of the last checkpoint, 0 for a fresh job
   * @throws IOException if the file is shorter than the checkpoint says (it was changed by hand),
   *     is a link or not a regular file, or cannot be opened
   */
  public OutputFile(Path path, long committedLength) throws IOException {
    this.path = path;
    this.committed = committedLength;
    if (committedLength == 0) {
      Files.deleteIfExists(path);
      return;
    }
    BasicFileAttributes a;
    try {
      a = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      throw new IOException(
          path
              + " is missing but the checkpoint committed "
              + committedLength
              + " bytes of it; it was removed outside the job. Delete the checkpoint to start"
              + " again",
          e);
    }
    if (!a.isRegularFile()) {
      throw new IOException(
          path
              + " is "
              + (a.isSymbolicLink() ? "a symbolic link" : "not a regular file")
              + " now, not the file the job wrote; serve4j does not write through links");
    }
    channel =
        FileChannel.open(
            path, StandardOpenOption.WRITE, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
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

  private void create() throws IOException {
    Path parent = path.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    channel =
        FileChannel.open(
            path,
            StandardOpenOption.CREATE_NEW,
            StandardOpenOption.WRITE,
            StandardOpenOption.READ,
            LinkOption.NOFOLLOW_LINKS);
    if (parent != null) {
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
      create();
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
