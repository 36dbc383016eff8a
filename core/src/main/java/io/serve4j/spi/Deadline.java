package io.serve4j.spi;

import io.serve4j.ErrorCategory;
import io.serve4j.ServingException;
import java.time.Duration;

/**
 * A point in time by which a call must finish, on the monotonic clock.
 *
 * <pre>{@code
 * Deadline d = Deadline.after(Duration.ofSeconds(5));
 * sdkRequest.overrideConfiguration(c -> c.apiCallTimeout(d.remaining()));
 * }</pre>
 */
public final class Deadline {
  private static final Deadline NONE = new Deadline(Long.MAX_VALUE, 0);
  // An anonymous class, not a lambda: a lambda spins a class at first use (cold start).
  private static final Watch NEVER =
      new Watch() {
        @Override
        public boolean cancel() {
          return false;
        }
      };

  private final long nanos;
  // when after() made it, on the same clock (for a finite deadline)
  private final long start;

  private Deadline(long nanos, long start) {
    this.nanos = nanos;
    this.start = start;
  }

  /**
   * A deadline {@code timeout} from now.
   *
   * @param timeout how long from now
   * @return the deadline
   */
  public static Deadline after(Duration timeout) {
    long now = System.nanoTime();
    long t;
    try {
      t = Math.addExact(now, timeout.toNanos());
    } catch (ArithmeticException e) {
      return NONE;
    }
    return new Deadline(t, now);
  }

  /**
   * Returns when this deadline was made ({@link #after}), on the {@link System#nanoTime()} clock: a
   * call that makes its deadline as it starts takes its start time from it instead of reading the
   * clock again (a clock read cost ~0.2 us on the benchmark machine, BENCHMARKS.md). For {@link
   * #none()}, the time now.
   *
   * @return the creation time in nanoseconds
   */
  public long startNanos() {
    return isFinite() ? start : System.nanoTime();
  }

  /**
   * Returns the time left in nanoseconds: {@link #remaining()} without a {@code Duration}; 0 once
   * expired, {@link Long#MAX_VALUE} for {@link #none()}.
   *
   * @return nanoseconds left, never negative
   */
  public long remainingNanos() {
    if (!isFinite()) {
      return Long.MAX_VALUE;
    }
    return Math.max(0, nanos - System.nanoTime());
  }

  /**
   * No deadline.
   *
   * @return a deadline that never expires
   */
  public static Deadline none() {
    return NONE;
  }

  /**
   * Returns whether this deadline is finite.
   *
   * @return false for {@link #none()}
   */
  public boolean isFinite() {
    return nanos != Long.MAX_VALUE;
  }

  /**
   * Returns the time left, never negative; a very long duration when infinite.
   *
   * @return time left
   */
  public Duration remaining() {
    if (!isFinite()) {
      return Duration.ofDays(365);
    }
    return Duration.ofNanos(Math.max(0, nanos - System.nanoTime()));
  }

  /**
   * Returns whether the deadline has passed.
   *
   * @return true if expired
   */
  public boolean isExpired() {
    return isFinite() && System.nanoTime() - nanos >= 0;
  }

  /**
   * Returns the earlier of this and another deadline.
   *
   * @param other another deadline
   * @return the earlier one
   */
  public Deadline min(Deadline other) {
    return other.nanos - nanos < 0 ? other : this;
  }

  /**
   * Returns the later of this and another deadline.
   *
   * @param other another deadline
   * @return the later one; {@link #none()} if either is
   */
  Deadline later(Deadline other) {
    if (!isFinite()) {
      return this;
    }
    if (!other.isFinite()) {
      return other;
    }
    return other.nanos - nanos > 0 ? other : this;
  }

  /**
   * Runs {@code action} once when this deadline passes, unless the returned watch is cancelled
   * first. Cheap enough for every call: nothing is scheduled per call and no thread is woken unless
   * this deadline is earlier than every other one watched. The action runs on a shared daemon
   * thread ({@code serve4j-deadlines}); it must be short and must not block. For {@link #none()}
   * nothing is watched.
   *
   * <pre>{@code
   * Deadline.Watch w = deadline.onExpiry(() -> runOptions.setTerminate(true));
   * try {
   *   session.run(feed, runOptions);
   * } finally {
   *   w.cancel();
   * }
   * }</pre>
   *
   * @param action what to do at the deadline
   * @return the watch
   */
  public Watch onExpiry(Runnable action) {
    if (!isFinite()) {
      return NEVER;
    }
    return DeadlineWatchdog.SHARED.add(nanos, action);
  }

  /** A pending {@link #onExpiry(Runnable)} action. */
  public interface Watch {
    /**
     * Cancels the action if it has not run.
     *
     * @return true if the action will not run because of this call
     */
    boolean cancel();
  }

  /**
   * Builds the typed error for an expired deadline.
   *
   * @param what what timed out, e.g. "predict on endpoint fraud"
   * @return a {@code TimeoutException}
   */
  public ServingException timeoutError(String what) {
    return ServingException.builder(ErrorCategory.TIMEOUT)
        .message(what + " did not finish before its deadline")
        .build();
  }

  @Override
  public String toString() {
    return isFinite() ? "Deadline[in " + remaining() + "]" : "Deadline[none]";
  }
}
