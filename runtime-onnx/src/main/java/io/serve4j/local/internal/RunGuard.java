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
 *
 * <p>A run whose deadline is more than {@link #FAR_NANOS} away (the client's default prediction
 * timeout is 60 s) registers no watch of its own: its pool's sweep ({@link RunOptionsPool}) looks
 * at every run in flight every {@link RunOptionsPool#SWEEP_NANOS} while runs happen and terminates
 * those past their deadline, so such a run stops at most one sweep period after it (at most 5% of
 * its timeout late). A watch per run added to and removed from the watchdog's concurrent set on
 * every call, two writes to shared memory per run that every caller thread contended for.
 */
final class RunGuard implements Runnable, AutoCloseable {
  private final RunOptions options;
  private final Staging staging = new Staging();
  private final RunOptionsPool pool;
  // this guard's place among the runs the pool's sweep looks at, or -1 (it watches per run)
  private final int sweepIndex;
  private Deadline.Watch watch;
  private boolean watched;
  private boolean closed;
  private boolean terminated;
  // the deadline the pool's sweep enforces for the run in flight; null when none
  private Deadline swept;

  /** Deadlines at least this far away are left to the pool's sweep (1 s). */
  static final long FAR_NANOS = 1_000_000_000L;

  RunGuard(RunOptions options, RunOptionsPool pool) {
    this.options = options;
    this.pool = pool;
    this.sweepIndex = pool.register(this);
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
    return start(deadline, deadline.remainingNanos(), pool);
  }

  /**
   * Takes a guard from the pool and watches the deadline, whose time left the caller just read.
   *
   * @param deadline the run's deadline
   * @param left nanoseconds left until it ({@link Deadline#remainingNanos()})
   * @param pool where the guard comes from and goes back to
   * @return the guard; close it after the run
   * @throws OrtException if ONNX Runtime cannot create run options
   */
  static RunGuard start(Deadline deadline, long left, RunOptionsPool pool) throws OrtException {
    RunGuard g = pool.take();
    boolean far = g.sweepIndex >= 0 && deadline.isFinite() && left > FAR_NANOS;
    synchronized (g) {
      g.closed = false;
      g.terminated = false;
      g.watched = deadline.isFinite() && !far;
      g.swept = far ? deadline : null;
    }
    if (far) {
      g.watch = null;
      pool.sweepSoon();
    } else {
      g.watch = deadline.onExpiry(g);
    }
    return g;
  }

  /**
   * For the pool's sweep: terminates the run in flight if its swept deadline has passed.
   *
   * @return whether a run with a swept deadline is still in flight (the sweep must look again)
   */
  synchronized boolean sweep() {
    if (closed || swept == null) {
      return false;
    }
    if (swept.isExpired()) {
      run();
      return false;
    }
    return true;
  }

  /**
   * For tests: whether the run in flight is watched by the pool's sweep rather than a watch of its
   * own.
   *
   * @return true if swept
   */
  synchronized boolean swept() {
    return swept != null;
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
    pool.unregister(this, sweepIndex);
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
    // (A swept run's deadline acts only under this lock while the run is open.)
    boolean reusable = watch == null || watch.cancel() || !watched;
    boolean giveBack;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      swept = null;
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
