package io.serve4j.spring.boot;

import io.serve4j.ErrorCategory;
import java.time.Duration;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * The {@code serve4j.*} properties: one named {@link io.serve4j.ServingClient} bean per entry of
 * {@code serve4j.clients}, with its timeouts, retry policy and circuit breaker, and optional {@link
 * io.serve4j.Endpoint} beans.
 *
 * <pre>{@code
 * serve4j.clients.local.uri=local:
 * serve4j.clients.cloud.uri=aws://eu-west-1
 * serve4j.clients.cloud.predict-timeout=2s
 * serve4j.clients.cloud.retry.max-attempts=4
 * serve4j.clients.cloud.circuit-breaker.enabled=true
 * serve4j.clients.cloud.endpoints.fraudEndpoint=fraud-prod
 * }</pre>
 *
 * <p>The defaults are core's ({@link io.serve4j.Serve4j.Builder}, {@link
 * io.serve4j.RetryPolicy#defaults()}, {@link io.serve4j.CircuitBreakerPolicy#defaults()}).
 */
@ConfigurationProperties(prefix = Serve4jProperties.PREFIX)
public class Serve4jProperties {
  /** The prefix of every property, {@value}. */
  public static final String PREFIX = "serve4j";

  /** Named clients; each becomes a ServingClient bean of that name, closed with the context. */
  private Map<String, Client> clients = new LinkedHashMap<>();

  /** Actuator health checks of the clients and their endpoints. */
  private Health health = new Health();

  /** Metrics and observations, when serve4j-micrometer is on the class path. */
  private Metrics metrics = new Metrics();

  /**
   * Returns the metrics settings.
   *
   * @return the settings
   */
  public Metrics getMetrics() {
    return metrics;
  }

  /**
   * Sets the metrics settings.
   *
   * @param metrics the settings
   */
  public void setMetrics(Metrics metrics) {
    this.metrics = metrics;
  }

  /**
   * Returns the named clients.
   *
   * @return client name to its settings
   */
  public Map<String, Client> getClients() {
    return clients;
  }

  /**
   * Sets the named clients.
   *
   * @param clients client name to its settings
   */
  public void setClients(Map<String, Client> clients) {
    this.clients = clients;
  }

  /**
   * Returns the health check settings.
   *
   * @return the settings
   */
  public Health getHealth() {
    return health;
  }

  /**
   * Sets the health check settings.
   *
   * @param health the settings
   */
  public void setHealth(Health health) {
    this.health = health;
  }

  /** One client: {@code serve4j.clients.<name>.*}. */
  public static class Client {
    /**
     * The provider and its settings as a URI, e.g. aws://eu-west-1; a scheme alone (local:,
     * memory:, aws:) is that provider with its default settings. Required.
     */
    private String uri;

    /** Default timeout of one prediction (a request's own timeout wins). */
    private Duration predictTimeout = Duration.ofSeconds(60);

    /** Timeout of control calls (describe, list). */
    private Duration callTimeout = Duration.ofSeconds(60);

    /** Deadline of long-running operations (deploy, update, delete, batch jobs). */
    private Duration operationTimeout = Duration.ofMinutes(60);

    /** Largest request accepted. */
    private DataSize maxRequestSize = DataSize.ofMegabytes(64);

    /** Largest prediction response accepted (output tensors plus raw payload). */
    private DataSize maxResponseSize = DataSize.ofMegabytes(64);

    /** Whether the client's endpoints are checked by Actuator's health endpoint. */
    private boolean healthEnabled = true;

    /** Endpoint beans to create: bean name to endpoint name on this client's provider. */
    private Map<String, String> endpoints = new LinkedHashMap<>();

    /** How failed predictions, describes and lists are retried. */
    private Retry retry = new Retry();

    /** The circuit breaker in front of each endpoint's predictions (off by default). */
    private CircuitBreaker circuitBreaker = new CircuitBreaker();

    /**
     * Returns the provider URI.
     *
     * @return the URI, or null if not set
     */
    public String getUri() {
      return uri;
    }

    /**
     * Sets the provider URI.
     *
     * @param uri e.g. {@code aws://eu-west-1}, or {@code local:}
     */
    public void setUri(String uri) {
      this.uri = uri;
    }

    /**
     * Returns the default prediction timeout.
     *
     * @return the timeout
     */
    public Duration getPredictTimeout() {
      return predictTimeout;
    }

    /**
     * Sets the default prediction timeout.
     *
     * @param predictTimeout positive
     */
    public void setPredictTimeout(Duration predictTimeout) {
      this.predictTimeout = predictTimeout;
    }

    /**
     * Returns the control call timeout.
     *
     * @return the timeout
     */
    public Duration getCallTimeout() {
      return callTimeout;
    }

    /**
     * Sets the control call timeout.
     *
     * @param callTimeout positive
     */
    public void setCallTimeout(Duration callTimeout) {
      this.callTimeout = callTimeout;
    }

    /**
     * Returns the deadline of long-running operations.
     *
     * @return the deadline
     */
    public Duration getOperationTimeout() {
      return operationTimeout;
    }

    /**
     * Sets the deadline of long-running operations.
     *
     * @param operationTimeout positive
     */
    public void setOperationTimeout(Duration operationTimeout) {
      this.operationTimeout = operationTimeout;
    }

    /**
     * Returns the largest request accepted.
     *
     * @return the size
     */
    public DataSize getMaxRequestSize() {
      return maxRequestSize;
    }

    /**
     * Sets the largest request accepted.
     *
     * @param maxRequestSize at least one byte
     */
    public void setMaxRequestSize(DataSize maxRequestSize) {
      this.maxRequestSize = maxRequestSize;
    }

    /**
     * Returns the largest response accepted.
     *
     * @return the size
     */
    public DataSize getMaxResponseSize() {
      return maxResponseSize;
    }

    /**
     * Sets the largest response accepted.
     *
     * @param maxResponseSize at least one byte
     */
    public void setMaxResponseSize(DataSize maxResponseSize) {
      this.maxResponseSize = maxResponseSize;
    }

    /**
     * Returns whether Actuator checks this client.
     *
     * @return true by default
     */
    public boolean isHealthEnabled() {
      return healthEnabled;
    }

    /**
     * Sets whether Actuator checks this client.
     *
     * @param healthEnabled false to leave it out of {@code /actuator/health}
     */
    public void setHealthEnabled(boolean healthEnabled) {
      this.healthEnabled = healthEnabled;
    }

    /**
     * Returns the endpoint beans to create.
     *
     * @return bean name to endpoint name
     */
    public Map<String, String> getEndpoints() {
      return endpoints;
    }

    /**
     * Sets the endpoint beans to create.
     *
     * @param endpoints bean name to endpoint name
     */
    public void setEndpoints(Map<String, String> endpoints) {
      this.endpoints = endpoints;
    }

    /**
     * Returns the retry settings.
     *
     * @return the settings
     */
    public Retry getRetry() {
      return retry;
    }

    /**
     * Sets the retry settings.
     *
     * @param retry the settings
     */
    public void setRetry(Retry retry) {
      this.retry = retry;
    }

    /**
     * Returns the circuit breaker settings.
     *
     * @return the settings
     */
    public CircuitBreaker getCircuitBreaker() {
      return circuitBreaker;
    }

    /**
     * Sets the circuit breaker settings.
     *
     * @param circuitBreaker the settings
     */
    public void setCircuitBreaker(CircuitBreaker circuitBreaker) {
      this.circuitBreaker = circuitBreaker;
    }
  }

  /** {@code serve4j.clients.<name>.retry.*}: see {@link io.serve4j.RetryPolicy}. */
  public static class Retry {
    /** Whether failed calls are retried at all; false means one attempt. */
    private boolean enabled = true;

    /** Most attempts, the first included. */
    private int maxAttempts = 3;

    /** The first backoff cap (full jitter below it). */
    private Duration initialBackoff = Duration.ofMillis(100);

    /** The largest backoff cap. */
    private Duration maxBackoff = Duration.ofSeconds(2);

    /** Growth of the backoff cap per attempt; at least 1. */
    private double multiplier = 2;

    /** Total time after which no retry starts. */
    private Duration maxElapsed = Duration.ofSeconds(30);

    /** Error categories retried (only retryable errors of them). */
    private Set<ErrorCategory> retryOn =
        EnumSet.of(ErrorCategory.THROTTLED, ErrorCategory.UNAVAILABLE, ErrorCategory.TIMEOUT);

    /** Retry budget: tokens each first attempt adds to the endpoint's bucket; at least 0. */
    private double budgetRatio = 0.2;

    /** Retry budget: most tokens the endpoint's bucket holds; at least 0. */
    private int budgetBurst = 10;

    /**
     * Returns whether retries are on.
     *
     * @return true by default
     */
    public boolean isEnabled() {
      return enabled;
    }

    /**
     * Sets whether retries are on.
     *
     * @param enabled false for one attempt
     */
    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    /**
     * Returns the most attempts.
     *
     * @return the attempts
     */
    public int getMaxAttempts() {
      return maxAttempts;
    }

    /**
     * Sets the most attempts.
     *
     * @param maxAttempts at least 1
     */
    public void setMaxAttempts(int maxAttempts) {
      this.maxAttempts = maxAttempts;
    }

    /**
     * Returns the first backoff cap.
     *
     * @return the cap
     */
    public Duration getInitialBackoff() {
      return initialBackoff;
    }

    /**
     * Sets the first backoff cap.
     *
     * @param initialBackoff not negative
     */
    public void setInitialBackoff(Duration initialBackoff) {
      this.initialBackoff = initialBackoff;
    }

    /**
     * Returns the largest backoff cap.
     *
     * @return the cap
     */
    public Duration getMaxBackoff() {
      return maxBackoff;
    }

    /**
     * Sets the largest backoff cap.
     *
     * @param maxBackoff not negative
     */
    public void setMaxBackoff(Duration maxBackoff) {
      this.maxBackoff = maxBackoff;
    }

    /**
     * Returns the backoff growth.
     *
     * @return the multiplier
     */
    public double getMultiplier() {
      return multiplier;
    }

    /**
     * Sets the backoff growth.
     *
     * @param multiplier at least 1
     */
    public void setMultiplier(double multiplier) {
      this.multiplier = multiplier;
    }

    /**
     * Returns the total retry time.
     *
     * @return the cap
     */
    public Duration getMaxElapsed() {
      return maxElapsed;
    }

    /**
     * Sets the total retry time.
     *
     * @param maxElapsed not negative
     */
    public void setMaxElapsed(Duration maxElapsed) {
      this.maxElapsed = maxElapsed;
    }

    /**
     * Returns the categories retried.
     *
     * @return the categories
     */
    public Set<ErrorCategory> getRetryOn() {
      return retryOn;
    }

    /**
     * Sets the categories retried.
     *
     * @param retryOn the categories
     */
    public void setRetryOn(Set<ErrorCategory> retryOn) {
      this.retryOn = retryOn;
    }

    /**
     * Returns the budget's tokens per first attempt.
     *
     * @return the ratio
     */
    public double getBudgetRatio() {
      return budgetRatio;
    }

    /**
     * Sets the budget's tokens per first attempt.
     *
     * @param budgetRatio at least 0
     */
    public void setBudgetRatio(double budgetRatio) {
      this.budgetRatio = budgetRatio;
    }

    /**
     * Returns the budget's most tokens.
     *
     * @return the burst
     */
    public int getBudgetBurst() {
      return budgetBurst;
    }

    /**
     * Sets the budget's most tokens.
     *
     * @param budgetBurst at least 0
     */
    public void setBudgetBurst(int budgetBurst) {
      this.budgetBurst = budgetBurst;
    }
  }

  /**
   * {@code serve4j.clients.<name>.circuit-breaker.*}: see {@link io.serve4j.CircuitBreakerPolicy}.
   */
  public static class CircuitBreaker {
    /** Whether a circuit breaker guards each endpoint's predictions. */
    private boolean enabled = false;

    /** Failure rate, in percent, at which the breaker opens; in (0, 100]. */
    private float failureRateThreshold = 50;

    /** How many of the latest predictions count. */
    private int slidingWindowSize = 10;

    /** How many predictions must be counted before the breaker may open. */
    private int minimumNumberOfCalls = 5;

    /** How long the breaker stays open before trial predictions. */
    private Duration waitInOpenState = Duration.ofSeconds(10);

    /** How many trial predictions a half-open breaker lets through. */
    private int permittedCallsInHalfOpenState = 3;

    /** Error categories that count as failures; not empty. */
    private Set<ErrorCategory> failureCategories =
        EnumSet.of(
            ErrorCategory.UNAVAILABLE,
            ErrorCategory.TIMEOUT,
            ErrorCategory.THROTTLED,
            ErrorCategory.INTERNAL);

    /**
     * Returns whether the breaker is on.
     *
     * @return false by default
     */
    public boolean isEnabled() {
      return enabled;
    }

    /**
     * Sets whether the breaker is on.
     *
     * @param enabled true to guard predictions
     */
    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    /**
     * Returns the failure rate threshold.
     *
     * @return percent
     */
    public float getFailureRateThreshold() {
      return failureRateThreshold;
    }

    /**
     * Sets the failure rate threshold.
     *
     * @param failureRateThreshold percent in (0, 100]
     */
    public void setFailureRateThreshold(float failureRateThreshold) {
      this.failureRateThreshold = failureRateThreshold;
    }

    /**
     * Returns the sliding window size.
     *
     * @return predictions
     */
    public int getSlidingWindowSize() {
      return slidingWindowSize;
    }

    /**
     * Sets the sliding window size.
     *
     * @param slidingWindowSize at least 1
     */
    public void setSlidingWindowSize(int slidingWindowSize) {
      this.slidingWindowSize = slidingWindowSize;
    }

    /**
     * Returns the minimum number of calls.
     *
     * @return predictions
     */
    public int getMinimumNumberOfCalls() {
      return minimumNumberOfCalls;
    }

    /**
     * Sets the minimum number of calls.
     *
     * @param minimumNumberOfCalls at least 1
     */
    public void setMinimumNumberOfCalls(int minimumNumberOfCalls) {
      this.minimumNumberOfCalls = minimumNumberOfCalls;
    }

    /**
     * Returns how long the breaker stays open.
     *
     * @return the wait
     */
    public Duration getWaitInOpenState() {
      return waitInOpenState;
    }

    /**
     * Sets how long the breaker stays open.
     *
     * @param waitInOpenState positive
     */
    public void setWaitInOpenState(Duration waitInOpenState) {
      this.waitInOpenState = waitInOpenState;
    }

    /**
     * Returns the trial predictions when half open.
     *
     * @return predictions
     */
    public int getPermittedCallsInHalfOpenState() {
      return permittedCallsInHalfOpenState;
    }

    /**
     * Sets the trial predictions when half open.
     *
     * @param permittedCallsInHalfOpenState at least 1
     */
    public void setPermittedCallsInHalfOpenState(int permittedCallsInHalfOpenState) {
      this.permittedCallsInHalfOpenState = permittedCallsInHalfOpenState;
    }

    /**
     * Returns the categories that count as failures.
     *
     * @return the categories
     */
    public Set<ErrorCategory> getFailureCategories() {
      return failureCategories;
    }

    /**
     * Sets the categories that count as failures.
     *
     * @param failureCategories not empty
     */
    public void setFailureCategories(Set<ErrorCategory> failureCategories) {
      this.failureCategories = failureCategories;
    }
  }

  /** {@code serve4j.health.*}: how Actuator checks clients and endpoints. */
  public static class Health {
    /** Longest wait for one describe or list; past it the check is DOWN with category TIMEOUT. */
    private Duration timeout = Duration.ofSeconds(5);

    /**
     * How long a check's result is reused, so that frequent probes do not call the cloud each time;
     * 0 checks on every request.
     */
    private Duration cacheTtl = Duration.ofSeconds(30);

    /**
     * Returns the check timeout.
     *
     * @return the timeout
     */
    public Duration getTimeout() {
      return timeout;
    }

    /**
     * Sets the check timeout.
     *
     * @param timeout positive
     */
    public void setTimeout(Duration timeout) {
      this.timeout = timeout;
    }

    /**
     * Returns how long a result is reused.
     *
     * @return the time to live
     */
    public Duration getCacheTtl() {
      return cacheTtl;
    }

    /**
     * Sets how long a result is reused.
     *
     * @param cacheTtl zero or more
     */
    public void setCacheTtl(Duration cacheTtl) {
      this.cacheTtl = cacheTtl;
    }
  }

  /**
   * {@code serve4j.metrics.*}: the serve4j-micrometer listener Boot wires to its registries.
   * Percentiles and histograms are Boot's own {@code management.metrics.distribution.*} settings
   * (e.g. {@code management.metrics.distribution.percentiles-histogram.serve4j.call=true}).
   */
  public static class Metrics {
    /** Whether every client's calls are recorded in the application's MeterRegistry. */
    private boolean enabled = true;

    /**
     * Whether each call is also an Observation in the application's ObservationRegistry (a span
     * with Micrometer Tracing).
     */
    private boolean observations = true;

    /**
     * Returns whether meters are recorded.
     *
     * @return true by default
     */
    public boolean isEnabled() {
      return enabled;
    }

    /**
     * Sets whether meters are recorded.
     *
     * @param enabled false for no serve4j meters
     */
    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    /**
     * Returns whether calls are observed.
     *
     * @return true by default
     */
    public boolean isObservations() {
      return observations;
    }

    /**
     * Sets whether calls are observed.
     *
     * @param observations false for meters only
     */
    public void setObservations(boolean observations) {
      this.observations = observations;
    }
  }
}
