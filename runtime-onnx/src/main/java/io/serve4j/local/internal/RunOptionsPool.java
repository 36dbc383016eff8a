package io.serve4j.local.internal;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession.RunOptions;
import io.serve4j.spi.Deadline;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The {@link RunGuard}s of one model's runs and their {@link RunOptions}, reused: a run takes one
 * and gives it back, so a run creates and frees no native run options (two JNI calls and a native
 * allocation per run before) and allocates nothing here. A fixed set of slots, each taken with an
 * atomic swap (no lock, no allocation, no ABA): a thread looks first at the slot its id points to,
 * so that in steady state each caller thread finds the guard it gave back. When every slot is empty
 * a new guard is made; when every slot is full a guard given back is closed. A guard whose deadline
 * fired (or may still fire) is never given back. After {@link #close()} every guard given back is
 * closed. The pool also enforces its runs' far deadlines with one periodic sweep instead of a watch
 * per run ({@link RunGuard}).
 */
final class RunOptionsPool implements AutoCloseable {
  static final int SLOTS = 64;

  /** How often the sweep looks at the runs in flight while there are any (50 ms). */
  static final long SWEEP_NANOS = 50_000_000L;

  /** How many guards the sweep can watch; guards made beyond it watch their runs themselves. */
  static final int SWEPT = 256;

  // Slot s lives at index s * STRIDE: one slot per 64-byte cache line (16 compressed references),
  // so that callers whose slots are neighbours (thread ids in a row) do not write one line from
  // both cores on every take and give. 4 KiB per model.
  private static final int STRIDE = 16;

  private final AtomicReferenceArray<RunGuard> slots = new AtomicReferenceArray<>(SLOTS * STRIDE);
  // every live guard the sweep looks at, at the index it was given when made
  private final AtomicReferenceArray<RunGuard> live = new AtomicReferenceArray<>(SWEPT);
  private final AtomicBoolean sweepArmed = new AtomicBoolean();
  private final Sweep sweep = new Sweep();
  private volatile boolean closed;

  /**
   * Takes a guard from the pool, or makes one.
   *
   * @return a guard not in use, its terminate flag unset
   * @throws OrtException if ONNX Runtime cannot create run options
   */
  RunGuard take() throws OrtException {
    int start = (int) Thread.currentThread().getId();
    for (int i = 0; i < SLOTS; i++) {
      int s = ((start + i) & (SLOTS - 1)) * STRIDE;
      if (slots.get(s) != null) {
        RunGuard g = slots.getAndSet(s, null);
        if (g != null) {
          return g;
        }
      }
    }
    return new RunGuard(new RunOptions(), this);
  }

  /**
   * Gives a finished guard back for another run, or closes its options if the pool is closed or
   * full.
   *
   * @param guard a guard taken from this pool whose deadline action can no longer run
   */
  void give(RunGuard guard) {
    if (!closed) {
      int start = (int) Thread.currentThread().getId();
      for (int i = 0; i < SLOTS; i++) {
        int s = ((start + i) & (SLOTS - 1)) * STRIDE;
        if (slots.get(s) == null && slots.compareAndSet(s, null, guard)) {
          if (closed) {
            drain(); // raced with close(): close() may have drained before this landed
          }
          return;
        }
      }
    }
    guard.free();
  }

  /**
   * Gives a new guard a place among those the sweep looks at.
   *
   * @param guard the guard
   * @return its index, or -1 if every place is taken (it then watches its runs itself)
   */
  int register(RunGuard guard) {
    for (int i = 0; i < SWEPT; i++) {
      if (live.get(i) == null && live.compareAndSet(i, null, guard)) {
        return i;
      }
    }
    return -1;
  }

  /** Frees a guard's place (the guard is freed). */
  void unregister(RunGuard guard, int index) {
    if (index >= 0) {
      live.compareAndSet(index, guard, null);
    }
  }

  /**
   * Makes sure a sweep is coming: called after a run set a swept deadline. A volatile read per run
   * while the sweep is armed (it re-arms itself while runs are in flight).
   */
  void sweepSoon() {
    if (!sweepArmed.get() && sweepArmed.compareAndSet(false, true)) {
      Deadline.after(Duration.ofNanos(SWEEP_NANOS)).onExpiry(sweep);
    }
  }

  /**
   * The sweep, run on the deadline watchdog's thread: terminates runs past their swept deadline and
   * comes back while any run with one is in flight. A run that sets its deadline after the sweep
   * disarmed either is seen by this scan or finds the sweep disarmed and arms it (both sides write
   * then read volatile state).
   */
  private final class Sweep implements Runnable {
    @Override
    public void run() {
      sweepArmed.set(false);
      boolean again = false;
      for (int i = 0; i < SWEPT; i++) {
        RunGuard g = live.get(i);
        if (g != null && g.sweep()) {
          again = true;
        }
      }
      if (again && !closed) {
        sweepSoon();
      }
    }
  }

  /** Closes the pooled options; guards given back later are closed then. Idempotent. */
  @Override
  public void close() {
    closed = true;
    drain();
  }

  private void drain() {
    for (int s = 0; s < SLOTS * STRIDE; s += STRIDE) {
      RunGuard g = slots.getAndSet(s, null);
      if (g != null) {
        g.free();
      }
    }
  }

  /**
   * For tests: how many guards wait in the pool.
   *
   * @return the count
   */
  int pooled() {
    int n = 0;
    for (int s = 0; s < SLOTS * STRIDE; s += STRIDE) {
      n += slots.get(s) == null ? 0 : 1;
    }
    return n;
  }
}
