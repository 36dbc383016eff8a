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
   * Returns the names of the endpoints that exist.
   *
   * @return endpoint names
   */
  public java.util.Set<String> endpointNames() {
    return java.util.Set.copyOf(endpoints.keySet());
  }
}
