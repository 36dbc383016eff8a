package io.serve4j.server.internal;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/** Counts requests being served and refuses new ones once draining starts. */
public final class Inflight {
  private final AtomicInteger count = new AtomicInteger();
  private volatile boolean draining;

  /**
   * Admits a request unless the server drains.
   *
   * @return true if admitted: call {@link #exit()} once when it completes
   */
  public boolean tryEnter() {
    if (draining) {
      return false;
    }
    count.incrementAndGet();
    if (draining) {
      exit();
      return false;
    }
    return true;
  }

  /** A request admitted by {@link #tryEnter()} completed. */
  public void exit() {
    if (count.decrementAndGet() == 0 && draining) {
      synchronized (this) {
        notifyAll();
      }
    }
  }

  /**
   * Returns the requests in flight.
   *
   * @return the count
   */
  public int count() {
    return count.get();
  }

  /**
   * Returns whether the server drains.
   *
   * @return true after {@link #startDraining()}
   */
  public boolean draining() {
    return draining;
  }

  /** Refuses new requests from now on. */
  public void startDraining() {
    draining = true;
  }

  /**
   * Waits until no request is in flight.
   *
   * @param timeout the longest wait
   * @return true if idle, false if the time ran out
   */
  public boolean awaitIdle(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (this) {
      while (count.get() > 0) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        try {
          wait(Math.max(1, left / 1_000_000));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return count.get() == 0;
        }
      }
    }
    return true;
  }
}
