package io.serve4j.testkit.memory;

import io.serve4j.EndpointSpec;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The state of the in-memory provider: its endpoints and counters a test can read. Thread-safe.
 * Share one between clients with {@link MemoryOptions.Builder#backend(MemoryBackend)}.
 */
public final class MemoryBackend {
  /** One endpoint's state. */
  static final class State {
    final EndpointSpec spec;
    final long readyAtNanos;
    final boolean updating;

    State(EndpointSpec spec, long readyAtNanos, boolean updating) {
      this.spec = spec;
      this.readyAtNanos = readyAtNanos;
      this.updating = updating;
    }

    boolean ready() {
      return System.nanoTime() - readyAtNanos >= 0;
    }
  }

  final Map<String, State> endpoints = new ConcurrentHashMap<>();
  final AtomicLong predictions = new AtomicLong();
  final AtomicLong mirrored = new AtomicLong();
  final java.util.concurrent.ConcurrentLinkedQueue<io.serve4j.testkit.Fault> faults =
      new java.util.concurrent.ConcurrentLinkedQueue<>();

  final Map<io.serve4j.testkit.Fault.Call, AtomicLong> requests = new ConcurrentHashMap<>();
  final Map<io.serve4j.testkit.Fault.Call, java.util.Queue<io.serve4j.testkit.Fault>> callFaults =
      new ConcurrentHashMap<>();

  /** Creates an empty backend. */
  public MemoryBackend() {}

  /**
   * Returns how many prediction requests reached the backend (after core's validation).
   *
   * @return the count
   */
  public long predictionsReceived() {
    return predictions.get();
  }

  /**
   * Returns how many requests were mirrored to shadow deployments.
   *
   * @return the count
   */
  public long mirroredRequests() {
    return mirrored.get();
  }

  /**
   * Makes the next predictions fail with these faults, in order, replacing any still queued. The
   * memory provider supports THROTTLE (429 with Retry-After), UNAVAILABLE (503), SERVER_ERROR (500)
   * and SLOW; the others are refused.
   *
   * @param next the faults
   * @throws IllegalArgumentException for CONNECTION_RESET and MALFORMED_BODY, which have no meaning
   *     without a wire
   */
  public void injectFaults(io.serve4j.testkit.Fault... next) {
    for (io.serve4j.testkit.Fault f : next) {
      if (f.kind() == io.serve4j.testkit.Fault.Kind.CONNECTION_RESET
          || f.kind() == io.serve4j.testkit.Fault.Kind.MALFORMED_BODY) {
        throw new IllegalArgumentException("the memory provider has no wire to " + f.kind());
      }
    }
    faults.clear();
    faults.addAll(java.util.List.of(next));
  }

  /**
   * Returns the names of the endpoints that exist.
   *
   * @return endpoint names
   */
  public java.util.Set<String> endpointNames() {
    return java.util.Set.copyOf(endpoints.keySet());
  }

  /**
   * Returns how many calls of a kind reached the backend (its "wire" requests): predictions,
   * describes, lists and deletes, failed ones included.
   *
   * @param call which call
   * @return the count
   */
  public long requests(io.serve4j.testkit.Fault.Call call) {
    if (call == io.serve4j.testkit.Fault.Call.PREDICT) {
      return predictions.get();
    }
    AtomicLong n = requests.get(call);
    return n == null ? 0 : n.get();
  }

  /**
   * Makes the next calls of a kind fail with these faults, in order, replacing any still queued
   * (UNAVAILABLE, SERVER_ERROR, THROTTLE, SLOW); none clears. Predictions share the queue of {@link
   * #injectFaults(io.serve4j.testkit.Fault...)}.
   *
   * @param call which call
   * @param next the faults
   */
  public void injectFaults(io.serve4j.testkit.Fault.Call call, io.serve4j.testkit.Fault... next) {
    if (call == io.serve4j.testkit.Fault.Call.PREDICT) {
      injectFaults(next);
      return;
    }
    java.util.Queue<io.serve4j.testkit.Fault> q =
        callFaults.computeIfAbsent(call, c -> new java.util.concurrent.ConcurrentLinkedQueue<>());
    q.clear();
    q.addAll(java.util.List.of(next));
  }

  /** Counts one call and returns the fault it must meet, or null. */
  io.serve4j.testkit.Fault arrive(io.serve4j.testkit.Fault.Call call) {
    requests.computeIfAbsent(call, c -> new AtomicLong()).incrementAndGet();
    java.util.Queue<io.serve4j.testkit.Fault> q = callFaults.get(call);
    return q == null ? null : q.poll();
  }
}
