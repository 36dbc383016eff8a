package io.serve4j.onnx.internal;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession.RunOptions;
import io.serve4j.spi.Deadline;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The {@link RunOptions} of one run and the timer that sets its terminate flag at the deadline.
 * Terminating and closing are serialised, so the timer never touches freed native memory.
 */
final class RunGuard implements Runnable, AutoCloseable {
  private final RunOptions options;
  private ScheduledFuture<?> timer;
  private boolean closed;
  private boolean terminated;

  private RunGuard(RunOptions options) {
    this.options = options;
  }

  /**
   * Creates the run options and arms the deadline timer.
   *
   * @param deadline the run's deadline
   * @param scheduler where the timer runs
   * @return the guard; close it after the run
   * @throws OrtException if ONNX Runtime cannot create run options
   */
  static RunGuard start(Deadline deadline, ScheduledExecutorService scheduler) throws OrtException {
    RunGuard g = new RunGuard(new RunOptions());
    if (deadline.isFinite()) {
      try {
        g.timer = scheduler.schedule(g, deadline.remaining().toNanos(), TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException e) {
        g.close();
        throw e;
      }
    }
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
   * Returns whether the deadline timer fired.
   *
   * @return true if the run was told to terminate
   */
  synchronized boolean terminated() {
    return terminated;
  }

  @Override
  public void close() {
    if (timer != null) {
      timer.cancel(false);
    }
    synchronized (this) {
      if (!closed) {
        closed = true;
        options.close();
      }
    }
  }
}
