package io.serve4j.spark;

import java.io.Serializable;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * What to score and how: the endpoint, the column to tensor mapping, the output columns, the
 * micro-batch size, the requests in flight per executor and what to do with a bad row. Immutable
 * and serializable; build one with {@link #builder()}.
 *
 * <pre>{@code
 * // a SageMaker endpoint; the executors' credentials come from the cluster's role
 * ScoringSpec remote = ScoringSpec.builder()
 *     .endpoint("aws://eu-west-1", "fraud")
 *     .input(InputMapping.of("x", "features"))
 *     .output(OutputColumn.scalar("y", "score"))
 *     .build();
 *
 * // a local ONNX model, shipped to the executors and run in-process on ONNX Runtime
 * ScoringSpec local = ScoringSpec.builder()
 *     .model(Path.of("mlp.onnx"))
 *     .input(InputMapping.of("x", "f1", "f2", "f3", "f4"))
 *     .output(OutputColumn.array("y", "scores"))
 *     .batchSize(256)
 *     .build();
 * }</pre>
 */
public final class ScoringSpec implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The default error column's name. */
  public static final String DEFAULT_ERROR_COLUMN = "serve4j_error";

  private final String target;
  private final ClientFactory clientFactory;
  private final String endpointName;
  private final String modelFile;
  private final String modelSha256;
  private final List<InputMapping> inputs;
  private final List<OutputColumn> outputs;
  private final int batchSize;
  private final int maxInFlight;
  private final BadRowPolicy badRows;
  private final String errorColumn;
  private final Duration requestTimeout;
  private final int maxAttempts;
  private final int intraOpThreads;

  private ScoringSpec(Builder b) {
    this.target = b.target;
    this.clientFactory = b.clientFactory;
    this.endpointName = b.endpointName;
    this.modelFile = b.modelFile;
    this.modelSha256 = b.modelSha256 == null ? null : b.modelSha256.toLowerCase(Locale.ROOT);
    this.inputs = List.copyOf(b.inputs);
    this.outputs = List.copyOf(b.outputs);
    this.batchSize = b.batchSize;
    this.maxInFlight = b.maxInFlight;
    this.badRows = b.badRows;
    this.errorColumn = b.errorColumn;
    this.requestTimeout = b.requestTimeout;
    this.maxAttempts = b.maxAttempts;
    this.intraOpThreads = b.intraOpThreads;
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
   * Returns a builder with this spec's values.
   *
   * @return a builder
   */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.target = target;
    b.clientFactory = clientFactory;
    b.endpointName = endpointName;
    b.modelFile = modelFile;
    b.modelSha256 = modelSha256;
    b.inputs.addAll(inputs);
    b.outputs.addAll(outputs);
    b.batchSize = batchSize;
    b.maxInFlight = maxInFlight;
    b.badRows = badRows;
    b.errorColumn = errorColumn;
    b.requestTimeout = requestTimeout;
    b.maxAttempts = maxAttempts;
    b.intraOpThreads = intraOpThreads;
    return b;
  }

  /**
   * Returns the provider id or URI the executors' client is opened with ({@code local} for a model
   * file unless set), or empty when a {@link ClientFactory} is used.
   *
   * @return the target
   */
  public Optional<String> target() {
    if (target == null && clientFactory == null) {
      return Optional.of("local");
    }
    return Optional.ofNullable(target);
  }

  /**
   * Returns the factory of the executors' client, if one was given.
   *
   * @return the factory
   */
  public Optional<ClientFactory> clientFactory() {
    return Optional.ofNullable(clientFactory);
  }

  /**
   * Returns the name of the endpoint scored, or empty when a model file is deployed on each
   * executor.
   *
   * @return the endpoint name
   */
  public Optional<String> endpointName() {
    return Optional.ofNullable(endpointName);
  }

  /**
   * Returns the model file (on the driver) that is shipped to the executors and deployed there.
   *
   * @return the file
   */
  public Optional<Path> modelFile() {
    return Optional.ofNullable(modelFile).map(Path::of);
  }

  /**
   * Returns the SHA-256 the model file must have, if pinned.
   *
   * @return lower-case hex
   */
  public Optional<String> modelSha256() {
    return Optional.ofNullable(modelSha256);
  }

  /**
   * Returns the input mappings.
   *
   * @return the inputs
   */
  public List<InputMapping> inputs() {
    return inputs;
  }

  /**
   * Returns the output columns.
   *
   * @return the outputs
   */
  public List<OutputColumn> outputs() {
    return outputs;
  }

  /**
   * Returns how many rows are sent in one request when the model's first dimension is dynamic;
   * default 64.
   *
   * @return the micro-batch size
   */
  public int batchSize() {
    return batchSize;
  }

  /**
   * Returns how many requests an executor has in flight at most, over all its tasks; default 4.
   *
   * @return the limit
   */
  public int maxInFlight() {
    return maxInFlight;
  }

  /**
   * Returns what happens to a bad row; default {@link BadRowPolicy#ERROR_COLUMN}.
   *
   * @return the policy
   */
  public BadRowPolicy badRows() {
    return badRows;
  }

  /**
   * Returns the name of the error column; default {@value #DEFAULT_ERROR_COLUMN}.
   *
   * @return the column name
   */
  public String errorColumn() {
    return errorColumn;
  }

  /**
   * Returns the deadline of one request, retries included; default 60 s. Ignored with a {@link
   * ClientFactory}, whose client has its own.
   *
   * @return the timeout
   */
  public Duration requestTimeout() {
    return requestTimeout;
  }

  /**
   * Returns core's retry attempts for a request (THROTTLED, UNAVAILABLE and TIMEOUT are retried
   * with backoff); default 3. Ignored with a {@link ClientFactory}.
   *
   * @return the attempts
   */
  public int maxAttempts() {
    return maxAttempts;
  }

  /**
   * Returns the ONNX Runtime intra-op threads of a local model; 0 (the default) divides the
   * executor's cores by its task slots, so that the slots do not oversubscribe the cores.
   *
   * @return the threads, or 0
   */
  public int intraOpThreads() {
    return intraOpThreads;
  }

  @Override
  public String toString() {
    return "ScoringSpec[target="
        + (clientFactory != null ? "factory" : target().orElse(""))
        + ", endpoint="
        + endpointName
        + ", model="
        + modelFile
        + ", inputs="
        + inputs
        + ", outputs="
        + outputs
        + ", batchSize="
        + batchSize
        + ", maxInFlight="
        + maxInFlight
        + ", badRows="
        + badRows
        + "]";
  }

  /** Builds a {@link ScoringSpec}; not thread-safe. */
  public static final class Builder {
    private String target;
    private ClientFactory clientFactory;
    private String endpointName;
    private String modelFile;
    private String modelSha256;
    private final List<InputMapping> inputs = new ArrayList<>();
    private final List<OutputColumn> outputs = new ArrayList<>();
    private int batchSize = 64;
    private int maxInFlight = 4;
    private BadRowPolicy badRows = BadRowPolicy.ERROR_COLUMN;
    private String errorColumn = DEFAULT_ERROR_COLUMN;
    private Duration requestTimeout = Duration.ofSeconds(60);
    private int maxAttempts = 3;
    private int intraOpThreads;

    private Builder() {}

    /**
     * Scores an existing endpoint of a provider.
     *
     * @param target a provider id ({@code aws}) or URI ({@code aws://eu-west-1}, {@code
     *     gcp://project/us-central1}, {@code azure://sub/rg/ws})
     * @param endpointName the endpoint
     * @return this builder
     */
    public Builder endpoint(String target, String endpointName) {
      return target(target).endpoint(endpointName);
    }

    /**
     * Sets the endpoint's name.
     *
     * @param endpointName the endpoint
     * @return this builder
     */
    public Builder endpoint(String endpointName) {
      this.endpointName = Objects.requireNonNull(endpointName, "endpointName");
      return this;
    }

    /**
     * Sets the provider id or URI of the executors' client; default {@code local}.
     *
     * @param target the id or URI
     * @return this builder
     */
    public Builder target(String target) {
      this.target = Objects.requireNonNull(target, "target");
      this.clientFactory = null;
      return this;
    }

    /**
     * Sets a factory for the executors' client instead of a provider id or URI.
     *
     * @param factory the factory
     * @return this builder
     */
    public Builder client(ClientFactory factory) {
      this.clientFactory = Objects.requireNonNull(factory, "factory");
      this.target = null;
      return this;
    }

    /**
     * Ships an ONNX model file to the executors and deploys it on each one's client (by default the
     * {@code local} ONNX Runtime).
     *
     * @param file the model, readable on the driver
     * @return this builder
     */
    public Builder model(Path file) {
      this.modelFile = Objects.requireNonNull(file, "file").toAbsolutePath().toString();
      return this;
    }

    /**
     * Ships a model file whose SHA-256 must be the one given (checked on the driver and on every
     * executor).
     *
     * @param file the model
     * @param sha256 hex
     * @return this builder
     */
    public Builder model(Path file, String sha256) {
      model(file);
      this.modelSha256 = Objects.requireNonNull(sha256, "sha256");
      return this;
    }

    /**
     * Adds an input mapping.
     *
     * @param input the mapping
     * @return this builder
     */
    public Builder input(InputMapping input) {
      inputs.add(Objects.requireNonNull(input));
      return this;
    }

    /**
     * Adds an output column.
     *
     * @param output the column
     * @return this builder
     */
    public Builder output(OutputColumn output) {
      outputs.add(Objects.requireNonNull(output));
      return this;
    }

    /**
     * Sets the micro-batch size; default 64. 1 sends one row per request.
     *
     * @param rows rows per request
     * @return this builder
     */
    public Builder batchSize(int rows) {
      this.batchSize = positive(rows, "batchSize");
      return this;
    }

    /**
     * Sets the requests in flight per executor; default 4.
     *
     * @param requests the limit
     * @return this builder
     */
    public Builder maxInFlight(int requests) {
      this.maxInFlight = positive(requests, "maxInFlight");
      return this;
    }

    /**
     * Sets what happens to a bad row; default {@link BadRowPolicy#ERROR_COLUMN}.
     *
     * @param policy the policy
     * @return this builder
     */
    public Builder badRows(BadRowPolicy policy) {
      this.badRows = Objects.requireNonNull(policy);
      return this;
    }

    /**
     * Sets the error column's name; default {@value #DEFAULT_ERROR_COLUMN}.
     *
     * @param column the name
     * @return this builder
     */
    public Builder errorColumn(String column) {
      this.errorColumn = Objects.requireNonNull(column);
      return this;
    }

    /**
     * Sets the deadline of one request, retries included; default 60 s.
     *
     * @param timeout the timeout
     * @return this builder
     */
    public Builder requestTimeout(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("requestTimeout must be positive: " + timeout);
      }
      this.requestTimeout = timeout;
      return this;
    }

    /**
     * Sets core's attempts per request; default 3, 1 for no retries.
     *
     * @param attempts the attempts
     * @return this builder
     */
    public Builder maxAttempts(int attempts) {
      this.maxAttempts = positive(attempts, "maxAttempts");
      return this;
    }

    /**
     * Sets ONNX Runtime's intra-op threads for a local model; 0 (default) divides the executor's
     * cores by its task slots.
     *
     * @param threads the threads, or 0
     * @return this builder
     */
    public Builder intraOpThreads(int threads) {
      if (threads < 0) {
        throw new IllegalArgumentException("intraOpThreads must be >= 0: " + threads);
      }
      this.intraOpThreads = threads;
      return this;
    }

    /**
     * Builds the spec.
     *
     * @return the spec
     * @throws IllegalStateException if neither an endpoint nor a model is named, no input or no
     *     output is given
     */
    public ScoringSpec build() {
      if (endpointName == null && modelFile == null) {
        throw new IllegalStateException("name an endpoint or a model file to score with");
      }
      if (endpointName != null && modelFile != null) {
        throw new IllegalStateException(
            "name an endpoint or a model file, not both (the model is deployed on each executor)");
      }
      if (inputs.isEmpty()) {
        throw new IllegalStateException("map at least one input tensor to columns");
      }
      if (outputs.isEmpty()) {
        throw new IllegalStateException("name at least one output column");
      }
      return new ScoringSpec(this);
    }

    private static int positive(int v, String what) {
      if (v < 1) {
        throw new IllegalArgumentException(what + " must be at least 1: " + v);
      }
      return v;
    }
  }
}
