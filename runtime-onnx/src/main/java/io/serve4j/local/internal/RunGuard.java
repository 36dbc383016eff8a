package io.serve4j.local.internal;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession.RunOptions;
import io.serve4j.spi.Deadline;

/**
 * The {@link RunOptions} of one run, the deadline watch that sets its terminate flag, and the small
 * tensors kept between runs ({@link Staging}). The watch ({@link Deadline#onExpiry}) schedules
 * nothing and wakes no thread per run; a timer per run did, and that alone made a small model's run
 * 1.2-2.3x slower in an A/B (BENCHMARKS.md). Guards and their options come from the model's {@link
 * RunOptionsPool} and go back to it after the run, unless the deadline set the terminate flag or
 * its action could still run (then the options are closed and the guard dropped). Terminating and
 * closing are serialised, so the watch never touches options after they were freed or handed to
 * another run.
 */
final class RunGuard implements Runnable, AutoCloseable {
  private final RunOptions options;
  private final Staging staging = new Staging();
  private final RunOptionsPool pool;
  private Deadline.Watch watch;
  private boolean watched;
  private boolean closed;
  private boolean terminated;

  RunGuard(RunOptions options, RunOptionsPool pool) {
    this.options = options;
    this.pool = pool;
  }

  /**
   * Takes a guard from the pool and watches the deadline.
   *
   * @param deadline the run's deadline
   * @param pool where the guard comes from and goes back to
   * @return the guard; close it after the run
   * @throws OrtException if ONNX Runtime cannot create run options
   */
  static RunGuard start(Deadline deadline, RunOptionsPool pool) throws OrtException {
    RunGuard g = pool.take();
    synchronized (g) {
      g.closed = false;
      g.terminated = false;
      g.watched = deadline.isFinite();
    }
    g.watch = deadline.onExpiry(g);
    return g;
  }

  /**
   * Returns the run options to pass to {@code OrtSession.run}.
   *
   * @return the options
   */
  RunOptions options() {
    return options;
  }

  /**
   * Returns the small tensors this slot keeps between its runs; used by one run at a time.
   *
   * @return the staging area
   */
  Staging staging() {
    return staging;
  }

  /** Frees the native run options and the kept tensors; the guard is not used again. */
  void free() {
    options.close();
    staging.close();
  }

  /** Sets the terminate flag (the deadline passed); ONNX Runtime stops the run soon after. */
  @Override
  public synchronized void run() {
    if (!closed) {
      terminated = true;
      try {
        options.setTerminate(true);
      } catch (OrtException ignored) {
        // the run ends on its own
      }
    }
  }

  /**
   * Returns whether the deadline passed during the run.
   *
   * @return true if the run was told to terminate
   */
  synchronized boolean terminated() {
    return terminated;
  }

  @Override
  public void close() {
    // Reusable only if the deadline's action can never run: cancelled in time, or no deadline.
    boolean reusable = watch.cancel() || !watched;
    boolean giveBack;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      giveBack = reusable && !terminated;
      if (!giveBack) {
        free();
      }
    }
    if (giveBack) {
      pool.give(this);
    }
  }
}
