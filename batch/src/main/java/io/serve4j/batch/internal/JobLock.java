package io.serve4j.batch.internal;

import io.serve4j.ErrorCategory;
import io.serve4j.ServingException;
import io.serve4j.batch.JobLockedException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The exclusive lock a job holds for its whole run: an operating-system lock ({@link
 * FileChannel#tryLock()}) on a lock file beside the output, so that a second run on the same output
 * fails at once, in another process or in this one.
 *
 * <p>Operating-system file locks belong to the process, and on POSIX closing <em>any</em>
 * descriptor of the file drops them, so a second run in the same JVM must never open the lock file
 * while the first holds it: a JVM-wide set of held files (by file key, so hard links count as one)
 * is checked before opening. The lock file is deleted when the job ends; a run that locked a file
 * which was deleted or replaced meanwhile notices (the path no longer names the file it locked) and
 * tries again.
 */
final class JobLock implements AutoCloseable {
  private static final Set<Object> HELD = ConcurrentHashMap.newKeySet();
  private static final int ATTEMPTS = 3;

  private final Path file;
  private final Object key;
  private final FileChannel channel;
  private final FileLock lock;

  private JobLock(Path file, Object key, FileChannel channel, FileLock lock) {
    this.file = file;
    this.key = key;
    this.channel = channel;
    this.lock = lock;
  }

  /**
   * Takes the lock without waiting.
   *
   * @param file the lock file; created if absent, never followed if a symbolic link
   * @param output the job's output, for messages
   * @return the held lock
   * @throws JobLockedException if another run holds it
   * @throws io.serve4j.ConflictException if the lock file is a link or not a regular file
   * @throws IOException if it cannot be created or opened
   */
  static JobLock acquire(Path file, Path output) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    try {
      Files.createDirectories(dir);
    } catch (FileAlreadyExistsException e) {
      throw new NotDirectoryException(e.getFile()); // a file where the output's directory goes
    }
    for (int attempt = 1; ; attempt++) {
      JobLock l = tryOnce(file, output);
      if (l != null) {
        return l;
      }
      if (attempt == ATTEMPTS) {
        throw locked(file, output);
      }
    }
  }

  /** Returns the lock, or null if the file was replaced under us (try again). */
  private static JobLock tryOnce(Path file, Path output) throws IOException {
    try {
      Files.createFile(file); // O_EXCL: never through a link
    } catch (FileAlreadyExistsException e) {
      // another run's, or left by a killed one: locking tells which
    }
    Object key = key(file);
    if (key == null) {
      return null; // deleted between create and stat by a run that ended
    }
    if (!HELD.add(key)) {
      throw locked(file, output);
    }
    FileChannel ch = null;
    try {
      ch = FileChannel.open(file, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
      FileLock l;
      try {
        l = ch.tryLock();
      } catch (OverlappingFileLockException e) {
        l = null; // held in this JVM under another name of the file
      }
      if (l == null) {
        throw locked(file, output);
      }
      if (!key.equals(key(file))) {
        l.release();
        ch.close();
        HELD.remove(key);
        return null;
      }
      return new JobLock(file, key, ch, l);
    } catch (NoSuchFileException e) {
      closeQuietly(ch);
      HELD.remove(key);
      return null;
    } catch (IOException | RuntimeException e) {
      // Closing our descriptor cannot release another process's lock; another run in this JVM
      // cannot hold this file (HELD said so), so closing cannot release its lock either.
      closeQuietly(ch);
      HELD.remove(key);
      throw e;
    }
  }

  /** The file's identity, or null if it does not exist; refuses links and non-regular files. */
  private static Object key(Path file) throws IOException {
    BasicFileAttributes a;
    try {
      a = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      return null;
    }
    if (!a.isRegularFile()) {
      throw ServingException.builder(ErrorCategory.CONFLICT)
          .message(
              "the lock file "
                  + file
                  + " is "
                  + (a.isSymbolicLink() ? "a symbolic link" : "not a regular file")
                  + "; serve4j does not follow links where it writes. Delete it and run again")
          .build();
    }
    return a.fileKey() != null ? a.fileKey() : file.toRealPath(LinkOption.NOFOLLOW_LINKS);
  }

  private static JobLockedException locked(Path file, Path output) {
    return new JobLockedException(
        "another run of this job is writing "
            + output
            + " (it holds the lock "
            + file
            + "); two runs at once would corrupt the output. Wait for it to end or stop it, then"
            + " run again: the job resumes from its checkpoint");
  }

  private static void closeQuietly(FileChannel ch) {
    if (ch != null) {
      try {
        ch.close();
      } catch (IOException e) {
        // nothing was written through it
      }
    }
  }

  /** Deletes the lock file, then releases the lock. */
  @Override
  public void close() {
    try {
      if (Objects.equals(key, key(file))) {
        Files.deleteIfExists(file);
      }
    } catch (IOException | RuntimeException e) {
      // a leftover lock file is harmless: the next run locks it
    }
    try {
      lock.release();
    } catch (IOException e) {
      // closing the channel releases it too
    }
    closeQuietly(channel);
    HELD.remove(key);
  }
}
