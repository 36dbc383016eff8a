package io.serve4j;

/**
 * Something a provider may or may not be able to do. Core checks them before any call, so that an
 * unsupported request fails with {@link UnsupportedCapabilityException} instead of being ignored.
 */
public enum Capability {
  /** More than one live deployment behind an endpoint, with a traffic split. */
  TRAFFIC_SPLIT,
  /** A shadow deployment receiving mirrored traffic. */
  SHADOW,
  /** Autoscaling between a minimum and a maximum instance count. */
  AUTOSCALING,
  /** Asynchronous (queued) inference, whose result is fetched later. */
  ASYNC_INFERENCE,
  /** Batch jobs that score files in storage. */
  BATCH_JOBS,
  /** Streaming responses. */
  STREAMING,
  /** Raw (non-tensor) payloads for custom containers. */
  RAW_PAYLOAD,
  /** NVIDIA GPUs. */
  GPU,
  /** Tensor Processing Units. */
  TPU,
  /** Inferentia chips. */
  INFERENTIA,
  /** Server-side dynamic batching ({@link BatchingPolicy}). */
  DYNAMIC_BATCHING,
  /**
   * Many models behind one deployment, loaded on first use, one chosen per request ({@link
   * Model.Builder#multiModel(boolean)}, {@link InferenceRequest.Builder#targetModel(String)}).
   */
  MULTI_MODEL
}
