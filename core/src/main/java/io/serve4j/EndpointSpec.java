package io.serve4j;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What to deploy behind one endpoint: one or more named deployments, the live traffic split between
 * them (percentages that sum to 100) and an optional shadow deployment that receives mirrored
 * requests.
 *
 * <pre>{@code
 * EndpointSpec spec = EndpointSpec.builder()
 *     .name("fraud")
 *     .deployment(blue)
 *     .deployment(green)
 *     .traffic(Map.of("blue", 90, "green", 10))
 *     .build();
 * }</pre>
 *
 * <p>With a single live deployment the traffic may be omitted: it gets 100.
 *
 * <p>An endpoint is real-time by default and invoked with {@link Endpoint#predict}. With {@link
 * Builder#asyncInference(AsyncInference)} it is asynchronous instead: requests are queued and
 * invoked with {@link Endpoint#submit}, and {@code predict} is refused.
 */
public final class EndpointSpec {
  private final String name;
  private final List<DeploymentSpec> deployments;
  private final Map<String, Integer> traffic;
  private final Mirror mirror;
  private final AsyncInference asyncInference;
  private final Map<String, String> tags;

  private EndpointSpec(Builder b) {
    this.name = Objects.requireNonNull(b.name, "name");
    if (!Names.isName(name, 63, "-")) {
      throw invalid(
          "endpoint name '"
              + name
              + "' must be 1-63 letters, digits or '-', starting with a letter or digit");
    }
    this.deployments = List.copyOf(b.deployments);
    if (deployments.isEmpty()) {
      throw invalid("endpoint '" + name + "' needs at least one deployment");
    }
    Set<String> names = new HashSet<>();
    for (DeploymentSpec d : deployments) {
      names.add(d.name());
    }
    if (names.size() != deployments.size()) {
      throw invalid("endpoint '" + name + "' has duplicate deployment names");
    }
    this.mirror = b.mirror;
    if (mirror != null && !names.contains(mirror.deployment())) {
      throw invalid("mirror deployment '" + mirror.deployment() + "' is not a deployment");
    }
    Map<String, Integer> t = new LinkedHashMap<>(b.traffic);
    if (t.isEmpty()) {
      List<String> live = new ArrayList<>();
      for (DeploymentSpec d : deployments) {
        if (mirror == null || !d.name().equals(mirror.deployment())) {
          live.add(d.name());
        }
      }
      if (live.size() != 1) {
        throw invalid(
            "endpoint '" + name + "' has " + live.size() + " live deployments; give the traffic");
      }
      t.put(live.get(0), 100);
    }
    validateTraffic(names, t);
    if (mirror != null && t.getOrDefault(mirror.deployment(), 0) > 0) {
      throw invalid("shadow deployment '" + mirror.deployment() + "' must take no live traffic");
    }
    this.traffic = Map.copyOf(t);
    this.asyncInference = b.asyncInference;
    this.tags = Map.copyOf(b.tags);
  }

  /**
   * Checks that a traffic split names only known deployments, that every share is 0..100 and that
   * the shares sum to 100.
   *
   * @param deploymentNames the endpoint's deployments
   * @param traffic deployment name to percent
   * @throws InvalidInputException naming the problem
   */
  public static void validateTraffic(Set<String> deploymentNames, Map<String, Integer> traffic) {
    int sum = 0;
    for (Map.Entry<String, Integer> e : traffic.entrySet()) {
      if (!deploymentNames.contains(e.getKey())) {
        throw invalid(
            "traffic names unknown deployment '" + e.getKey() + "'; known: " + deploymentNames);
      }
      if (e.getValue() == null || e.getValue() < 0 || e.getValue() > 100) {
        throw invalid("traffic for '" + e.getKey() + "' must be 0..100, was " + e.getValue());
      }
      sum += e.getValue();
    }
    if (sum != 100) {
      throw invalid("traffic must sum to 100, sums to " + sum + ": " + traffic);
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
   * An endpoint with a single deployment named "default" taking all traffic.
   *
   * @param name endpoint name
   * @param model the model
   * @return the spec
   */
  public static EndpointSpec of(String name, Model model) {
    return builder().name(name).deployment(DeploymentSpec.of("default", model)).build();
  }

  /**
   * Returns a builder with this spec's values.
   *
   * @return a builder
   */
  public Builder toBuilder() {
    Builder b =
        new Builder().name(name).traffic(traffic).mirror(mirror).asyncInference(asyncInference);
    deployments.forEach(b::deployment);
    b.tags.putAll(tags);
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
   * Returns the deployments in declaration order.
   *
   * @return the deployments
   */
  public List<DeploymentSpec> deployments() {
    return deployments;
  }

  /**
   * Finds a deployment by name.
   *
   * @param deploymentName the name
   * @return the deployment
   */
  public Optional<DeploymentSpec> deployment(String deploymentName) {
    for (DeploymentSpec d : deployments) {
      if (d.name().equals(deploymentName)) {
        return Optional.of(d);
      }
    }
    return Optional.empty();
  }

  /**
   * Returns the live traffic split (deployment name to percent, summing to 100).
   *
   * @return the split
   */
  public Map<String, Integer> traffic() {
    return traffic;
  }

  /**
   * Returns the shadow deployment and mirrored share, if any.
   *
   * @return the mirror
   */
  public Optional<Mirror> mirror() {
    return Optional.ofNullable(mirror);
  }

  /**
   * Returns the asynchronous inference settings of an asynchronous endpoint.
   *
   * @return the settings; empty for a real-time endpoint (the default)
   */
  public Optional<AsyncInference> asyncInference() {
    return Optional.ofNullable(asyncInference);
  }

  /**
   * Returns tags for the cloud resources.
   *
   * @return the tags
   */
  public Map<String, String> tags() {
    return tags;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof EndpointSpec e
        && name.equals(e.name)
        && deployments.equals(e.deployments)
        && traffic.equals(e.traffic)
        && Objects.equals(mirror, e.mirror)
        && Objects.equals(asyncInference, e.asyncInference)
        && tags.equals(e.tags);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, deployments, traffic, mirror, asyncInference, tags);
  }

  @Override
  public String toString() {
    return "EndpointSpec[name="
        + name
        + ", deployments="
        + deployments
        + ", traffic="
        + traffic
        + (mirror != null ? ", mirror=" + mirror : "")
        + (asyncInference != null ? ", asyncInference=" + asyncInference : "")
        + "]";
  }

  private static ServingException invalid(String message) {
    return ServingException.builder(ErrorCategory.INVALID_INPUT).message(message).build();
  }

  /** Builds an {@link EndpointSpec}. Not thread-safe. */
  public static final class Builder {
    private String name;
    private final List<DeploymentSpec> deployments = new ArrayList<>();
    private final Map<String, Integer> traffic = new LinkedHashMap<>();
    private Mirror mirror;
    private AsyncInference asyncInference;
    private final Map<String, String> tags = new LinkedHashMap<>();

    private Builder() {}

    /**
     * Sets the endpoint name (required).
     *
     * @param name 1-63 letters, digits or '-'
     * @return this builder
     */
    public Builder name(String name) {
      this.name = name;
      return this;
    }

    /**
     * Adds a deployment.
     *
     * @param deployment the deployment
     * @return this builder
     */
    public Builder deployment(DeploymentSpec deployment) {
      deployments.add(Objects.requireNonNull(deployment));
      return this;
    }

    /**
     * Removes a deployment (and its traffic) by name.
     *
     * @param deploymentName the name
     * @return this builder
     */
    public Builder removeDeployment(String deploymentName) {
      deployments.removeIf(d -> d.name().equals(deploymentName));
      traffic.remove(deploymentName);
      return this;
    }

    /**
     * Replaces the traffic split.
     *
     * @param split deployment name to percent
     * @return this builder
     */
    public Builder traffic(Map<String, Integer> split) {
      traffic.clear();
      traffic.putAll(split);
      return this;
    }

    /**
     * Sets the shadow deployment; null for none.
     *
     * @param mirror the mirror
     * @return this builder
     */
    public Builder mirror(Mirror mirror) {
      this.mirror = mirror;
      return this;
    }

    /**
     * Makes the endpoint asynchronous: it is then invoked with {@link Endpoint#submit}, and {@link
     * Endpoint#predict} is refused. Needs {@link Capability#ASYNC_INFERENCE}.
     *
     * @param asyncInference the settings ({@link AsyncInference#defaults()} for the provider's);
     *     null for a real-time endpoint, the default
     * @return this builder
     */
    public Builder asyncInference(AsyncInference asyncInference) {
      this.asyncInference = asyncInference;
      return this;
    }

    /**
     * Adds a tag.
     *
     * @param key key
     * @param value value
     * @return this builder
     */
    public Builder tag(String key, String value) {
      tags.put(key, value);
      return this;
    }

    /**
     * Builds the spec.
     *
     * @return the spec
     * @throws InvalidInputException if names, traffic or the mirror are inconsistent
     */
    public EndpointSpec build() {
      return new EndpointSpec(this);
    }
  }
}
