package io.serve4j.local;

import io.serve4j.local.internal.Counters;

/**
 * Counts what reached ONNX Runtime through the {@code local} provider. Thread-safe; pass one to
 * {@link LocalOptions.Builder#statistics} to observe a client (or several clients sharing it).
 *
 * <pre>{@code
 * LocalStatistics stats = new LocalStatistics();
 * ServingClient local = Serve4j.client(LocalOptions.builder().statistics(stats).build());
 * ...
 * long runs = stats.runs();
 * }</pre>
 *
 * <p>Requests refused by serve4j before they reach ONNX Runtime (invalid input, unknown endpoint,
 * expired deadline) are not counted.
 */
public final class LocalStatistics {
  private final Counters counters = new Counters();

  /** Creates statistics at zero. */
  public LocalStatistics() {}

  /**
   * Returns the prediction runs handed to ONNX Runtime (successful or not), shadow runs excluded.
   *
   * @return the count
   */
  public long runs() {
    return counters.runs.sum();
  }

  /**
   * Returns the prediction runs that ONNX Runtime failed or that were terminated at their deadline.
   *
   * @return the count
   */
  public long failedRuns() {
    return counters.failedRuns.sum();
  }

  /**
   * Returns the runs of mirrored requests on shadow deployments.
   *
   * @return the count
   */
  public long shadowRuns() {
    return counters.shadowRuns.sum();
  }

  /**
   * Returns the mirrored requests dropped because the shadow queue was full.
   *
   * @return the count
   */
  public long shadowDropped() {
    return counters.shadowDropped.sum();
  }

  /**
   * Returns the warm-up runs made while deploying.
   *
   * @return the count
   */
  public long warmUpRuns() {
    return counters.warmUpRuns.sum();
  }

  /**
   * Returns the multi-model requests whose model was already loaded.
   *
   * @return the count
   */
  public long multiModelHits() {
    return counters.multiModelHits.sum();
  }

  /**
   * Returns the models loaded on first use (or again after being unloaded) by multi-model
   * deployments.
   *
   * @return the count
   */
  public long multiModelLoads() {
    return counters.multiModelLoads.sum();
  }

  /**
   * Returns the models unloaded from multi-model deployments to stay within the memory budget.
   *
   * @return the count
   */
  public long multiModelEvictions() {
    return counters.multiModelEvictions.sum();
  }

  Counters counters() {
    return counters;
  }

  @Override
  public String toString() {
    return "LocalStatistics[runs="
        + runs()
        + ", failedRuns="
        + failedRuns()
        + ", shadowRuns="
        + shadowRuns()
        + ", shadowDropped="
        + shadowDropped()
        + ", warmUpRuns="
        + warmUpRuns()
        + "]";
  }
}
