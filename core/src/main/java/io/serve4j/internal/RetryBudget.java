package io.serve4j.internal;

/** A token bucket limiting retries to a share of first attempts. Thread-safe. */
final class RetryBudget {
  private final double ratio;
  private final double burst;
  private double tokens;

  RetryBudget(double ratio, int burst) {
    this.ratio = ratio;
    this.burst = burst;
    this.tokens = burst;
  }

  synchronized void deposit() {
    tokens = Math.min(burst, tokens + ratio);
  }

  synchronized boolean tryWithdraw() {
    if (tokens >= 1) {
      tokens -= 1;
      return true;
    }
    return false;
  }
}
