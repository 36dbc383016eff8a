package io.serve4j;

import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a provider reports about an endpoint: its state, deployments, live traffic, shadow, URL,
 * failure reason, and whether it is asynchronous.
 */
public final class EndpointDescription {
  private final String name;
  private final EndpointStatus status;
  private final List<DeploymentDescription> deployments;
  private final Map<String, Integer> traffic;
  private final Mirror mirror;
  private final AsyncInference asyncInference;
  private final URI url;
  private final String failureReason;
  private final Map<String, String> details;

  private EndpointDescription(Builder b) {
    this.name = Objects.requireNonNull(b.name, "name");
    this.status = Objects.requireNonNull(b.status, "status");
    this.deployments = List.copyOf(b.deployments);
    this.traffic = Map.copyOf(b.traffic);
    this.mirror = b.mirror;
    this.asyncInference = b.asyncInference;
    this.url = b.url;
    this.failureReason = b.failureReason;
    this.details = Map.copyOf(b.details);
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
            .status(status)
            .traffic(traffic)
            .mirror(mirror)
            .asyncInference(asyncInference)
            .url(url)
            .failureReason(failureReason);
    deployments.forEach(b::deployment);
    b.details.putAll(details);
    return b;
  }

  /**
   * Returns the endpoint name.
   *
   * @return the name
   */
  public String name() {
    return name;
  }

  /**
   * Returns the state.
   *
   * @return the status
   */
  public EndpointStatus status() {
    return status;
  }

  /**
   * Returns the deployments.
   *
   * @return the deployments
   */
  public List<DeploymentDescription> deployments() {
    return deployments;
  }

  /**
   * Finds a deployment by name.
   *
   * @param deploymentName the name
   * @return the deployment
   */
  public Optional<DeploymentDescription> deployment(String deploymentName) {
    return deployments.stream().filter(d -> d.name().equals(deploymentName)).findFirst();
  }

  /**
   * Returns the live traffic split.
   *
   * @return deployment name to percent
   */
  public Map<String, Integer> traffic() {
    return traffic;
  }

  /**
   * Returns the shadow deployment, if any.
   *
   * @return the mirror
   */
  public Optional<Mirror> mirror() {
    return Optional.ofNullable(mirror);
  }

  /**
   * Returns the asynchronous inference settings of an asynchronous endpoint, which is invoked with
   * {@link Endpoint#submit} rather than {@link Endpoint#predict}.
   *
   * @return the settings as the provider reports them; empty for a real-time endpoint
   */
  public Optional<AsyncInference> asyncInference() {
    return Optional.ofNullable(asyncInference);
  }

  /**
   * Returns the invocation URL, where the provider has one.
   *
   * @return the URL
   */
  public Optional<URI> url() {
    return Optional.ofNullable(url);
  }

  /**
   * Returns why the endpoint failed, when {@link #status()} is FAILED.
   *
   * @return the reason
   */
  public Optional<String> failureReason() {
    return Optional.ofNullable(failureReason);
  }

  /**
   * Returns provider facts as display strings (ARNs, resource ids, diagnostics).
   *
   * @return an immutable map
   */
  public Map<String, String> details() {
    return details;
  }

  @Override
  public String toString() {
    return "Endpoint[name="
        + name
        + ", status="
        + status
        + ", deployments="
        + deployments
        + ", traffic="
        + traffic
        + (mirror != null ? ", mirror=" + mirror : "")
        + (asyncInference != null ? ", asyncInference=" + asyncInference : "")
        + (url != null ? ", url=" + url : "")
        + (failureReason != null ? ", failureReason=" + failureReason : "")
        + "]";
  }

  /** Builds an {@link EndpointDescription}. Not thread-safe. */
  public static final class Builder {
    private String name;
    private EndpointStatus status;
    private final List<DeploymentDescription> deployments = new ArrayList<>();
    private final Map<String, Integer> traffic = new LinkedHashMap<>();
    private Mirror mirror;
    private AsyncInference asyncInference;
    private URI url;
    private String failureReason;
    private final Map<String, String> details = new LinkedHashMap<>();

    private Builder() {}

    /**
     * Sets the name.
     *
     * @param name endpoint name
     * @return this builder
     */
    public Builder name(String name) {
      this.name = name;
      return this;
    }

    /**
     * Sets the status.
     *
     * @param status the status
     * @return this builder
     */
    public Builder status(EndpointStatus status) {
      this.status = status;
      return this;
    }

    /**
     * Adds a deployment.
     *
     * @param deployment the deployment
     * @return this builder
     */
    public Builder deployment(DeploymentDescription deployment) {
      deployments.add(deployment);
      return this;
    }

    /**
     * Replaces the deployments.
     *
     * @param all the deployments
     * @return this builder
     */
    public Builder deployments(List<DeploymentDescription> all) {
      deployments.clear();
      deployments.addAll(all);
      return this;
    }

    /**
     * Replaces the traffic split.
     *
     * @param split name to percent
     * @return this builder
     */
    public Builder traffic(Map<String, Integer> split) {
      traffic.clear();
      traffic.putAll(split);
      return this;
    }

    /**
     * Sets the mirror.
     *
     * @param mirror mirror or null
     * @return this builder
     */
    public Builder mirror(Mirror mirror) {
      this.mirror = mirror;
      return this;
    }

    /**
     * Marks the endpoint asynchronous, with the settings the provider reports.
     *
     * @param asyncInference the settings, or null for a real-time endpoint
     * @return this builder
     */
    public Builder asyncInference(AsyncInference asyncInference) {
      this.asyncInference = asyncInference;
      return this;
    }

    /**
     * Sets the invocation URL.
     *
     * @param url URL or null
     * @return this builder
     */
    public Builder url(URI url) {
      this.url = url;
      return this;
    }

    /**
     * Sets the failure reason.
     *
     * @param failureReason reason or null
     * @return this builder
     */
    public Builder failureReason(String failureReason) {
      this.failureReason = failureReason;
      return this;
    }

    /**
     * Adds a provider fact.
     *
     * @param key key
     * @param value display value, never a secret; null is ignored
     * @return this builder
     */
    public Builder detail(String key, String value) {
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
    public EndpointDescription build() {
      return new EndpointDescription(this);
    }
  }
}
