package io.serve4j;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The answer to an {@link InferenceRequest}: named output tensors or a raw payload, with the model
 * name and version and the deployment that served it.
 *
 * <p>Failures: the builder's setters throw {@link NullPointerException} naming the argument when
 * given {@code null} where a value is required (as documented on each); {@link Builder#build()}
 * throws {@link InvalidInputException} for a parameter that is not a string, number or boolean.
 */
public final class InferenceResponse {
  private final String id;
  private final String modelName;
  private final String modelVersion;
  private final String deployment;
  private final List<Tensor> outputs;
  private final Payload payload;
  private final Map<String, Object> parameters;

  private InferenceResponse(Builder b) {
    this.id = b.id;
    this.modelName = b.modelName;
    this.modelVersion = b.modelVersion;
    this.deployment = b.deployment;
    this.outputs = b.outputs == null ? List.of() : List.copyOf(b.outputs);
    this.payload = b.payload;
    // On the hot path a response has no parameters: no map is made, copied or iterated.
    this.parameters = b.parameters == null ? Map.of() : Map.copyOf(b.parameters);
    if (!parameters.isEmpty()) {
      checkParameters(parameters);
    }
  }

  private static void checkParameters(Map<String, Object> parameters) {
    for (Object v : parameters.values()) {
      if (!(v instanceof String || v instanceof Number || v instanceof Boolean)) {
        throw ServingException.builder(ErrorCategory.INVALID_INPUT)
            .message("parameter values must be strings, numbers or booleans, got " + v)
            .build();
      }
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
   * Returns a builder with this response's values.
   *
   * @return a builder
   */
  public Builder toBuilder() {
    Builder b =
        builder()
            .id(id)
            .modelName(modelName)
            .modelVersion(modelVersion)
            .deployment(deployment)
            .payload(payload);
    b.outputs = outputs;
    if (!parameters.isEmpty()) {
      b.parameters = new LinkedHashMap<>(parameters);
    }
    return b;
  }

  /**
   * Returns the request id echoed back.
   *
   * @return the id
   */
  public Optional<String> id() {
    return Optional.ofNullable(id);
  }

  /**
   * Returns the model's name, if the provider reports it.
   *
   * @return the model name
   */
  public Optional<String> modelName() {
    return Optional.ofNullable(modelName);
  }

  /**
   * Returns the model's version, if the provider reports it.
   *
   * @return the version
   */
  public Optional<String> modelVersion() {
    return Optional.ofNullable(modelVersion);
  }

  /**
   * Returns the deployment that served the request, if known.
   *
   * @return the deployment name
   */
  public Optional<String> deployment() {
    return Optional.ofNullable(deployment);
  }

  /**
   * Returns the output tensors.
   *
   * @return the outputs
   */
  public List<Tensor> outputs() {
    return outputs;
  }

  /**
   * Returns an output by name.
   *
   * @param name the output name
   * @return the tensor
   * @throws NotFoundException listing the outputs present if there is none of that name
   */
  public Tensor output(String name) {
    for (Tensor t : outputs) {
      if (t.name().equals(name)) {
        return t;
      }
    }
    throw ServingException.builder(ErrorCategory.NOT_FOUND)
        .message(
            "no output '"
                + name
                + "' in the response; outputs: "
                + outputs.stream().map(Tensor::name).toList())
        .build();
  }

  /**
   * Returns the raw payload, for custom containers.
   *
   * @return the payload
   */
  public Optional<Payload> payload() {
    return Optional.ofNullable(payload);
  }

  /**
   * Returns protocol parameters from the response.
   *
   * @return the parameters
   */
  public Map<String, Object> parameters() {
    return parameters;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof InferenceResponse r
        && Objects.equals(id, r.id)
        && Objects.equals(modelName, r.modelName)
        && Objects.equals(modelVersion, r.modelVersion)
        && outputs.equals(r.outputs)
        && Objects.equals(payload, r.payload)
        && parameters.equals(r.parameters);
  }

  @Override
  public int hashCode() {
    return Objects.hash(id, modelName, modelVersion, outputs, payload);
  }

  @Override
  public String toString() {
    return "InferenceResponse[id="
        + id
        + ", model="
        + modelName
        + (modelVersion != null ? ":" + modelVersion : "")
        + (deployment != null ? ", deployment=" + deployment : "")
        + (payload != null ? ", payload=" + payload : ", outputs=" + outputs)
        + "]";
  }

  /** Builds an {@link InferenceResponse}. Not thread-safe. */
  public static final class Builder {
    private String id;
    private String modelName;
    private String modelVersion;
    private String deployment;
    // an immutable list given whole (kept as it is: List.copyOf of it is itself), or the builder's
    // own ArrayList once a tensor is added; null while empty
    private List<Tensor> outputs;
    private boolean ownOutputs;
    private Payload payload;
    private Map<String, Object> parameters; // made by the first parameter

    private Builder() {}

    /**
     * Sets the id.
     *
     * @param id the request id
     * @return this builder
     */
    public Builder id(String id) {
      this.id = id;
      return this;
    }

    /**
     * Sets the model name.
     *
     * @param modelName name
     * @return this builder
     */
    public Builder modelName(String modelName) {
      this.modelName = modelName;
      return this;
    }

    /**
     * Sets the model version.
     *
     * @param modelVersion version
     * @return this builder
     */
    public Builder modelVersion(String modelVersion) {
      this.modelVersion = modelVersion;
      return this;
    }

    /**
     * Sets the deployment that served the request.
     *
     * @param deployment name
     * @return this builder
     */
    public Builder deployment(String deployment) {
      this.deployment = deployment;
      return this;
    }

    /**
     * Adds an output.
     *
     * @param output the tensor
     * @return this builder
     * @throws NullPointerException if the tensor is null
     */
    public Builder output(Tensor output) {
      Objects.requireNonNull(output, "output tensor");
      if (!ownOutputs) {
        outputs = outputs == null ? new ArrayList<>() : new ArrayList<>(outputs);
        ownOutputs = true;
      }
      outputs.add(output);
      return this;
    }

    /**
     * Replaces the outputs.
     *
     * @param all the tensors
     * @return this builder
     * @throws NullPointerException if the list or one of its tensors is null
     */
    public Builder outputs(List<Tensor> all) {
      Objects.requireNonNull(all, "outputs");
      for (int i = 0; i < all.size(); i++) {
        Objects.requireNonNull(all.get(i), "output tensor");
      }
      outputs = List.copyOf(all); // no copy when the list is already immutable
      ownOutputs = false;
      return this;
    }

    /**
     * Sets a raw payload.
     *
     * @param payload the body
     * @return this builder
     */
    public Builder payload(Payload payload) {
      this.payload = payload;
      return this;
    }

    /**
     * Adds a parameter.
     *
     * @param key key
     * @param value a String, Number or Boolean
     * @return this builder
     * @throws NullPointerException if the key or the value is null
     */
    public Builder parameter(String key, Object value) {
      if (parameters == null) {
        parameters = new LinkedHashMap<>();
      }
      parameters.put(
          Objects.requireNonNull(key, "parameter key"),
          Objects.requireNonNull(value, "parameter value"));
      return this;
    }

    /**
     * Builds the response.
     *
     * @return the response
     * @throws InvalidInputException if a parameter is not a string, number or boolean
     */
    public InferenceResponse build() {
      return new InferenceResponse(this);
    }
  }
}
