package io.serve4j.local.internal;

import java.util.concurrent.atomic.LongAdder;

/** The counters behind {@link io.serve4j.local.LocalStatistics}; written by the run path. */
public final class Counters {
  /** Prediction runs handed to ONNX Runtime. */
  public final LongAdder runs = new LongAdder();

  /** Runs that failed or were terminated. */
  public final LongAdder failedRuns = new LongAdder();

  /** Shadow runs. */
  public final LongAdder shadowRuns = new LongAdder();

  /** Mirrored requests dropped. */
  public final LongAdder shadowDropped = new LongAdder();

  /** Warm-up runs. */
  public final LongAdder warmUpRuns = new LongAdder();

  /** Multi-model requests whose model was loaded. */
  public final LongAdder multiModelHits = new LongAdder();

  /** Multi-model requests that had to load their model. */
  public final LongAdder multiModelLoads = new LongAdder();

  /** Models unloaded from multi-model deployments to stay within the memory budget. */
  public final LongAdder multiModelEvictions = new LongAdder();

  /** Creates counters at zero. */
  public Counters() {}
}
