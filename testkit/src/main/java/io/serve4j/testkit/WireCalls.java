package io.serve4j.testkit;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The log and gate of a fake's wire calls, for {@link LifecycleSafetyContract}: the fake calls
 * {@link #arrive(String)} first thing for every request it receives, with a stable name of the call
 * (e.g. {@code CreateModel}, {@code CreateEndpointConfig}, {@code DescribeEndpoint}, or {@code PUT
 * onlineDeployments}). The contract reads the log to learn the steps of an operation, pauses a call
 * to cancel the operation while it is in flight, and fails a call to make the operation fail there.
 * Thread-safe.
 *
 * <pre>{@code
 * // in the fake's request dispatch, before handling the request:
 * Fault fault = wireCalls.arrive("CreateEndpoint");
 * if (fault != null) {
 *   return errorResponse(500); // or 503 / 429 as the fault's kind says
 * }
 * }</pre>
 */
public final class WireCalls {
  /** How long a paused call waits at most for the contract to release it. */
  private static final Duration MAX_PAUSE = Duration.ofSeconds(60);

  private final List<String> log = new ArrayList<>();
  private final Map<String, Deque<Fault>> faults = new HashMap<>();
  private Pause armed;

  /** Creates an empty log. */
  public WireCalls() {}

  /**
   * Records that the fake received call {@code call}; if a pause is armed for it, blocks until the
   * contract releases it (at most a minute); then returns the fault the fake must answer with, or
   * null to answer normally.
   *
   * @param call the call's stable name
   * @return the fault to answer with, or null
   */
  public Fault arrive(String call) {
    Objects.requireNonNull(call, "call");
    Pause pause;
    synchronized (this) {
      log.add(call);
      pause = armed != null && armed.call.equals(call) ? armed : null;
      if (pause != null) {
        armed = null;
      }
    }
    if (pause != null) {
      pause.hold();
    }
    synchronized (this) {
      Deque<Fault> q = faults.get(call);
      return q == null ? null : q.poll();
    }
  }

  /**
   * Returns every call received so far, in order.
   *
   * @return a copy of the log
   */
  public synchronized List<String> log() {
    return List.copyOf(log);
  }

  /**
   * Returns how many calls were received so far: a position in the log.
   *
   * @return the count
   */
  public synchronized int size() {
    return log.size();
  }

  /**
   * Returns the calls received since position {@code from} of the log.
   *
   * @param from a value of {@link #size()}
   * @return the calls after it, in order
   */
  public synchronized List<String> since(int from) {
    return List.copyOf(log.subList(Math.min(from, log.size()), log.size()));
  }

  /**
   * Makes the next {@code faults.length} arrivals of {@code call} answer with these faults, in
   * order, replacing any still queued for it; none clears.
   *
   * @param call the call's name
   * @param next the faults
   */
  public synchronized void fail(String call, Fault... next) {
    Deque<Fault> q = faults.computeIfAbsent(call, c -> new ArrayDeque<>());
    q.clear();
    q.addAll(List.of(next));
  }

  /** Clears every queued fault and any armed pause (releasing nothing already held). */
  public synchronized void reset() {
    faults.clear();
    armed = null;
  }

  /**
   * Arms a pause: the next arrival of {@code call} blocks until {@link Pause#release()}, replacing
   * a pause armed before and not reached.
   *
   * @param call the call's name
   * @return the pause
   */
  public synchronized Pause pauseNext(String call) {
    armed = new Pause(Objects.requireNonNull(call, "call"));
    return armed;
  }

  /** A call held in the fake until released. */
  public static final class Pause {
    private final String call;
    private final CountDownLatch reached = new CountDownLatch(1);
    private final CountDownLatch released = new CountDownLatch(1);

    private Pause(String call) {
      this.call = call;
    }

    /**
     * Returns the paused call's name.
     *
     * @return the name
     */
    public String call() {
      return call;
    }

    /**
     * Waits until the call arrived and is held.
     *
     * @param timeout how long to wait
     * @return true once held, false if it did not arrive in time
     */
    public boolean awaitReached(Duration timeout) {
      try {
        return reached.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }

    /**
     * Returns whether the call arrived.
     *
     * @return true once held (or held and released)
     */
    public boolean reached() {
      return reached.getCount() == 0;
    }

    /** Lets the held call go on (and a call arriving later pass at once). */
    public void release() {
      released.countDown();
    }

    private void hold() {
      reached.countDown();
      try {
        released.await(MAX_PAUSE.toNanos(), TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
