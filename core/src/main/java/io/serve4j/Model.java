package io.serve4j;

import java.net.URI;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A model to deploy: what it is called, where its artifact lives and how it is served.
 *
 * <pre>{@code
 * Model model = Model.builder()
 *     .name("minilm")
 *     .version("1")
 *     .artifact(URI.create("s3://my-bucket/models/minilm.onnx"))
 *     .format(ModelFormat.ONNX)
 *     .build();
 * }</pre>
 *
 * <p>The artifact is a URI: {@code file:}, {@code classpath:}, {@code https:}, {@code s3://},
 * {@code gs://}, {@code azureml://} and so on; each provider says which it reads. A {@code file:}
 * URI must name a local absolute path ({@code file:///models/m.onnx}, or {@code
 * file://localhost/...}); {@code file://host/...} is refused with an {@link InvalidInputException}.
 * Environment values are never printed by {@link #toString()}, only their keys.
 */
public final class Model {

  private final String name;
  private final String version;
  private final URI artifact;
  private final ModelFormat format;
  private final String image;
  private final ContainerSpec container;
  private final ModelSignature signature;
  private final Map<String, String> environment;
  private final Map<String, String> tags;
  private final String sha256;
  private final boolean multiModel;

  private Model(Builder b) {
    this.name = Objects.requireNonNull(b.name, "name");
    if (!Names.isName(name, 63, "._-")) {
      throw ServingException.builder(ErrorCategory.INVALID_INPUT)
          .message(
              "model name '"
                  + name
                  + "' must be 1-63 letters, digits, '.', '_' or '-', starting with a letter or"
                  + " digit")
          .build();
    }
    this.version = b.version == null ? "1" : b.version;
    this.format = Objects.requireNonNull(b.format, "format");
    this.artifact = b.artifact;
    this.image = b.image;
    if (artifact == null && image == null) {
      throw ServingException.builder(ErrorCategory.INVALID_INPUT)
          .message("model '" + name + "' needs an artifact URI or a container image")
          .build();
    }
    if (artifact != null && "file".equalsIgnoreCase(artifact.getScheme())) {
      checkFileUri(name, artifact);
    }
    if (format == ModelFormat.CUSTOM_CONTAINER && image == null) {
      throw ServingException.builder(ErrorCategory.INVALID_INPUT)
          .message("model '" + name + "' is a CUSTOM_CONTAINER and needs an image")
          .build();
    }
    this.container = b.container;
    this.signature = b.signature;
    this.environment = Map.copyOf(b.environment);
    this.tags = Map.copyOf(b.tags);
    if (b.sha256 != null && !Names.isSha256Hex(b.sha256.toLowerCase(Locale.ROOT))) {
      throw ServingException.builder(ErrorCategory.INVALID_INPUT)
          .message("sha256 of model '" + name + "' must be 64 hex digits")
          .build();
    }
    this.sha256 = b.sha256 == null ? null : b.sha256.toLowerCase(Locale.ROOT);
    this.multiModel = b.multiModel;
    if (multiModel && (artifact == null || signature != null || sha256 != null)) {
      throw ServingException.builder(ErrorCategory.INVALID_INPUT)
          .message(
              "multi-model '"
                  + name
                  + "' needs an artifact (the directory or prefix holding its models) and no"
                  + " signature or sha256 (they belong to each model, not to the set)")
          .build();
    }
  }

  /**
   * A {@code file:} URI names a path on this machine: {@code file:///abs/path} or {@code
   * file://localhost/abs/path}. {@code file://host/...} (another host, or a relative path whose
   * first segment became the host) and opaque {@code file:relative} are refused here, typed.
   */
  private static void checkFileUri(String name, URI artifact) {
    String host = artifact.getRawAuthority();
    String problem = null;
    if (artifact.isOpaque() || artifact.getPath() == null || artifact.getPath().isEmpty()) {
      problem = "it has no absolute path";
    } else if (host != null && !host.isEmpty() && !host.equalsIgnoreCase("localhost")) {
      problem = "it names host '" + host + "'";
    } else if (artifact.getRawQuery() != null || artifact.getRawFragment() != null) {
      problem = "it has a query or fragment";
    }
    if (problem != null) {
      throw ServingException.builder(ErrorCategory.INVALID_INPUT)
          .message(
              "model '"
                  + name
                  + "' has artifact "
                  + artifact
                  + ", which is not a local file URI: "
                  + problem
                  + "; use file:///absolute/path.onnx (three slashes) or Model.onnx(name, path)")
          .build();
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
   * Shorthand for an ONNX model from a local file.
   *
   * @param name model name
   * @param file path to the {@code .onnx} file
   * @return the model, version "1"
   */
  public static Model onnx(String name, Path file) {
    return builder().name(name).format(ModelFormat.ONNX).artifact(file.toUri()).build();
  }

  /**
   * Returns a builder with this model's values.
   *
   * @return a builder
   */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.name = name;
    b.version = version;
    b.artifact = artifact;
    b.format = format;
    b.image = image;
    b.container = container;
    b.signature = signature;
    b.environment.putAll(environment);
    b.tags.putAll(tags);
    b.sha256 = sha256;
    b.multiModel = multiModel;
    return b;
  }

  /**
   * Returns the name.
   *
   * @return the model name
   */
  public String name() {
    return name;
  }

  /**
   * Returns the version; "1" unless set.
   *
   * @return the version
   */
  public String version() {
    return version;
  }

  /**
   * Returns where the artifact lives.
   *
   * @return the artifact URI, empty for image-only models
   */
  public Optional<URI> artifact() {
    return Optional.ofNullable(artifact);
  }

  /**
   * Returns the format.
   *
   * @return the format
   */
  public ModelFormat format() {
    return format;
  }

  /**
   * Returns the container image that serves the model, if the caller chose one.
   *
   * @return the image reference
   */
  public Optional<String> image() {
    return Optional.ofNullable(image);
  }

  /**
   * Returns how the serving container is run and reached (port, routes, command), if the caller
   * said.
   *
   * @return the container spec
   */
  public Optional<ContainerSpec> container() {
    return Optional.ofNullable(container);
  }

  /**
   * Returns the declared signature; providers that can read it from the model do so when absent.
   *
   * @return the signature, if declared
   */
  public Optional<ModelSignature> signature() {
    return Optional.ofNullable(signature);
  }

  /**
   * Returns environment variables for the serving container.
   *
   * @return an immutable map
   */
  public Map<String, String> environment() {
    return environment;
  }

  /**
   * Returns tags to put on cloud resources.
   *
   * @return an immutable map
   */
  public Map<String, String> tags() {
    return tags;
  }

  /**
   * Returns the expected SHA-256 of the artifact, lower-case hex; checked before loading where the
   * provider reads the artifact.
   *
   * @return the digest, if given
   */
  public Optional<String> sha256() {
    return Optional.ofNullable(sha256);
  }

  /**
   * Whether the artifact is a directory or prefix holding many models of this format, each loaded
   * on first use and chosen per request with {@link InferenceRequest#targetModel()}.
   *
   * @return true for a multi-model deployment
   */
  public boolean multiModel() {
    return multiModel;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Model m
        && multiModel == m.multiModel
        && name.equals(m.name)
        && version.equals(m.version)
        && Objects.equals(artifact, m.artifact)
        && format == m.format
        && Objects.equals(image, m.image)
        && Objects.equals(container, m.container)
        && Objects.equals(signature, m.signature)
        && environment.equals(m.environment)
        && tags.equals(m.tags)
        && Objects.equals(sha256, m.sha256);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, version, artifact, format, image, signature, environment, tags);
  }

  @Override
  public String toString() {
    return "Model[name="
        + name
        + ", version="
        + version
        + ", format="
        + format
        + (artifact != null ? ", artifact=" + artifact : "")
        + (multiModel ? ", multiModel" : "")
        + (image != null ? ", image=" + image : "")
        + (container != null ? ", container=" + container : "")
        + (environment.isEmpty() ? "" : ", environmentKeys=" + environment.keySet())
        + "]";
  }

  /** Builds a {@link Model}. Not thread-safe. */
  public static final class Builder {
    private String name;
    private String version;
    private URI artifact;
    private ModelFormat format = ModelFormat.ONNX;
    private String image;
    private ContainerSpec container;
    private ModelSignature signature;
    private final Map<String, String> environment = new LinkedHashMap<>();
    private final Map<String, String> tags = new LinkedHashMap<>();
    private String sha256;
    private boolean multiModel;

    private Builder() {}

    /**
     * Sets the name (required): 1-63 letters, digits, '.', '_' or '-'.
     *
     * @param name the name
     * @return this builder
     */
    public Builder name(String name) {
      this.name = name;
      return this;
    }

    /**
     * Sets the version; default "1".
     *
     * @param version the version
     * @return this builder
     */
    public Builder version(String version) {
      this.version = version;
      return this;
    }

    /**
     * Sets the artifact location.
     *
     * @param artifact e.g. {@code file:/models/m.onnx}, {@code s3://bucket/m.tar.gz}
     * @return this builder
     */
    public Builder artifact(URI artifact) {
      this.artifact = artifact;
      return this;
    }

    /**
     * Sets the artifact location from a string URI.
     *
     * @param artifact e.g. {@code classpath:models/m.onnx}
     * @return this builder
     */
    public Builder artifact(String artifact) {
      return artifact(URI.create(artifact));
    }

    /**
     * Sets the format; default {@link ModelFormat#ONNX}.
     *
     * @param format the format
     * @return this builder
     */
    public Builder format(ModelFormat format) {
      this.format = format;
      return this;
    }

    /**
     * Sets the serving container image.
     *
     * @param image an image reference
     * @return this builder
     */
    public Builder image(String image) {
      this.image = image;
      return this;
    }

    /**
     * Says how the serving container is run and reached: port, routes, command and arguments.
     *
     * @param container the container spec
     * @return this builder
     */
    public Builder container(ContainerSpec container) {
      this.container = container;
      return this;
    }

    /**
     * Declares the signature.
     *
     * @param signature inputs and outputs
     * @return this builder
     */
    public Builder signature(ModelSignature signature) {
      this.signature = signature;
      return this;
    }

    /**
     * Adds an environment variable for the serving container.
     *
     * @param key name
     * @param value value; never printed
     * @return this builder
     */
    public Builder environment(String key, String value) {
      environment.put(Objects.requireNonNull(key), Objects.requireNonNull(value));
      return this;
    }

    /**
     * Adds a tag.
     *
     * @param key tag key
     * @param value tag value
     * @return this builder
     */
    public Builder tag(String key, String value) {
      tags.put(Objects.requireNonNull(key), Objects.requireNonNull(value));
      return this;
    }

    /**
     * Sets the expected SHA-256 of the artifact.
     *
     * @param sha256 64 hex digits
     * @return this builder
     */
    public Builder sha256(String sha256) {
      this.sha256 = sha256;
      return this;
    }

    /**
     * Makes this a multi-model: the artifact is a directory ({@code file:///models/}) or prefix
     * ({@code s3://bucket/models/}) of models of this format, each loaded on first use, unloaded
     * when memory is short, and chosen per request with {@link
     * InferenceRequest.Builder#targetModel(String)}. Needs {@link Capability#MULTI_MODEL}.
     *
     * @param multiModel whether the artifact holds many models
     * @return this builder
     */
    public Builder multiModel(boolean multiModel) {
      this.multiModel = multiModel;
      return this;
    }

    /**
     * Builds the model.
     *
     * @return the model
     * @throws InvalidInputException if the name, artifact / image or digest is invalid
     */
    public Model build() {
      return new Model(this);
    }
  }
}
