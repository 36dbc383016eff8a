package io.serve4j.onnx.internal;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession.RunOptions;
import io.serve4j.spi.Deadline;

/**
 * The {@link RunOptions} of one run and the deadline watch that sets its terminate flag. The watch
 * ({@link Deadline#onExpiry}) schedules nothing and wakes no thread per run; a timer per run did,
 * and that alone made a small model's run 1.2-2.3x slower in an A/B (BENCHMARKS.md). Terminating
 * and closing are serialised, so the watch never touches freed native memory.
 */
final class RunGuard implements Runnable, AutoCloseable {
  private final RunOptions options;
  private Deadline.Watch watch;
  private boolean closed;
  private boolean terminated;

  private RunGuard(RunOptions options) {
    this.options = options;
  }

  /**
   * Creates the run options and watches the deadline.
   *
   * @param deadline the run's deadline
   * @return the guard; close it after the run
   * @throws OrtException if ONNX Runtime cannot create run options
   */
  static RunGuard start(Deadline deadline) throws OrtException {
    RunGuard g = new RunGuard(new RunOptions());
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
    watch.cancel();
    synchronized (this) {
      if (!closed) {
        closed = true;
        options.close();
      }
    }
  }
}
