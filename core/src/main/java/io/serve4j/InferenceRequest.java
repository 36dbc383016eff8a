package io.serve4j;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One prediction request: named input tensors (Open Inference Protocol style) or a raw {@link
 * Payload} for custom containers, plus the outputs wanted, protocol parameters, a request id, a
 * per-call timeout and an optional deployment to pin.
 *
 * <pre>{@code
 * InferenceRequest request = InferenceRequest.builder()
 *     .input(Tensor.ofFloats("x", new long[] {1, 4}, new float[] {1, 2, 3, 4}))
 *     .timeout(Duration.ofSeconds(2))
 *     .build();
 * }</pre>
 *
 * <p>Failures: the builder's setters throw {@link NullPointerException} naming the argument when
 * given {@code null} where a value is required (as documented on each); {@link Builder#build()}
 * throws {@link InvalidInputException} for an inconsistent request.
 */
public final class InferenceRequest {
  private final String id;
  private final List<Tensor> inputs;
  private final List<String> outputs;
  private final Map<String, Object> parameters;
  private final Payload payload;
  private final Duration timeout;
  private final String targetDeployment;
  private final String targetModel;

  private InferenceRequest(Builder b) {
    this.id = b.id;
    this.inputs = List.copyOf(b.inputs);
    this.outputs = List.copyOf(b.outputs);
    this.parameters = Map.copyOf(b.parameters);
    this.payload = b.payload;
    this.timeout = b.timeout;
    this.targetDeployment = b.targetDeployment;
    this.targetModel = b.targetModel;
    if (targetModel != null) {
      checkTargetModel(targetModel);
    }
    if (payload != null && !inputs.isEmpty()) {
      throw invalid("a request has either input tensors or a raw payload, not both");
    }
    if (payload == null && inputs.isEmpty()) {
      throw invalid("a request needs at least one input tensor or a raw payload");
    }
    for (int i = 1, n = inputs.size(); i < n; i++) { // on the hot path: no stream
      String name = inputs.get(i).name();
      for (int j = 0; j < i; j++) {
        if (inputs.get(j).name().equals(name)) {
          throw invalid("duplicate input names in " + inputs);
        }
      }
    }
    if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
      throw invalid("timeout must be positive, was " + timeout);
    }
    for (Object v : parameters.values()) {
      if (!(v instanceof String || v instanceof Number || v instanceof Boolean)) {
        throw invalid("parameter values must be strings, numbers or booleans, got " + v);
      }
    }
  }

  /**
   * A target model names a file under the multi-model deployment's artifact: a relative path of
   * printable characters, without {@code ..}, a leading '/' or '\\', at most 1,024 characters
   * (SageMaker's limit for {@code TargetModel}).
   */
  private static void checkTargetModel(String target) {
    String problem = null;
    if (target.isEmpty() || target.length() > 1024) {
      problem = "it must have 1 to 1024 characters";
    } else if (target.startsWith("/") || target.contains("\\") || target.contains("//")) {
      problem = "it must be a relative path with '/' separators";
    } else if (!target.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
      problem = "it must be printable ASCII without spaces";
    } else {
      for (String segment : target.split("/", -1)) {
        if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
          problem = "it must not have empty, '.' or '..' segments";
          break;
        }
      }
    }
    if (problem != null) {
      throw invalid("target model '" + target + "' is invalid: " + problem);
    }
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
   * A request with these input tensors and nothing else.
   *
   * @param inputs the tensors
   * @return the request
   */
  public static InferenceRequest of(Tensor... inputs) {
    Builder b = builder();
    for (Tensor t : inputs) {
      b.input(t);
    }
    return b.build();
  }

  /**
   * A raw request for a custom container.
   *
   * @param payload the body
   * @return the request
   */
  public static InferenceRequest of(Payload payload) {
    return builder().payload(payload).build();
  }

  /**
   * Returns a builder with this request's values.
   *
   * @return a builder
   */
  public Builder toBuilder() {
    Builder b =
        builder()
            .id(id)
            .payload(payload)
            .timeout(timeout)
            .targetDeployment(targetDeployment)
            .targetModel(targetModel);
    b.inputs.addAll(inputs);
    b.outputs.addAll(outputs);
    b.parameters.putAll(parameters);
    return b;
  }

  /**
   * Returns the request id.
   *
   * @return the id, if set
   */
  public Optional<String> id() {
    return Optional.ofNullable(id);
  }

  /**
   * Returns the input tensors (empty for a raw request).
   *
   * @return the inputs
   */
  public List<Tensor> inputs() {
    return inputs;
  }

  /**
   * Finds an input by name.
   *
   * @param name the name
   * @return the tensor
   */
  public Optional<Tensor> input(String name) {
    for (int i = 0, n = inputs.size(); i < n; i++) { // on the hot path: no stream
      Tensor t = inputs.get(i);
      if (t.name().equals(name)) {
        return Optional.of(t);
      }
    }
    return Optional.empty();
  }

  /**
   * Returns the names of the outputs wanted; empty means all.
   *
   * @return output names
   */
  public List<String> outputs() {
    return outputs;
  }

  /**
   * Returns protocol parameters (strings, numbers, booleans).
   *
   * @return the parameters
   */
  public Map<String, Object> parameters() {
    return parameters;
  }

  /**
   * Returns the raw payload, for custom containers.
   *
   * @return the payload, empty for a tensor request
   */
  public Optional<Payload> payload() {
    return Optional.ofNullable(payload);
  }

  /**
   * Returns the per-call timeout; the client's default applies when absent.
   *
   * @return the timeout
   */
  public Optional<Duration> timeout() {
    return Optional.ofNullable(timeout);
  }

  /**
   * Returns the deployment this request is pinned to, bypassing the traffic split.
   *
   * @return the deployment name
   */
  public Optional<String> targetDeployment() {
    return Optional.ofNullable(targetDeployment);
  }

  /**
   * Returns the model this request is for on a multi-model deployment: a path relative to the
   * deployment's artifact, e.g. {@code fraud/v3.onnx}.
   *
   * @return the target model, if set
   */
  public Optional<String> targetModel() {
    return Optional.ofNullable(targetModel);
  }

  @Override
  public String toString() {
    return "InferenceRequest[id="
        + id
        + (payload != null ? ", payload=" + payload : ", inputs=" + inputs)
        + (outputs.isEmpty() ? "" : ", outputs=" + outputs)
        + (targetDeployment != null ? ", deployment=" + targetDeployment : "")
        + (targetModel != null ? ", model=" + targetModel : "")
        + "]";
  }

  private static ServingException invalid(String message) {
    return ServingException.builder(ErrorCategory.INVALID_INPUT).message(message).build();
  }

  /** Builds an {@link InferenceRequest}. Not thread-safe. */
  public static final class Builder {
    private String id;
    private final List<Tensor> inputs = new ArrayList<>();
    private final List<String> outputs = new ArrayList<>();
    private final Map<String, Object> parameters = new LinkedHashMap<>();
    private Payload payload;
    private Duration timeout;
    private String targetDeployment;
    private String targetModel;

    private Builder() {}

    /**
     * Sets the request id, echoed in the response.
     *
     * @param id the id
     * @return this builder
     */
    public Builder id(String id) {
      this.id = id;
      return this;
    }

    /**
     * Adds an input tensor.
     *
     * @param input the tensor
     * @return this builder
     * @throws NullPointerException if the tensor is null
     */
    public Builder input(Tensor input) {
      inputs.add(Objects.requireNonNull(input, "input tensor"));
      return this;
    }

    /**
     * Replaces the inputs.
     *
     * @param all the tensors
     * @return this builder
     * @throws NullPointerException if the list or one of its tensors is null
     */
    public Builder inputs(List<Tensor> all) {
      Objects.requireNonNull(all, "inputs");
      for (int i = 0; i < all.size(); i++) {
        Objects.requireNonNull(all.get(i), "input tensor");
      }
      inputs.clear();
      inputs.addAll(all);
      return this;
    }

    /**
     * Asks for one output by name; by default all outputs are returned.
     *
     * @param name output name
     * @return this builder
     * @throws NullPointerException if the name is null
     */
    public Builder output(String name) {
      outputs.add(Objects.requireNonNull(name, "output name"));
      return this;
    }

    /**
     * Adds a protocol parameter.
     *
     * @param key key
     * @param value a String, Number or Boolean
     * @return this builder
     * @throws NullPointerException if the key or the value is null
     */
    public Builder parameter(String key, Object value) {
      parameters.put(
          Objects.requireNonNull(key, "parameter key"),
          Objects.requireNonNull(value, "parameter value"));
      return this;
    }

    /**
     * Sets a raw payload instead of tensors.
     *
     * @param payload the body
     * @return this builder
     */
    public Builder payload(Payload payload) {
      this.payload = payload;
      return this;
    }

    /**
     * Sets the per-call timeout.
     *
     * @param timeout positive duration, or null for the client's default
     * @return this builder
     */
    public Builder timeout(Duration timeout) {
      this.timeout = timeout;
      return this;
    }

    /**
     * Pins the request to one deployment.
     *
     * @param deployment the deployment name, or null
     * @return this builder
     */
    public Builder targetDeployment(String deployment) {
      this.targetDeployment = deployment;
      return this;
    }

    /**
     * Chooses the model on a multi-model deployment ({@link Capability#MULTI_MODEL}): a path
     * relative to the deployment's artifact, e.g. {@code fraud/v3.onnx}; loaded on first use.
     *
     * @param model the relative path, or null
     * @return this builder
     */
    public Builder targetModel(String model) {
      this.targetModel = model;
      return this;
    }

    /**
     * Builds the request.
     *
     * @return the request
     * @throws InvalidInputException if it has both or neither tensors and payload, or duplicates
     */
    public InferenceRequest build() {
      return new InferenceRequest(this);
    }
  }
}
