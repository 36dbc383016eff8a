package io.serve4j.local.internal;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession.RunOptions;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The {@link RunOptions} of one model's runs, reused: a run takes one and gives it back, so a run
 * creates and frees no native run options (two JNI calls and a native allocation per run before).
 * Lock-free (a Treiber stack): it holds at most as many options as runs were ever in flight at
 * once. Options whose terminate flag was set are never given back. After {@link #close()} every
 * options given back is closed.
 */
final class RunOptionsPool implements AutoCloseable {
  private static final Node CLOSED = new Node(null, null);

  private final AtomicReference<Node> head = new AtomicReference<>();

  private static final class Node {
    final RunOptions options;
    final Node next;

    Node(RunOptions options, Node next) {
      this.options = options;
      this.next = next;
    }
  }

  /**
   * Takes options from the pool, or creates them.
   *
   * @return options with the terminate flag unset
   * @throws OrtException if ONNX Runtime cannot create options
   */
  RunOptions take() throws OrtException {
    while (true) {
      Node h = head.get();
      if (h == null || h == CLOSED) {
        return new RunOptions();
      }
      if (head.compareAndSet(h, h.next)) {
        return h.options;
      }
    }
  }

  /**
   * Gives options back for another run, or closes them if the pool is closed.
   *
   * @param options options taken from this pool whose terminate flag was never set
   */
  void give(RunOptions options) {
    while (true) {
      Node h = head.get();
      if (h == CLOSED) {
        options.close();
        return;
      }
      if (head.compareAndSet(h, new Node(options, h))) {
        return;
      }
    }
  }

  /** Closes the pooled options; options given back later are closed then. Idempotent. */
  @Override
  public void close() {
    Node h = head.getAndSet(CLOSED);
    for (; h != null && h != CLOSED; h = h.next) {
      h.options.close();
    }
  }
}
