package io.serve4j.batch.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Arrays;

/**
 * An append-only output file that a checkpoint can commit: bytes are buffered and written to the
 * file whenever {@value #WRITE_BYTES} bytes are buffered; {@link #flush()} writes what is buffered
 * and returns the length written, {@link #force()} makes everything written so far durable. On open
 * the file is cut back to the length of the last checkpoint, so that what a killed run wrote after
 * it disappears. A fresh file (committed length 0) is created new on the first write.
 *
 * <p>One thread appends and flushes; {@link #force()} may run on another thread at the same time
 * (the commit thread), after the flush whose length it commits: {@code FileChannel.force} makes
 * durable every byte written before it was called, so a length taken by {@link #flush()} before the
 * force started is durable once it returns, whatever the appending thread writes meanwhile.
 */
public final class OutputFile implements AutoCloseable {
  /** Buffered bytes are written to the file once there are this many. */
  static final int WRITE_BYTES = 1 << 16;

  private final Path path;
  private byte[] pending = new byte[WRITE_BYTES + 1024];
  private int pendingSize;
  // written by the appending thread, read by the commit thread after a hand-off that orders them
  private volatile FileChannel channel;
  private long written;

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
    this.written = committedLength;
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

  private FileChannel create() throws IOException {
    Path parent = path.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    FileChannel ch =
        FileChannel.open(
            path,
            StandardOpenOption.CREATE_NEW,
            StandardOpenOption.WRITE,
            StandardOpenOption.READ,
            LinkOption.NOFOLLOW_LINKS);
    channel = ch;
    if (parent != null) {
      // Make the new directory entry durable too, not only the file's content (power loss).
      try (FileChannel dir = FileChannel.open(parent, StandardOpenOption.READ)) {
        dir.force(true);
      } catch (IOException | UnsupportedOperationException e) {
        // not possible on some platforms (Windows); SIGKILL safety does not depend on it
      }
    }
    return ch;
  }

  /**
   * Appends bytes (buffered).
   *
   * @param bytes the bytes
   * @throws IOException if a full buffer cannot be written
   */
  public void append(byte[] bytes) throws IOException {
    append(bytes, 0, bytes.length);
  }

  /**
   * Appends bytes (buffered).
   *
   * @param bytes the bytes
   * @param offset where they start
   * @param n how many
   * @throws IOException if a full buffer cannot be written
   */
  public void append(byte[] bytes, int offset, int n) throws IOException {
    if (pendingSize + n > pending.length) {
      pending = Arrays.copyOf(pending, Math.max(pending.length * 2, pendingSize + n));
    }
    System.arraycopy(bytes, offset, pending, pendingSize, n);
    pendingSize += n;
    if (pendingSize >= WRITE_BYTES) {
      flush();
    }
  }

  /**
   * Writes what is buffered to the file (not forced to disk).
   *
   * @return the length of the file now: every byte appended so far
   * @throws IOException on write failure
   */
  public long flush() throws IOException {
    if (pendingSize > 0) {
      FileChannel ch = channel;
      if (ch == null) {
        ch = create();
      }
      ByteBuffer b = ByteBuffer.wrap(pending, 0, pendingSize);
      while (b.hasRemaining()) {
        ch.write(b);
      }
      written += pendingSize;
      pendingSize = 0;
    }
    return written;
  }

  /**
   * Forces every byte written to the file so far to disk. May run on another thread than the one
   * appending (see the class comment).
   *
   * @throws IOException on failure
   */
  public void force() throws IOException {
    FileChannel ch = channel;
    if (ch != null) {
      ch.force(false);
    }
  }

  /**
   * Writes what is buffered and forces it to disk.
   *
   * @return the length now committed
   * @throws IOException on write failure
   */
  public long sync() throws IOException {
    long n = flush();
    force();
    return n;
  }

  /**
   * Returns a stream that appends to this file (buffered like {@link #append}); closing it does
   * nothing.
   *
   * @return the stream
   */
  public OutputStream appender() {
    return new OutputStream() {
      @Override
      public void write(int b) throws IOException {
        append(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        append(b, off, len);
      }
    };
  }

  /**
   * Returns the length written so far, buffered or not.
   *
   * @return the length
   */
  public long length() {
    return written + pendingSize;
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
    FileChannel ch = channel;
    if (ch != null) {
      ch.close();
      channel = null;
    }
  }
}
