package io.serve4j.local.internal;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession.RunOptions;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The {@link RunGuard}s of one model's runs and their {@link RunOptions}, reused: a run takes one
 * and gives it back, so a run creates and frees no native run options (two JNI calls and a native
 * allocation per run before) and allocates nothing here. A fixed set of slots, each taken with an
 * atomic swap (no lock, no allocation, no ABA): a thread looks first at the slot its id points to,
 * so that in steady state each caller thread finds the guard it gave back. When every slot is empty
 * a new guard is made; when every slot is full a guard given back is closed. A guard whose deadline
 * fired (or may still fire) is never given back. After {@link #close()} every guard given back is
 * closed.
 */
final class RunOptionsPool implements AutoCloseable {
  static final int SLOTS = 64;

  private final AtomicReferenceArray<RunGuard> slots = new AtomicReferenceArray<>(SLOTS);
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
      int s = (start + i) & (SLOTS - 1);
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
        int s = (start + i) & (SLOTS - 1);
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

  /** Closes the pooled options; guards given back later are closed then. Idempotent. */
  @Override
  public void close() {
    closed = true;
    drain();
  }

  private void drain() {
    for (int s = 0; s < SLOTS; s++) {
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
    for (int s = 0; s < SLOTS; s++) {
      n += slots.get(s) == null ? 0 : 1;
    }
    return n;
  }
}
