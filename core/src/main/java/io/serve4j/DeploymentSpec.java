package io.serve4j;

import java.util.Objects;
import java.util.Optional;

/**
 * One named deployment of a model behind an endpoint, with its hardware and scaling.
 *
 * <pre>{@code
 * DeploymentSpec blue = DeploymentSpec.builder()
 *     .name("blue")
 *     .model(model)
 *     .accelerator(Accelerator.gpu(DeviceType.NVIDIA_T4, 1))
 *     .scaling(Scaling.autoscale(1, 4, ScalingMetric.INVOCATIONS_PER_INSTANCE, 200))
 *     .build();
 * }</pre>
 */
public final class DeploymentSpec {

  private final String name;
  private final Model model;
  private final Accelerator accelerator;
  private final Scaling scaling;
  private final BatchingPolicy batching;

  private DeploymentSpec(Builder b) {
    this.name = Objects.requireNonNull(b.name, "name");
    if (!Names.isName(name, 32, "-")) {
      throw ServingException.builder(ErrorCategory.INVALID_INPUT)
          .message(
              "deployment name '"
                  + name
                  + "' must be 1-32 letters, digits or '-', starting with a letter or digit")
          .build();
    }
    this.model = Objects.requireNonNull(b.model, "model");
    this.accelerator = b.accelerator;
    this.scaling = b.scaling;
    this.batching = b.batching;
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
   * A deployment with default CPU hardware and one instance.
   *
   * @param name deployment name
   * @param model the model
   * @return the spec
   */
  public static DeploymentSpec of(String name, Model model) {
    return builder().name(name).model(model).build();
  }

  /**
   * Returns a builder with this spec's values.
   *
   * @return a builder
   */
  public Builder toBuilder() {
    return new Builder()
        .name(name)
        .model(model)
        .accelerator(accelerator)
        .scaling(scaling)
        .batching(batching);
  }

  /**
   * Returns the name.
   *
   * @return the deployment name
   */
  public String name() {
    return name;
  }

  /**
   * Returns the model.
   *
   * @return the model
   */
  public Model model() {
    return model;
  }

  /**
   * Returns the hardware; default {@link Accelerator#defaultCpu()}.
   *
   * @return the accelerator
   */
  public Accelerator accelerator() {
    return accelerator;
  }

  /**
   * Returns the scaling; default {@code Scaling.fixed(1)}.
   *
   * @return the scaling
   */
  public Scaling scaling() {
    return scaling;
  }

  /**
   * Returns the dynamic batching policy, if enabled.
   *
   * @return the policy
   */
  public Optional<BatchingPolicy> batching() {
    return Optional.ofNullable(batching);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DeploymentSpec d
        && name.equals(d.name)
        && model.equals(d.model)
        && accelerator.equals(d.accelerator)
        && scaling.equals(d.scaling)
        && Objects.equals(batching, d.batching);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, model, accelerator, scaling, batching);
  }

  @Override
  public String toString() {
    return "DeploymentSpec[name="
        + name
        + ", model="
        + model.name()
        + ":"
        + model.version()
        + ", accelerator="
        + accelerator
        + ", scaling="
        + scaling
        + (batching != null ? ", batching=" + batching : "")
        + "]";
  }

  /** Builds a {@link DeploymentSpec}. Not thread-safe. */
  public static final class Builder {
    private String name;
    private Model model;
    private Accelerator accelerator = Accelerator.defaultCpu();
    private Scaling scaling = Scaling.fixed(1);
    private BatchingPolicy batching;

    private Builder() {}

    /**
     * Sets the name (required): 1-32 letters, digits or '-'.
     *
     * @param name the name
     * @return this builder
     */
    public Builder name(String name) {
      this.name = name;
      return this;
    }

    /**
     * Sets the model (required).
     *
     * @param model the model
     * @return this builder
     */
    public Builder model(Model model) {
      this.model = model;
      return this;
    }

    /**
     * Sets the hardware; default {@link Accelerator#defaultCpu()}.
     *
     * @param accelerator the accelerator
     * @return this builder
     */
    public Builder accelerator(Accelerator accelerator) {
      this.accelerator = Objects.requireNonNull(accelerator, "accelerator");
      return this;
    }

    /**
     * Sets the scaling; default one fixed instance.
     *
     * @param scaling the scaling
     * @return this builder
     */
    public Builder scaling(Scaling scaling) {
      this.scaling = Objects.requireNonNull(scaling, "scaling");
      return this;
    }

    /**
     * Enables dynamic batching; null disables it (the default).
     *
     * @param batching the policy
     * @return this builder
     */
    public Builder batching(BatchingPolicy batching) {
      this.batching = batching;
      return this;
    }

    /**
     * Builds the spec.
     *
     * @return the spec
     */
    public DeploymentSpec build() {
      return new DeploymentSpec(this);
    }
  }
}
