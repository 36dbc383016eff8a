package io.serve4j;

import java.net.URI;
import java.util.Objects;

/**
 * A provider-side batch job: score every record under an input location with a model and write the
 * results to an output location (SageMaker batch transform, Vertex batch prediction, Azure ML batch
 * endpoints).
 *
 * <pre>{@code
 * BatchJobSpec job = BatchJobSpec.builder()
 *     .name("nightly-scores")
 *     .model(model)
 *     .input(URI.create("s3://bucket/in/"))
 *     .output(URI.create("s3://bucket/out/"))
 *     .build();
 * }</pre>
 */
public final class BatchJobSpec {
  /** How the input is split into records. */
  public enum SplitType {
    /** One record per line (JSON Lines, CSV). */
    LINE,
    /** One record per file. */
    NONE
  }

  private final String name;
  private final Model model;
  private final URI input;
  private final URI output;
  private final String contentType;
  private final SplitType splitType;
  private final Accelerator accelerator;
  private final int instances;

  private BatchJobSpec(Builder b) {
    this.name = Objects.requireNonNull(b.name, "name");
    this.model = Objects.requireNonNull(b.model, "model");
    this.input = Objects.requireNonNull(b.input, "input");
    this.output = Objects.requireNonNull(b.output, "output");
    this.contentType = b.contentType;
    this.splitType = b.splitType;
    this.accelerator = b.accelerator;
    if (b.instances < 1) {
      throw ServingException.builder(ErrorCategory.INVALID_INPUT)
          .message("batch job instances must be >= 1")
          .build();
    }
    this.instances = b.instances;
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
   * Returns the job name.
   *
   * @return the name
   */
  public String name() {
    return name;
  }

  /**
   * Returns the model to score with.
   *
   * @return the model
   */
  public Model model() {
    return model;
  }

  /**
   * Returns the input location (a prefix or file in the cloud's storage).
   *
   * @return the input URI
   */
  public URI input() {
    return input;
  }

  /**
   * Returns the output location.
   *
   * @return the output URI
   */
  public URI output() {
    return output;
  }

  /**
   * Returns the records' content type; default {@code application/jsonlines}.
   *
   * @return the content type
   */
  public String contentType() {
    return contentType;
  }

  /**
   * Returns how input is split into records; default LINE.
   *
   * @return the split type
   */
  public SplitType splitType() {
    return splitType;
  }

  /**
   * Returns the hardware per instance; default {@link Accelerator#defaultCpu()}.
   *
   * @return the accelerator
   */
  public Accelerator accelerator() {
    return accelerator;
  }

  /**
   * Returns the number of instances; default 1.
   *
   * @return instances
   */
  public int instances() {
    return instances;
  }

  @Override
  public String toString() {
    return "BatchJobSpec[name="
        + name
        + ", model="
        + model.name()
        + ", input="
        + input
        + ", output="
        + output
        + ", contentType="
        + contentType
        + "]";
  }

  /** Builds a {@link BatchJobSpec}. Not thread-safe. */
  public static final class Builder {
    private String name;
    private Model model;
    private URI input;
    private URI output;
    private String contentType = "application/jsonlines";
    private SplitType splitType = SplitType.LINE;
    private Accelerator accelerator = Accelerator.defaultCpu();
    private int instances = 1;

    private Builder() {}

    /**
     * Sets the job name (required).
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
     * Sets the input location (required).
     *
     * @param input e.g. {@code s3://bucket/in/}
     * @return this builder
     */
    public Builder input(URI input) {
      this.input = input;
      return this;
    }

    /**
     * Sets the output location (required).
     *
     * @param output e.g. {@code s3://bucket/out/}
     * @return this builder
     */
    public Builder output(URI output) {
      this.output = output;
      return this;
    }

    /**
     * Sets the content type.
     *
     * @param contentType e.g. {@code text/csv}
     * @return this builder
     */
    public Builder contentType(String contentType) {
      this.contentType = Objects.requireNonNull(contentType);
      return this;
    }

    /**
     * Sets the split type.
     *
     * @param splitType LINE or NONE
     * @return this builder
     */
    public Builder splitType(SplitType splitType) {
      this.splitType = Objects.requireNonNull(splitType);
      return this;
    }

    /**
     * Sets the hardware.
     *
     * @param accelerator the accelerator
     * @return this builder
     */
    public Builder accelerator(Accelerator accelerator) {
      this.accelerator = Objects.requireNonNull(accelerator);
      return this;
    }

    /**
     * Sets the instance count.
     *
     * @param instances at least 1
     * @return this builder
     */
    public Builder instances(int instances) {
      this.instances = instances;
      return this;
    }

    /**
     * Builds the spec.
     *
     * @return the spec
     */
    public BatchJobSpec build() {
      return new BatchJobSpec(this);
    }
  }
}
