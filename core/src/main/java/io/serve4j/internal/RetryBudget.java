package io.serve4j.internal;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A token bucket limiting retries to a share of first attempts. Lock-free: it is touched on every
 * call, so it holds thousandths of a token in one atomic long.
 */
final class RetryBudget {
  private static final long SCALE = 1000;

  private final long ratio;
  private final long burst;
  private final AtomicLong tokens;

  RetryBudget(double ratio, int burst) {
    this.ratio = Math.round(ratio * SCALE);
    this.burst = burst * SCALE;
    this.tokens = new AtomicLong(this.burst);
  }

  void deposit() {
    if (ratio == 0) {
      return;
    }
    long t = tokens.get();
    while (t < burst && !tokens.compareAndSet(t, Math.min(burst, t + ratio))) {
      t = tokens.get();
    }
  }

  boolean tryWithdraw() {
    long t = tokens.get();
    while (t >= SCALE) {
      if (tokens.compareAndSet(t, t - SCALE)) {
        return true;
      }
      t = tokens.get();
    }
    return false;
  }
}
