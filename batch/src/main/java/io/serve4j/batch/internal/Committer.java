package io.serve4j.batch.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * Commits a job's checkpoints on its own thread, so that the writer goes on formatting and writing
 * records while a commit waits for the disk. A commit forces both files to disk, then writes the
 * checkpoint (atomically and durably, {@link Checkpoint#write}); the checkpoint's lengths were
 * taken by {@link OutputFile#flush()} on the writer's thread before the commit was handed over, so
 * they never point past bytes that the force made durable, whatever the writer writes meanwhile.
 * One commit at a time, in the order they are handed over: a checkpoint never goes back.
 */
public final class Committer implements AutoCloseable {
  private static final ThreadLocal<Observer> OBSERVER = new ThreadLocal<>();

  private final OutputFile out;
  private final OutputFile deadLetter;
  private final Path file;
  private final Consumer<IOException> onFailure;
  private final Observer observer;
  private final Object lock = new Object();
  private final Thread thread;
  private Checkpoint next;
  private boolean busy;
  private boolean closed;
  private IOException failed;

  /**
   * Sees each commit's steps; a test hook, not for users: crash-consistency tests copy the files at
   * each step (what a crash there would leave) and resume from the copy.
   */
  public interface Observer {
    /**
     * Called on the committing thread before the files are forced.
     *
     * @param next the checkpoint this commit will write
     */
    default void beforeForce(Checkpoint next) {}

    /**
     * Called after both files were forced, before the checkpoint is written.
     *
     * @param next the checkpoint this commit will write
     */
    default void forced(Checkpoint next) {}

    /**
     * Called once the checkpoint is durably in place.
     *
     * @param written the checkpoint written
     */
    default void written(Checkpoint written) {}
  }

  /**
   * Sets the observer of the jobs that the calling thread starts from now on (a test hook).
   *
   * @param observer the observer, or null for none
   */
  public static void observe(Observer observer) {
    if (observer == null) {
      OBSERVER.remove();
    } else {
      OBSERVER.set(observer);
    }
  }

  /**
   * Starts the commit thread.
   *
   * @param out the output file
   * @param deadLetter the dead-letter file
   * @param file the checkpoint file
   * @param onFailure told (on the commit thread) when a commit in the background fails, before the
   *     committer becomes idle again; no commit is made after a failed one
   */
  Committer(OutputFile out, OutputFile deadLetter, Path file, Consumer<IOException> onFailure) {
    this.out = out;
    this.deadLetter = deadLetter;
    this.file = file;
    this.onFailure = onFailure;
    Observer o = OBSERVER.get();
    this.observer = o != null ? o : new Observer() {};
    this.thread = new Thread(this::loop, "serve4j-batch-commit");
    thread.setDaemon(true);
    thread.start();
  }

  /**
   * Returns whether no commit is queued or running.
   *
   * @return true when idle
   */
  boolean idle() {
    synchronized (lock) {
      return !busy;
    }
  }

  /**
   * Hands a commit to the commit thread. The caller flushed both files to the checkpoint's lengths.
   *
   * @param checkpoint what to commit
   * @throws IllegalStateException if a commit is still queued or running, or one failed
   */
  void commitInBackground(Checkpoint checkpoint) {
    synchronized (lock) {
      if (busy || failed != null || closed) {
        throw new IllegalStateException("a commit is in flight, failed, or the committer closed");
      }
      busy = true;
      next = checkpoint;
      lock.notifyAll();
    }
  }

  /**
   * Waits for the commit in flight, if any, then commits on the calling thread.
   *
   * @param checkpoint what to commit
   * @throws IOException if this commit or an earlier one failed
   */
  void commit(Checkpoint checkpoint) throws IOException {
    IOException earlier = awaitIdle();
    if (earlier != null) {
      throw earlier;
    }
    apply(checkpoint);
  }

  /**
   * Waits until no commit is queued or running.
   *
   * @return the failure of a commit in the background, or null
   */
  IOException awaitIdle() {
    boolean interrupted = false;
    synchronized (lock) {
      while (busy) {
        try {
          lock.wait();
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    synchronized (lock) {
      return failed;
    }
  }

  private void apply(Checkpoint c) throws IOException {
    observer.beforeForce(c);
    out.force();
    deadLetter.force();
    observer.forced(c);
    c.write(file);
    observer.written(c);
  }

  private void loop() {
    while (true) {
      Checkpoint c;
      synchronized (lock) {
        while (next == null && !closed) {
          try {
            lock.wait();
          } catch (InterruptedException e) {
            // only close() ends the thread
          }
        }
        if (next == null) {
          return;
        }
        c = next;
        next = null;
      }
      IOException failure = null;
      try {
        apply(c);
      } catch (IOException e) {
        failure = e;
      } catch (RuntimeException e) {
        failure = new IOException("the commit failed: " + e, e);
      }
      if (failure != null) {
        onFailure.accept(failure);
      }
      synchronized (lock) {
        if (failure != null) {
          failed = failure;
        }
        busy = false;
        lock.notifyAll();
      }
    }
  }

  /** Waits for the commit in flight, if any, and stops the thread. */
  @Override
  public void close() {
    awaitIdle();
    synchronized (lock) {
      closed = true;
      lock.notifyAll();
    }
    boolean interrupted = false;
    while (true) {
      try {
        thread.join();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
