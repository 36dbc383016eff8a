package io.serve4j;

import io.serve4j.internal.ClientConfig;
import io.serve4j.internal.ProviderRegistry;
import io.serve4j.internal.ServingClients;
import io.serve4j.spi.HardwareOfferings;
import io.serve4j.spi.ServingProvider;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The entry point: a {@link ServingClient} for one provider, found by id or URI through {@link
 * java.util.ServiceLoader}, or built from typed options.
 *
 * <pre>{@code
 * ServingClient local = Serve4j.client("local");              // ONNX Runtime in-process
 * ServingClient aws = Serve4j.client(URI.create("aws://eu-west-1"));
 * ServingClient gcp = Serve4j.client(GcpOptions.builder().project("p").location("us-central1").build());
 * ServingClient tuned = Serve4j.builder()
 *     .provider("local")
 *     .predictTimeout(Duration.ofSeconds(2))
 *     .listener(myMetrics)
 *     .build();
 * }</pre>
 */
public final class Serve4j {
  private Serve4j() {}

  /**
   * A client for a provider with its default options (the vendor's default chains).
   *
   * @param providerId {@code local}, {@code aws}, {@code azure}, {@code gcp}, {@code memory}, ...
   * @return the client
   * @throws NotFoundException listing the providers on the class path if none has that id
   */
  public static ServingClient client(String providerId) {
    return builder().provider(providerId).build();
  }

  /**
   * A client for a provider chosen by URI scheme, e.g. {@code aws://us-east-1} or {@code local:}.
   *
   * @param uri the URI
   * @return the client
   */
  public static ServingClient client(URI uri) {
    return builder().uri(uri).build();
  }

  /**
   * A client for the provider the options belong to.
   *
   * @param options typed provider options
   * @return the client
   */
  public static ServingClient client(ProviderOptions options) {
    return builder().options(options).build();
  }

  /**
   * Returns the ids of the providers on the class path.
   *
   * @return the ids, sorted
   * @throws IllegalStateException if two providers declare the same id
   */
  public static List<String> providers() {
    return List.copyOf(ProviderRegistry.load(classLoader()).keySet());
  }

  /**
   * Returns the hardware a provider on the class path serves on, without opening a client.
   *
   * @param providerId e.g. the id a provider module registers
   * @return the provider's rows, each naming its source; empty for a provider without any
   * @throws NotFoundException if no provider has that id
   */
  public static List<HardwareOffering> offerings(String providerId) {
    return ProviderRegistry.find(providerId, classLoader()).offerings();
  }

  /**
   * Resolves a portable accelerator against a provider's {@link #offerings(String) offerings},
   * without opening a client: what a deployment with it would run on, and why.
   *
   * <pre>{@code
   * AcceleratorResolution r = Serve4j.resolve("gcp", Accelerator.gpu(DeviceType.NVIDIA_L4, 1));
   * r.sku();           // "g2-standard-8"
   * r.explanation();   // "1x nvidia-l4 on gcp is g2-standard-8 with 1x NVIDIA_L4 (8 vCPUs, ...)"
   * }</pre>
   *
   * @param providerId the provider id
   * @param accelerator the portable spec
   * @return the chosen offering with an explanation
   * @throws NotFoundException if no provider has that id
   * @throws UnsupportedCapabilityException if the provider offers nothing that fits, listing what
   *     it does offer
   */
  public static AcceleratorResolution resolve(String providerId, Accelerator accelerator) {
    ServingProvider provider = ProviderRegistry.find(providerId, classLoader());
    return HardwareOfferings.resolve(provider.id(), provider.offerings(), accelerator);
  }

  /**
   * Starts a builder.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  private static ClassLoader classLoader() {
    ClassLoader l = Thread.currentThread().getContextClassLoader();
    return l != null ? l : Serve4j.class.getClassLoader();
  }

  /** Builds a {@link ServingClient}. Not thread-safe; the client it builds is. */
  public static final class Builder {
    private String providerId;
    private URI uri;
    private ProviderOptions options;
    private ServingProvider provider;
    private final List<ServingListener> listeners = new ArrayList<>();
    private Duration predictTimeout = Duration.ofSeconds(60);
    private Duration operationTimeout = Duration.ofMinutes(60);
    private Duration callTimeout = Duration.ofSeconds(60);
    private long maxRequestBytes = 64L * 1024 * 1024;
    private long maxResponseBytes = ClientConfig.DEFAULT_MAX_RESPONSE_BYTES;
    private ScheduledExecutorService scheduler;
    private Duration closeGrace = ClientConfig.DEFAULT_CLOSE_GRACE;
    private RetryPolicy retryPolicy = RetryPolicy.defaults();
    private CircuitBreakerPolicy circuitBreaker;

    private Builder() {}

    /**
     * Sets how failed predictions, describes and lists are retried; default {@link
     * RetryPolicy#defaults()}. Use {@link RetryPolicy#none()} to turn retries off.
     *
     * @param policy the policy
     * @return this builder
     */
    public Builder retryPolicy(RetryPolicy policy) {
      this.retryPolicy = Objects.requireNonNull(policy);
      return this;
    }

    /**
     * Puts a circuit breaker in front of each endpoint's predictions; none by default. While a
     * breaker is open, predictions fail at once with a non-retryable {@link UnavailableException},
     * and listeners hear every state change. {@link CircuitBreakerPolicy#defaults()} counts only
     * the service's failures that say the endpoint is unwell (unavailable, timeout, throttled,
     * internal).
     *
     * @param policy the breaker settings, or null for none
     * @return this builder
     */
    public Builder circuitBreaker(CircuitBreakerPolicy policy) {
      this.circuitBreaker = policy;
      return this;
    }

    /**
     * Chooses the provider by id.
     *
     * @param providerId the id
     * @return this builder
     */
    public Builder provider(String providerId) {
      this.providerId = providerId;
      return this;
    }

    /**
     * Uses this provider instance instead of looking one up; it always wins.
     *
     * @param provider the provider
     * @return this builder
     */
    public Builder provider(ServingProvider provider) {
      this.provider = provider;
      return this;
    }

    /**
     * Chooses the provider and its options by URI.
     *
     * @param uri e.g. {@code aws://us-east-1}
     * @return this builder
     */
    public Builder uri(URI uri) {
      this.uri = uri;
      return this;
    }

    /**
     * Sets typed provider options; they also choose the provider.
     *
     * @param options the options
     * @return this builder
     */
    public Builder options(ProviderOptions options) {
      this.options = options;
      return this;
    }

    /**
     * Adds a listener of every call.
     *
     * @param listener the listener
     * @return this builder
     */
    public Builder listener(ServingListener listener) {
      listeners.add(Objects.requireNonNull(listener));
      return this;
    }

    /**
     * Sets the default per-prediction timeout (a request's own timeout wins); default 60 s.
     *
     * @param timeout the timeout
     * @return this builder
     */
    public Builder predictTimeout(Duration timeout) {
      this.predictTimeout = requirePositive(timeout);
      return this;
    }

    /**
     * Sets the deadline of long-running operations (deploy, update, delete, batch); default 60 min.
     *
     * @param timeout the deadline from start
     * @return this builder
     */
    public Builder operationTimeout(Duration timeout) {
      this.operationTimeout = requirePositive(timeout);
      return this;
    }

    /**
     * Sets the timeout of control calls (describe, list); default 60 s.
     *
     * @param timeout the timeout
     * @return this builder
     */
    public Builder callTimeout(Duration timeout) {
      this.callTimeout = requirePositive(timeout);
      return this;
    }

    /**
     * Sets the largest request accepted; default 64 MiB.
     *
     * @param bytes the limit
     * @return this builder
     */
    public Builder maxRequestBytes(long bytes) {
      if (bytes < 1) {
        throw new IllegalArgumentException("maxRequestBytes must be >= 1");
      }
      this.maxRequestBytes = bytes;
      return this;
    }

    /**
     * Sets the largest response accepted from a prediction: the bytes of its output tensors plus
     * any raw payload; default 64 MiB. A larger response fails the prediction with a non-retryable
     * {@link io.serve4j.QuotaExceededException} (origin CLIENT) naming both sizes. Remote providers
     * have received and decoded the body by then; the JSON codec streams it, so decoding needs
     * about the tensors' size, not a multiple of the body.
     *
     * @param bytes the limit
     * @return this builder
     * @throws IllegalArgumentException if {@code bytes < 1}
     */
    public Builder maxResponseBytes(long bytes) {
      if (bytes < 1) {
        throw new IllegalArgumentException("maxResponseBytes must be >= 1");
      }
      this.maxResponseBytes = bytes;
      return this;
    }

    /**
     * Uses the caller's scheduler for timers (retry back-offs) and polling; the client will not
     * shut it down. By default the client creates a small daemon scheduler at its first use and
     * shuts it down on close. Deadlines of calls and operations are watched by serve4j's one shared
     * deadline thread, not by this scheduler.
     *
     * @param scheduler the scheduler
     * @return this builder
     */
    public Builder scheduler(ScheduledExecutorService scheduler) {
      this.scheduler = scheduler;
      return this;
    }

    /**
     * How long {@link ServingClient#close()} waits for the undo work of operations it stopped
     * (deleting what a cancelled or timed-out deploy created, putting back an update) that is still
     * waiting on the client's own scheduler; default 10 seconds. Work still running after it is
     * abandoned and logged (a WARNING of logger {@code io.serve4j.ServingClient} with a {@code
     * TimeoutException} naming it). With {@link #scheduler(ScheduledExecutorService)} the caller's
     * scheduler is never shut down, so such work goes on past close.
     *
     * @param grace the longest close waits; zero to abandon at once
     * @return this builder
     */
    public Builder closeGrace(Duration grace) {
      if (grace == null || grace.isNegative()) {
        throw new IllegalArgumentException("closeGrace must be >= 0, was " + grace);
      }
      this.closeGrace = grace;
      return this;
    }

    /**
     * Builds the client.
     *
     * @return the client
     * @throws NotFoundException if the provider is not on the class path
     * @throws InvalidInputException if the options do not fit the provider
     */
    public ServingClient build() {
      ServingProvider p = provider;
      ProviderOptions o = options;
      ClassLoader loader = classLoader();
      if (p == null) {
        String id = o != null ? o.providerId() : uri != null ? uri.getScheme() : providerId;
        if (id == null) {
          throw new IllegalStateException(
              "choose a provider: provider(id), uri(uri) or options(o)");
        }
        p = ProviderRegistry.find(id, loader);
      }
      if (o == null) {
        o = uri != null ? p.optionsFrom(uri) : p.defaultOptions();
      }
      ProviderRegistry.checkOptions(p, o);
      ClientConfig config =
          new ClientConfig(
              listeners,
              predictTimeout,
              operationTimeout,
              callTimeout,
              maxRequestBytes,
              maxResponseBytes,
              retryPolicy,
              circuitBreaker,
              closeGrace);
      return ServingClients.open(p, o, config, scheduler);
    }

    private static Duration requirePositive(Duration d) {
      if (d == null || d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException("duration must be positive, was " + d);
      }
      return d;
    }
  }
}
