package io.serve4j.benchmarks;

import java.util.Locale;

/**
 * One way of running a {@link Workload}: opened once (session, model, endpoint), then {@link
 * #predict()} from any number of threads, each call sending the workload's one-row request and
 * returning the outputs in Java memory.
 */
interface Engine extends AutoCloseable {
  /** The engines compared; the benchmark parameter is the lower-case name. */
  enum Kind {
    /**
     * Raw ONNX Runtime Java at its best: per-thread input tensors over direct buffers, the
     * request's bytes written into them before each run, and pinned, pre-allocated outputs ({@link
     * OrtEngine}).
     */
    ORT,
    /**
     * {@link #ORT} with its input buffers filled once and never written again, as {@code ort} was
     * before c1lat6: a baseline that skips what every call with new data pays ({@link OrtEngine}).
     */
    ORT_STATIC,
    /**
     * Raw ONNX Runtime Java, the first baseline: input tensors made per call, outputs copied to the
     * Java heap ({@link OrtCopyEngine}); an extra row, not in the default suite.
     */
    ORT_COPY,
    /**
     * The limit plus the copy an API that hands each caller outputs of its own must make (each
     * output into a new heap buffer; the limit itself writes the request into its input buffers):
     * the floor of serve4j's per-call contract ({@link OrtEngine}, owned); a step of the per-call
     * list.
     */
    ORT_OWNED,
    /**
     * {@link #ORT} passing run options of its own to every run ({@code OrtSession.run(inputs,
     * outputs, pinned, runOptions)}, one {@code RunOptions} per calling thread, made once), as
     * serve4j's local run does for its deadline: the raw engine with serve4j's native run call, to
     * tell what the run options cost from what serve4j's Java path costs ({@link OrtEngine}); a
     * step of the per-call list.
     */
    ORT_RUN_OPTIONS,
    /** DJL 0.38.0 with its ONNX Runtime engine. */
    DJL,
    /** serve4j's local provider, unbatched. */
    SERVE4J,
    /** serve4j's local provider with dynamic batching. */
    SERVE4J_BATCHED,
    /**
     * serve4j's local provider called directly, without core's client ({@link
     * Serve4jProviderEngine}): what runtime-onnx's call path costs on its own; a step of the
     * per-call list.
     */
    SERVE4J_PROVIDER;

    static Kind of(String name) {
      return valueOf(name.toUpperCase(Locale.ROOT));
    }
  }

  /**
   * Opens an engine on a workload.
   *
   * @param kind which engine
   * @param workload the model and request
   * @return the engine, ready to predict
   * @throws Exception if the engine cannot load the model
   */
  static Engine open(Kind kind, Workload workload) throws Exception {
    return switch (kind) {
      case ORT -> new OrtEngine(workload);
      case ORT_COPY -> new OrtCopyEngine(workload);
      case ORT_OWNED -> new OrtEngine(workload, true);
      case ORT_STATIC -> new OrtEngine(workload, false, true);
      case ORT_RUN_OPTIONS -> new OrtEngine(workload, false, false, true);
      case DJL -> new DjlEngine(workload);
      case SERVE4J -> new Serve4jEngine(workload, false);
      case SERVE4J_BATCHED -> new Serve4jEngine(workload, true);
      case SERVE4J_PROVIDER -> new Serve4jProviderEngine(workload);
    };
  }

  /**
   * Runs one prediction.
   *
   * @return the outputs (for the benchmark's blackhole)
   * @throws Exception if the run fails
   */
  Object predict() throws Exception;

  @Override
  void close() throws Exception;
}
