package io.serve4j.spring.boot.internal;

import io.serve4j.CircuitBreakerPolicy;
import io.serve4j.RetryPolicy;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.ServingException;
import io.serve4j.ServingListener;
import io.serve4j.spring.boot.Serve4jClientCustomizer;
import io.serve4j.spring.boot.Serve4jProperties;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.util.unit.DataSize;

/**
 * Builds the client of one {@code serve4j.clients.<name>} entry. Every value is checked here, so
 * that a bad one fails the application's start with Boot's failure analysis naming the property
 * ("Invalid value '0' for configuration property 'serve4j.clients.cloud.retry.max-attempts'").
 */
public final class ClientFactory {
  private static final Pattern SCHEME_ONLY = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]*:");
  private final Serve4jProperties properties;
  private final List<ServingListener> listeners;
  private final List<Serve4jClientCustomizer> customizers;

  /**
   * Creates the factory.
   *
   * @param properties the bound properties
   * @param listeners listeners added to every client, in order
   * @param customizers customizers applied to every client, in order
   */
  public ClientFactory(
      Serve4jProperties properties,
      List<ServingListener> listeners,
      List<Serve4jClientCustomizer> customizers) {
    this.properties = properties;
    this.listeners = List.copyOf(listeners);
    this.customizers = List.copyOf(customizers);
  }

  /**
   * Builds the named client.
   *
   * @param name the key under {@code serve4j.clients}
   * @return the client; the caller closes it
   * @throws InvalidConfigurationPropertyValueException naming the property at fault
   */
  public ServingClient create(String name) {
    Serve4jProperties.Client c = properties.getClients().get(name);
    String p = Serve4jProperties.PREFIX + ".clients." + name + ".";
    if (c == null) {
      throw new IllegalStateException("no properties under " + p);
    }
    Serve4j.Builder b = Serve4j.builder();
    provider(p + "uri", c.getUri(), b);
    b.predictTimeout(positive(p + "predict-timeout", c.getPredictTimeout()))
        .callTimeout(positive(p + "call-timeout", c.getCallTimeout()))
        .operationTimeout(positive(p + "operation-timeout", c.getOperationTimeout()))
        .maxRequestBytes(bytes(p + "max-request-size", c.getMaxRequestSize()))
        .maxResponseBytes(bytes(p + "max-response-size", c.getMaxResponseSize()))
        .retryPolicy(retryPolicy(p + "retry.", c.getRetry()));
    if (c.getCircuitBreaker().isEnabled()) {
      b.circuitBreaker(circuitBreaker(p + "circuit-breaker.", c.getCircuitBreaker()));
    }
    listeners.forEach(b::listener);
    customizers.forEach(cz -> cz.customize(name, b));
    try {
      return b.build();
    } catch (ServingException e) {
      // An unknown scheme (NotFound, listing the providers on the class path) or a URI the provider
      // cannot read (InvalidInput); the message is the provider's and carries no secret.
      throw new InvalidConfigurationPropertyValueException(p + "uri", c.getUri(), e.getMessage());
    }
  }

  /**
   * Chooses the provider: a scheme alone ({@code local:}) by id with its default options, anything
   * else as a URI.
   */
  private static void provider(String property, String uri, Serve4j.Builder b) {
    if (uri == null || uri.isBlank()) {
      throw new InvalidConfigurationPropertyValueException(
          property,
          uri,
          "every client needs a provider URI, e.g. local:, memory:, aws://eu-west-1");
    }
    String u = uri.strip();
    if (SCHEME_ONLY.matcher(u).matches()) {
      b.provider(u.substring(0, u.length() - 1));
      return;
    }
    try {
      URI parsed = new URI(u);
      if (parsed.getScheme() == null) {
        throw new InvalidConfigurationPropertyValueException(
            property, uri, "must start with a provider scheme, e.g. local: or aws://eu-west-1");
      }
      b.uri(parsed);
    } catch (URISyntaxException e) {
      throw new InvalidConfigurationPropertyValueException(
          property, uri, "not a URI: " + e.getReason());
    }
  }

  /**
   * Maps {@code serve4j.clients.<name>.retry.*} to a policy.
   *
   * @param p the property prefix, ending with a dot
   * @param r the settings
   * @return the policy
   */
  static RetryPolicy retryPolicy(String p, Serve4jProperties.Retry r) {
    if (!r.isEnabled()) {
      return RetryPolicy.none();
    }
    if (r.getMaxAttempts() < 1) {
      throw invalid(p + "max-attempts", r.getMaxAttempts(), "must be at least 1");
    }
    if (!(r.getMultiplier() >= 1)) {
      throw invalid(p + "multiplier", r.getMultiplier(), "must be at least 1");
    }
    if (!(r.getBudgetRatio() >= 0)) {
      throw invalid(p + "budget-ratio", r.getBudgetRatio(), "must be at least 0");
    }
    if (r.getBudgetBurst() < 0) {
      throw invalid(p + "budget-burst", r.getBudgetBurst(), "must be at least 0");
    }
    if (r.getRetryOn() == null) {
      throw invalid(p + "retry-on", null, "must list error categories");
    }
    return RetryPolicy.builder()
        .maxAttempts(r.getMaxAttempts())
        .initialBackoff(notNegative(p + "initial-backoff", r.getInitialBackoff()))
        .maxBackoff(notNegative(p + "max-backoff", r.getMaxBackoff()))
        .multiplier(r.getMultiplier())
        .maxElapsed(notNegative(p + "max-elapsed", r.getMaxElapsed()))
        .retryOn(r.getRetryOn())
        .budget(r.getBudgetRatio(), r.getBudgetBurst())
        .build();
  }

  /**
   * Maps {@code serve4j.clients.<name>.circuit-breaker.*} to a policy.
   *
   * @param p the property prefix, ending with a dot
   * @param cb the settings
   * @return the policy
   */
  static CircuitBreakerPolicy circuitBreaker(String p, Serve4jProperties.CircuitBreaker cb) {
    if (!(cb.getFailureRateThreshold() > 0 && cb.getFailureRateThreshold() <= 100)) {
      throw invalid(
          p + "failure-rate-threshold",
          cb.getFailureRateThreshold(),
          "must be a percentage in (0, 100]");
    }
    if (cb.getSlidingWindowSize() < 1) {
      throw invalid(p + "sliding-window-size", cb.getSlidingWindowSize(), "must be at least 1");
    }
    if (cb.getMinimumNumberOfCalls() < 1) {
      throw invalid(
          p + "minimum-number-of-calls", cb.getMinimumNumberOfCalls(), "must be at least 1");
    }
    if (cb.getPermittedCallsInHalfOpenState() < 1) {
      throw invalid(
          p + "permitted-calls-in-half-open-state",
          cb.getPermittedCallsInHalfOpenState(),
          "must be at least 1");
    }
    if (cb.getFailureCategories() == null || cb.getFailureCategories().isEmpty()) {
      throw invalid(
          p + "failure-categories",
          cb.getFailureCategories(),
          "must not be empty: such a breaker could never open");
    }
    return CircuitBreakerPolicy.builder()
        .failureRateThreshold(cb.getFailureRateThreshold())
        .slidingWindowSize(cb.getSlidingWindowSize())
        .minimumNumberOfCalls(cb.getMinimumNumberOfCalls())
        .waitInOpenState(positive(p + "wait-in-open-state", cb.getWaitInOpenState()))
        .permittedCallsInHalfOpenState(cb.getPermittedCallsInHalfOpenState())
        .failureCategories(cb.getFailureCategories())
        .build();
  }

  static Duration positive(String property, Duration d) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw invalid(property, d, "must be a positive duration");
    }
    return d;
  }

  static Duration notNegative(String property, Duration d) {
    if (d == null || d.isNegative()) {
      throw invalid(property, d, "must be a duration of zero or more");
    }
    return d;
  }

  private static long bytes(String property, DataSize size) {
    if (size == null || size.toBytes() < 1) {
      throw invalid(property, size, "must be at least 1B");
    }
    return size.toBytes();
  }

  private static InvalidConfigurationPropertyValueException invalid(
      String property, Object value, String reason) {
    return new InvalidConfigurationPropertyValueException(property, value, reason);
  }
}
