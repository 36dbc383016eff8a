package io.serve4j;

/**
 * What a call does. {@link ServingListener}s see it in {@link CallInfo#operation()}; a long-running
 * {@link Operation} reports it as {@link Operation#kind()}. Metrics and logs should tag calls with
 * it rather than parse {@link Operation#description()}, which is prose for people.
 */
public enum OperationKind {
  /** {@link ServingClient#deploy(EndpointSpec)}: long-running. */
  DEPLOY(true),
  /** {@link Endpoint#update(EndpointSpec)}: long-running. */
  UPDATE(true),
  /** {@link Endpoint#shiftTraffic(java.util.Map)}: long-running. */
  SHIFT_TRAFFIC(true),
  /** {@link Endpoint#delete()}: long-running. */
  DELETE(true),
  /** {@link ServingClient#submitBatchJob(BatchJobSpec)}: long-running. */
  BATCH_JOB(true),
  /** {@link Endpoint#submit(InferenceRequest)} (asynchronous inference): long-running. */
  SUBMIT_INFERENCE(true),
  /** {@link Endpoint#predict(InferenceRequest)} and its async twin. */
  PREDICT(false),
  /**
   * A streaming prediction; as a call it lasts until the first chunk, which is when retries stop.
   */
  STREAM(false),
  /** {@link Endpoint#describe()} and its async twin. */
  DESCRIBE(false),
  /** {@link ServingClient#listEndpoints()} and its async twin. */
  LIST(false),
  /** {@link ServingClient#describeBatchJob(String)}. */
  DESCRIBE_BATCH_JOB(false);

  private final boolean longRunning;

  OperationKind(boolean longRunning) {
    this.longRunning = longRunning;
  }

  /**
   * Returns whether calls of this kind are long-running {@link Operation}s (with the client's
   * operation timeout) rather than single calls with retries (with the predict or call timeout).
   *
   * @return true for deploy, update, shift traffic, delete, batch job and asynchronous inference
   */
  public boolean isLongRunning() {
    return longRunning;
  }
}
