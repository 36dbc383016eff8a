package io.serve4j.spi;

import java.util.Optional;

/**
 * What {@link ServingProvider#open} yields: the provider's role parts over one set of vendor
 * clients. Core wraps every role call with validation, capability checks, deadlines, retries,
 * listeners, the endpoint-description cache, error mapping (through {@link
 * ServingProvider#errorMapper()}) and cancellation; the parts only speak the provider's wire.
 *
 * <p>One class may implement several roles and return itself from each accessor.
 */
public interface ProviderSession extends AutoCloseable {
  /**
   * Returns the endpoint-lifecycle part.
   *
   * @return the lifecycle role
   */
  EndpointLifecycle lifecycle();

  /**
   * Returns the real-time inference part.
   *
   * @return the inference role
   */
  Inference inference();

  /**
   * Returns the batch-job part; present exactly when the provider declares {@link
   * io.serve4j.Capability#BATCH_JOBS}.
   *
   * @return the batch role, if any
   */
  default Optional<BatchJobs> batchJobs() {
    return Optional.empty();
  }

  /**
   * Returns the queued-inference part; present exactly when the provider declares {@link
   * io.serve4j.Capability#ASYNC_INFERENCE}.
   *
   * @return the queued-inference role, if any
   */
  default Optional<QueuedInference> queuedInference() {
    return Optional.empty();
  }

  /**
   * Returns the streaming-inference part; present exactly when the provider declares {@link
   * io.serve4j.Capability#STREAMING}.
   *
   * @return the streaming role, if any
   */
  default Optional<StreamingInference> streamingInference() {
    return Optional.empty();
  }

  /**
   * Returns a session that is this one with a streaming-inference part.
   *
   * <pre>{@code
   * return ProviderSession.of(lifecycle, invocation, null, null, clients::close)
   *     .withStreaming(invocation);
   * }</pre>
   *
   * @param streaming the streaming role
   * @return a session delegating everything else to this one
   */
  default ProviderSession withStreaming(StreamingInference streaming) {
    java.util.Objects.requireNonNull(streaming, "streaming");
    ProviderSession self = this;
    return new ProviderSession() {
      @Override
      public EndpointLifecycle lifecycle() {
        return self.lifecycle();
      }

      @Override
      public Inference inference() {
        return self.inference();
      }

      @Override
      public Optional<BatchJobs> batchJobs() {
        return self.batchJobs();
      }

      @Override
      public Optional<QueuedInference> queuedInference() {
        return self.queuedInference();
      }

      @Override
      public Optional<StreamingInference> streamingInference() {
        return Optional.of(streaming);
      }

      @Override
      public void close() {
        self.close();
      }

      @Override
      public String toString() {
        return self.toString();
      }
    };
  }

  /** Releases what the session created; idempotent, throws nothing. */
  @Override
  void close();

  /**
   * Assembles a session from its parts.
   *
   * <pre>{@code
   * return ProviderSession.of(lifecycle, invocation, batch, null, clients::close);
   * }</pre>
   *
   * @param lifecycle the lifecycle role
   * @param inference the inference role
   * @param batchJobs the batch-job role, or null
   * @param queuedInference the queued-inference role, or null
   * @param close what {@link #close()} does (run once)
   * @return the session
   */
  static ProviderSession of(
      EndpointLifecycle lifecycle,
      Inference inference,
      BatchJobs batchJobs,
      QueuedInference queuedInference,
      Runnable close) {
    java.util.Objects.requireNonNull(lifecycle, "lifecycle");
    java.util.Objects.requireNonNull(inference, "inference");
    java.util.Objects.requireNonNull(close, "close");
    java.util.concurrent.atomic.AtomicBoolean closed =
        new java.util.concurrent.atomic.AtomicBoolean();
    return new ProviderSession() {
      @Override
      public EndpointLifecycle lifecycle() {
        return lifecycle;
      }

      @Override
      public Inference inference() {
        return inference;
      }

      @Override
      public Optional<BatchJobs> batchJobs() {
        return Optional.ofNullable(batchJobs);
      }

      @Override
      public Optional<QueuedInference> queuedInference() {
        return Optional.ofNullable(queuedInference);
      }

      @Override
      public void close() {
        if (closed.compareAndSet(false, true)) {
          close.run();
        }
      }

      @Override
      public String toString() {
        return "ProviderSession[" + lifecycle + "]";
      }
    };
  }
}
