package io.serve4j;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * How a serving container is run and reached: its port, its prediction and health routes, and its
 * command and arguments. The same facts every cloud asks of a bring-your-own container (Vertex's
 * {@code ModelContainerSpec} ports / predictRoute / healthRoute / command / args, Azure ML's {@code
 * inferenceConfig} scoring / liveness / readiness routes, SageMaker's fixed {@code 8080}, {@code
 * /invocations} and {@code /ping}), stated once on the {@link Model}.
 *
 * <pre>{@code
 * Model model = Model.builder()
 *     .name("ranker")
 *     .format(ModelFormat.CUSTOM_CONTAINER)
 *     .image("europe-docker.pkg.dev/acme/serving/ranker:3")
 *     .container(ContainerSpec.builder()
 *         .port(8000)
 *         .predictRoute("/v1/predict")
 *         .healthRoute("/healthz")
 *         .build())
 *     .build();
 * }</pre>
 *
 * <p>Every part is optional; an absent part means "the provider's default for this container". A
 * provider that cannot honour a part that is set (SageMaker cannot move its routes) refuses the
 * deployment with an {@link InvalidInputException} naming the part, before any call.
 */
public final class ContainerSpec {
  private final Integer port;
  private final String predictRoute;
  private final String healthRoute;
  private final String readinessRoute;
  private final List<String> command;
  private final List<String> args;

  private ContainerSpec(Builder b) {
    if (b.port != null && (b.port < 1 || b.port > 65535)) {
      throw invalid("container port " + b.port + " is not in 1-65535");
    }
    this.port = b.port;
    this.predictRoute = route("predictRoute", b.predictRoute);
    this.healthRoute = route("healthRoute", b.healthRoute);
    this.readinessRoute = route("readinessRoute", b.readinessRoute);
    this.command = List.copyOf(b.command);
    this.args = List.copyOf(b.args);
  }

  private static String route(String what, String route) {
    if (route != null
        && (!route.startsWith("/") || route.chars().anyMatch(Character::isWhitespace))) {
      throw invalid(
          "container "
              + what
              + " '"
              + route
              + "' must be a path starting with '/'"
              + " and without spaces");
    }
    return route;
  }

  private static ServingException invalid(String message) {
    return ServingException.builder(ErrorCategory.INVALID_INPUT).message(message).build();
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
   * Returns the port the container listens on, if set.
   *
   * @return the port
   */
  public OptionalInt port() {
    return port == null ? OptionalInt.empty() : OptionalInt.of(port);
  }

  /**
   * Returns the HTTP path that answers predictions, if set.
   *
   * @return the route
   */
  public Optional<String> predictRoute() {
    return Optional.ofNullable(predictRoute);
  }

  /**
   * Returns the HTTP path that answers liveness / health checks, if set.
   *
   * @return the route
   */
  public Optional<String> healthRoute() {
    return Optional.ofNullable(healthRoute);
  }

  /**
   * Returns the HTTP path that answers readiness checks, if set; providers with one health route
   * use {@link #healthRoute()}.
   *
   * @return the route
   */
  public Optional<String> readinessRoute() {
    return Optional.ofNullable(readinessRoute);
  }

  /**
   * Returns the entrypoint command; empty for the image's own.
   *
   * @return an immutable list
   */
  public List<String> command() {
    return command;
  }

  /**
   * Returns the arguments to the entrypoint; empty for the image's own.
   *
   * @return an immutable list
   */
  public List<String> args() {
    return args;
  }

  /**
   * Whether nothing is set.
   *
   * @return true if every part is absent
   */
  public boolean isEmpty() {
    return port == null
        && predictRoute == null
        && healthRoute == null
        && readinessRoute == null
        && command.isEmpty()
        && args.isEmpty();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ContainerSpec c
        && Objects.equals(port, c.port)
        && Objects.equals(predictRoute, c.predictRoute)
        && Objects.equals(healthRoute, c.healthRoute)
        && Objects.equals(readinessRoute, c.readinessRoute)
        && command.equals(c.command)
        && args.equals(c.args);
  }

  @Override
  public int hashCode() {
    return Objects.hash(port, predictRoute, healthRoute, readinessRoute, command, args);
  }

  /** Arguments are not printed: they may carry secrets. */
  @Override
  public String toString() {
    return "ContainerSpec[port="
        + port
        + ", predictRoute="
        + predictRoute
        + ", healthRoute="
        + healthRoute
        + ", readinessRoute="
        + readinessRoute
        + ", command="
        + command
        + ", args="
        + args.size()
        + "]";
  }

  /** Builds a {@link ContainerSpec}. Not thread-safe. */
  public static final class Builder {
    private Integer port;
    private String predictRoute;
    private String healthRoute;
    private String readinessRoute;
    private List<String> command = List.of();
    private List<String> args = List.of();

    private Builder() {}

    /**
     * Sets the port the container listens on.
     *
     * @param port 1-65535
     * @return this builder
     */
    public Builder port(int port) {
      this.port = port;
      return this;
    }

    /**
     * Sets the prediction route, e.g. {@code /v1/models/m:predict}.
     *
     * @param route a path starting with '/'
     * @return this builder
     */
    public Builder predictRoute(String route) {
      this.predictRoute = route;
      return this;
    }

    /**
     * Sets the liveness / health route, e.g. {@code /health}.
     *
     * @param route a path starting with '/'
     * @return this builder
     */
    public Builder healthRoute(String route) {
      this.healthRoute = route;
      return this;
    }

    /**
     * Sets the readiness route, where it differs from the health route.
     *
     * @param route a path starting with '/'
     * @return this builder
     */
    public Builder readinessRoute(String route) {
      this.readinessRoute = route;
      return this;
    }

    /**
     * Sets the entrypoint command.
     *
     * @param command the command and its fixed words
     * @return this builder
     */
    public Builder command(List<String> command) {
      this.command = List.copyOf(command);
      return this;
    }

    /**
     * Sets the entrypoint's arguments.
     *
     * @param args the arguments
     * @return this builder
     */
    public Builder args(List<String> args) {
      this.args = List.copyOf(args);
      return this;
    }

    /**
     * Builds the spec.
     *
     * @return the spec
     * @throws InvalidInputException if the port or a route is invalid
     */
    public ContainerSpec build() {
      return new ContainerSpec(this);
    }
  }
}
