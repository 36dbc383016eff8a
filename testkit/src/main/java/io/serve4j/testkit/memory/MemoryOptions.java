package io.serve4j.testkit.memory;

import io.serve4j.InferenceResponse;
import io.serve4j.ProviderOptions;
import io.serve4j.Tensor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Options of the in-memory reference provider ({@code memory}).
 *
 * <pre>{@code
 * ServingClient client = Serve4j.client(MemoryOptions.builder()
 *     .predictor((deployment, request) -> InferenceResponse.builder()
 *         .output(Tensor.ofFloats("y", new long[] {1}, new float[] {42f}))
 *         .build())
 *     .build());
 * }</pre>
 */
public final class MemoryOptions implements ProviderOptions {
  private final Predictor predictor;
  private final StreamingPredictor streamingPredictor;
  private final Duration deployLatency;
  private final MemoryBackend backend;

  private MemoryOptions(Builder b) {
    this.predictor = b.predictor;
    this.streamingPredictor = b.streamingPredictor;
    this.deployLatency = b.deployLatency;
    this.backend = b.backend;
  }

  /**
   * Starts a builder.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The defaults: an identity predictor, instant deployments, a private backend.
   *
   * @return default options
   */
  public static MemoryOptions defaults() {
    return builder().build();
  }

  @Override
  public String providerId() {
    return MemoryProvider.ID;
  }

  /**
   * Returns the streaming predictor; by default a stream of one chunk, the {@link #predictor()}'s
   * response.
   *
   * @return the streaming predictor
   */
  public StreamingPredictor streamingPredictor() {
    if (streamingPredictor != null) {
      return streamingPredictor;
    }
    Predictor p = predictor;
    return (deployment, request) -> java.util.List.of(p.predict(deployment, request)).iterator();
  }

  /**
   * Returns the predictor.
   *
   * @return the predictor
   */
  public Predictor predictor() {
    return predictor;
  }

  /**
   * Returns how long a deployment stays CREATING (or UPDATING) before it is IN_SERVICE.
   *
   * @return the latency
   */
  public Duration deployLatency() {
    return deployLatency;
  }

  /**
   * Returns the backend holding endpoints, or null for a private one per client.
   *
   * @return the backend
   */
  public MemoryBackend backend() {
    return backend;
  }

  @Override
  public String toString() {
    return "MemoryOptions[deployLatency=" + deployLatency + "]";
  }

  /**
   * The identity predictor: each input comes back as an output of the same name (or, when the model
   * declares a signature with as many outputs as inputs, under the output names in order).
   *
   * @return the predictor
   */
  public static Predictor identity() {
    return (deployment, request) -> {
      List<Tensor> outs = new ArrayList<>();
      List<String> names =
          deployment
              .model()
              .signature()
              .filter(s -> s.outputs().size() == request.inputs().size())
              .map(s -> s.outputs().stream().map(o -> o.name()).toList())
              .orElse(null);
      for (int i = 0; i < request.inputs().size(); i++) {
        Tensor in = request.inputs().get(i);
        outs.add(names == null ? in : in.withName(names.get(i)));
      }
      return InferenceResponse.builder().outputs(outs).build();
    };
  }

  /** Builds {@link MemoryOptions}. Not thread-safe. */
  public static final class Builder {
    private Predictor predictor = identity();
    private StreamingPredictor streamingPredictor;
    private Duration deployLatency = Duration.ZERO;
    private MemoryBackend backend;

    private Builder() {}

    /**
     * Sets the function that computes predictions; default {@link #identity()}.
     *
     * @param predictor the predictor
     * @return this builder
     */
    public Builder predictor(Predictor predictor) {
      this.predictor = Objects.requireNonNull(predictor);
      return this;
    }

    /**
     * Sets what streaming predictions yield.
     *
     * @param streamingPredictor a function from a request to its chunks
     * @return this builder
     */
    public Builder streamingPredictor(StreamingPredictor streamingPredictor) {
      this.streamingPredictor = Objects.requireNonNull(streamingPredictor);
      return this;
    }

    /**
     * Sets how long deployments take; default zero.
     *
     * @param latency the latency
     * @return this builder
     */
    public Builder deployLatency(Duration latency) {
      this.deployLatency = Objects.requireNonNull(latency);
      return this;
    }

    /**
     * Shares a backend between clients (and lets a test look inside it).
     *
     * @param backend the backend
     * @return this builder
     */
    public Builder backend(MemoryBackend backend) {
      this.backend = backend;
      return this;
    }

    /**
     * Builds the options.
     *
     * @return the options
     */
    public MemoryOptions build() {
      return new MemoryOptions(this);
    }
  }
}
