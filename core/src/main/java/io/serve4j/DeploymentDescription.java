package io.serve4j;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a provider reports about one deployment of an endpoint.
 *
 * <p>{@link #details()} carries provider facts (cloud resource names, the chosen execution
 * provider, model metadata) as display strings; they never include secrets.
 */
public final class DeploymentDescription {
  private final String name;
  private final String modelName;
  private final String modelVersion;
  private final EndpointStatus status;
  private final int instances;
  private final String instanceType;
  private final ModelSignature signature;
  private final BatchingPolicy batching;
  private final Map<String, String> details;

  private DeploymentDescription(Builder b) {
    this.name = Objects.requireNonNull(b.name, "name");
    this.modelName = Objects.requireNonNull(b.modelName, "modelName");
    this.modelVersion = b.modelVersion;
    this.status = Objects.requireNonNull(b.status, "status");
    this.instances = b.instances;
    this.instanceType = b.instanceType;
    this.signature = b.signature;
    this.batching = b.batching;
    this.details = Collections.unmodifiableMap(new LinkedHashMap<>(b.details));
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
   * Returns a builder with this description's values.
   *
   * @return a builder
   */
  public Builder toBuilder() {
    Builder b =
        builder()
            .name(name)
            .modelName(modelName)
            .modelVersion(modelVersion)
            .status(status)
            .instances(instances)
            .instanceType(instanceType)
            .signature(signature)
            .batching(batching);
    b.details.putAll(details);
    return b;
  }

  /**
   * Returns the deployment name.
   *
   * @return the name
   */
  public String name() {
    return name;
  }

  /**
   * Returns the model's name.
   *
   * @return the model name
   */
  public String modelName() {
    return modelName;
  }

  /**
   * Returns the model's version, if known.
   *
   * @return the version
   */
  public Optional<String> modelVersion() {
    return Optional.ofNullable(modelVersion);
  }

  /**
   * Returns the deployment's state.
   *
   * @return the status
   */
  public EndpointStatus status() {
    return status;
  }

  /**
   * Returns the current instance count.
   *
   * @return instances
   */
  public int instances() {
    return instances;
  }

  /**
   * Returns the cloud instance type or local execution provider.
   *
   * @return the instance type, if known
   */
  public Optional<String> instanceType() {
    return Optional.ofNullable(instanceType);
  }

  /**
   * Returns the model's signature, if known (declared, or read from the model).
   *
   * @return the signature
   */
  public Optional<ModelSignature> signature() {
    return Optional.ofNullable(signature);
  }

  /**
   * Returns the deployment's server-side dynamic batching, as deployed: requests to it may wait for
   * others to form a batch (with an in-process runtime, on the calling thread: {@link
   * Endpoint#predictAsync} may then hold its caller for the time of a whole batch).
   *
   * @return the batching policy, or empty if each request runs alone (or the provider does not say)
   */
  public Optional<BatchingPolicy> batching() {
    return Optional.ofNullable(batching);
  }

  /**
   * Returns provider facts as display strings, in the order the provider gave them (stable from one
   * call to the next, so that printed descriptions can be compared).
   *
   * @return an immutable map
   */
  public Map<String, String> details() {
    return details;
  }

  @Override
  public String toString() {
    return "Deployment[name="
        + name
        + ", model="
        + modelName
        + (modelVersion != null ? ":" + modelVersion : "")
        + ", status="
        + status
        + ", instances="
        + instances
        + (instanceType != null ? ", instanceType=" + instanceType : "")
        + "]";
  }

  /** Builds a {@link DeploymentDescription}. Not thread-safe. */
  public static final class Builder {
    private String name;
    private String modelName;
    private String modelVersion;
    private EndpointStatus status = EndpointStatus.IN_SERVICE;
    private int instances = 1;
    private String instanceType;
    private ModelSignature signature;
    private BatchingPolicy batching;
    private final Map<String, String> details = new LinkedHashMap<>();

    private Builder() {}

    /**
     * Sets the name.
     *
     * @param name deployment name
     * @return this builder
     */
    public Builder name(String name) {
      this.name = name;
      return this;
    }

    /**
     * Sets the model name.
     *
     * @param modelName model name
     * @return this builder
     */
    public Builder modelName(String modelName) {
      this.modelName = modelName;
      return this;
    }

    /**
     * Sets the model version.
     *
     * @param modelVersion version or null
     * @return this builder
     */
    public Builder modelVersion(String modelVersion) {
      this.modelVersion = modelVersion;
      return this;
    }

    /**
     * Sets the status; default IN_SERVICE.
     *
     * @param status the status
     * @return this builder
     */
    public Builder status(EndpointStatus status) {
      this.status = status;
      return this;
    }

    /**
     * Sets the instance count; default 1.
     *
     * @param instances count
     * @return this builder
     */
    public Builder instances(int instances) {
      this.instances = instances;
      return this;
    }

    /**
     * Sets the instance type.
     *
     * @param instanceType type or null
     * @return this builder
     */
    public Builder instanceType(String instanceType) {
      this.instanceType = instanceType;
      return this;
    }

    /**
     * Sets the signature.
     *
     * @param signature signature or null
     * @return this builder
     */
    public Builder signature(ModelSignature signature) {
      this.signature = signature;
      return this;
    }

    /**
     * Sets the dynamic batching the deployment runs with.
     *
     * @param batching the policy, or null for none
     * @return this builder
     */
    public Builder batching(BatchingPolicy batching) {
      this.batching = batching;
      return this;
    }

    /**
     * Adds a provider fact.
     *
     * @param key key
     * @param value display value, never a secret
     * @return this builder
     */
    public Builder detail(String key, String value) {
      Objects.requireNonNull(key, "key");
      if (value != null) {
        details.put(key, value);
      }
      return this;
    }

    /**
     * Builds the description.
     *
     * @return the description
     */
    public DeploymentDescription build() {
      return new DeploymentDescription(this);
    }
  }
}
