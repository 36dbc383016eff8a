package io.serve4j.micrometer;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.serve4j.BatchRun;
import io.serve4j.CallInfo;
import io.serve4j.CircuitState;
import io.serve4j.ErrorCategory;
import io.serve4j.InferenceResponse;
import io.serve4j.OperationKind;
import io.serve4j.ServingException;
import io.serve4j.ServingListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Micrometer meters, and optionally Micrometer observations, for every call of the clients it is
 * added to: call durations by provider, operation, endpoint, deployment served, outcome, error
 * category and whether the call was retried; errors by category; retries and their delays;
 * circuit-breaker state; calls in flight; long-running operation durations and outcomes; and for
 * the local runtime's dynamic batcher the queue time, batch size and compute time of each request
 * (Triton's split). The names and tags are in the module README and in the constants below.
 *
 * <pre>{@code
 * MeterRegistry meters = new SimpleMeterRegistry();           // or Boot's, or Prometheus'
 * ObservationRegistry observations = ObservationRegistry.create(); // optional: spans, handlers
 * ServingClient client = Serve4j.builder()
 *     .provider("local")
 *     .listener(new MicrometerServingListener(meters, observations))
 *     .build();
 * }</pre>
 *
 * <p>Meters are recorded directly, on meters cached per tag set: a call allocates its own small
 * per-call record (see {@link ServingListener#forCall}) and whatever Micrometer itself needs, no
 * tags or builders. When an {@link ObservationRegistry} that is not a no-op is given, each call is
 * also an {@link Observation} named {@value #OBSERVATION} (contextual name {@code "<operation>
 * <endpoint>"}), made current around the provider call on the thread that calls the vendor SDK, so
 * that with Micrometer Tracing each call is a span with its retries as events and the SDK's own
 * spans as children. If that registry also has a meter handler (Spring Boot adds Micrometer's
 * {@code DefaultMeterObservationHandler}), the observations additionally yield a {@value
 * #OBSERVATION} timer; the {@code serve4j.*} meters below are this listener's own and do not depend
 * on it.
 *
 * <p>Thread-safe; one instance may serve many clients. Listener callbacks never throw.
 */
public final class MicrometerServingListener implements ServingListener {
  /** Timer of short calls (predict, describe, list, describe batch job), from start to outcome. */
  public static final String CALL = "serve4j.call";

  /** Gauge of short calls in flight. */
  public static final String CALL_ACTIVE = "serve4j.call.active";

  /** Counter of failed calls and operations, by error category. */
  public static final String ERRORS = "serve4j.errors";

  /** Timer of retries: its count is the number of retries, its total the delays waited. */
  public static final String RETRIES = "serve4j.call.retries";

  /** Gauge per circuit state: 1 for an endpoint's current state, 0 for the others. */
  public static final String CIRCUIT_STATE = "serve4j.circuit.state";

  /** Timer of long-running operations (deploy, update, shift traffic, delete, batch job, ...). */
  public static final String OPERATION = "serve4j.operation";

  /** Gauge of long-running operations in flight. */
  public static final String OPERATION_ACTIVE = "serve4j.operation.active";

  /** Timer of the time a request waited in the dynamic batcher before its run started. */
  public static final String BATCH_QUEUE = "serve4j.batch.queue";

  /** Distribution of the rows of the run that carried each request (request-weighted). */
  public static final String BATCH_SIZE = "serve4j.batch.size";

  /** Timer of the runtime's compute time of the run that carried each request. */
  public static final String BATCH_COMPUTE = "serve4j.batch.compute";

  /** The name of the {@link Observation} of each call. */
  public static final String OBSERVATION = "serve4j.client.call";

  /** The tag value for a tag that does not apply (no deployment known, no error). */
  public static final String NONE = "none";

  private final MeterRegistry registry;
  private final ObservationRegistry observations;
  private final ServingObservationConvention convention;
  private final double[] percentiles;
  private final boolean histogram;
  private final Duration[] slos;
  private final ConcurrentHashMap<String, ProviderMeters> byProvider = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, AtomicReference<CircuitState>> circuits =
      new ConcurrentHashMap<>();

  /**
   * Meters only, no observations.
   *
   * @param registry where the meters go
   */
  public MicrometerServingListener(MeterRegistry registry) {
    this(builder(registry));
  }

  /**
   * Meters and observations.
   *
   * @param registry where the meters go
   * @param observations where each call's observation goes; {@code null} or {@link
   *     ObservationRegistry#NOOP} for none
   */
  public MicrometerServingListener(MeterRegistry registry, ObservationRegistry observations) {
    this(builder(registry).observationRegistry(observations));
  }

  private MicrometerServingListener(Builder b) {
    this.registry = b.registry;
    this.observations = b.observations == null || b.observations.isNoop() ? null : b.observations;
    this.convention = b.convention;
    this.percentiles = b.percentiles;
    this.histogram = b.histogram;
    this.slos = b.slos;
  }

  /**
   * Starts a builder, for distribution settings and a custom observation convention.
   *
   * @param registry where the meters go
   * @return the builder
   */
  public static Builder builder(MeterRegistry registry) {
    return new Builder(registry);
  }

  /** Builds a {@link MicrometerServingListener}; not thread-safe, the product is immutable. */
  public static final class Builder {
    private final MeterRegistry registry;
    private ObservationRegistry observations;
    private ServingObservationConvention convention = new DefaultServingObservationConvention();
    private double[] percentiles = new double[0];
    private boolean histogram;
    private Duration[] slos = new Duration[0];

    private Builder(MeterRegistry registry) {
      this.registry = Objects.requireNonNull(registry, "registry");
    }

    /**
     * Sets where each call's observation goes (default: none).
     *
     * @param observations the registry, or {@code null} for none
     * @return this
     */
    public Builder observationRegistry(ObservationRegistry observations) {
      this.observations = observations;
      return this;
    }

    /**
     * Sets the observation convention (names, key values); default {@link
     * DefaultServingObservationConvention}. A convention registered on the {@link
     * ObservationRegistry} still wins, as Micrometer's rules say.
     *
     * @param convention the convention
     * @return this
     */
    public Builder observationConvention(ServingObservationConvention convention) {
      this.convention = Objects.requireNonNull(convention, "convention");
      return this;
    }

    /**
     * Sets client-side percentiles published by the timers (default: none), e.g. {@code 0.5, 0.99}.
     *
     * @param percentiles values in [0, 1]
     * @return this
     */
    public Builder percentiles(double... percentiles) {
      this.percentiles = percentiles.clone();
      return this;
    }

    /**
     * Publishes histogram buckets for the timers and the batch size (default: false), for {@code
     * histogram_quantile} in Prometheus.
     *
     * @param enabled whether to publish them
     * @return this
     */
    public Builder percentileHistogram(boolean enabled) {
      this.histogram = enabled;
      return this;
    }

    /**
     * Sets service-level objective buckets for the timers (default: none).
     *
     * @param slos the bucket boundaries
     * @return this
     */
    public Builder serviceLevelObjectives(Duration... slos) {
      this.slos = slos.clone();
      return this;
    }

    /**
     * Builds the listener.
     *
     * @return the listener
     */
    public MicrometerServingListener build() {
      return new MicrometerServingListener(this);
    }
  }

  // ---------------------------------------------------------------- listener

  @Override
  public ServingListener forCall(CallInfo call) {
    EndpointMeters meters = meters(call);
    Observation observation = null;
    if (observations != null) {
      ServingObservationContext context = new ServingObservationContext(call);
      // Named from the start (the convention names it again at stop), so that a tracing handler's
      // span and any event carry the name while the call runs.
      context.setContextualName(convention.getContextualName(context));
      observation = Observation.createNotStarted(null, convention, () -> context, observations);
    }
    return new Call(meters, observation);
  }

  @Override
  public void onCircuitStateChange(
      String providerId, String endpoint, CircuitState from, CircuitState to) {
    String key = providerId + '\u0000' + endpoint;
    AtomicReference<CircuitState> state = circuits.get(key);
    if (state == null) {
      state =
          circuits.computeIfAbsent(
              key,
              k -> {
                AtomicReference<CircuitState> s = new AtomicReference<>(from);
                for (CircuitState value : CircuitState.values()) {
                  Gauge.builder(CIRCUIT_STATE, s, r -> r.get() == value ? 1 : 0)
                      .description("1 for the circuit breaker's current state, 0 for the others")
                      .tag("provider", providerId)
                      .tag("endpoint", endpoint)
                      .tag("state", value.name().toLowerCase(Locale.ROOT))
                      .register(registry);
                }
                return s;
              });
    }
    state.set(to);
  }

  /** One call's state: its meters, whether it was retried, the deployment, its observation. */
  private final class Call implements ServingListener {
    private final EndpointMeters meters;
    private final Observation observation;
    private volatile boolean retried;
    private volatile String deployment;
    private volatile BatchRun batch;

    Call(EndpointMeters meters, Observation observation) {
      this.meters = meters;
      this.observation = observation;
    }

    @Override
    public void onStart(CallInfo call) {
      meters.active.incrementAndGet();
      if (observation != null) {
        observation.start();
      }
    }

    @Override
    public Scope onAttempt(CallInfo call, int attempt) {
      if (observation == null) {
        return Scope.NOOP;
      }
      Observation.Scope scope = observation.openScope();
      return scope::close;
    }

    @Override
    public void onRetry(CallInfo call, int attempt, ServingException error, Duration delay) {
      retried = true;
      meters.retries(error.category()).record(delay);
      if (observation != null) {
        ServingObservationContext ctx = (ServingObservationContext) observation.getContext();
        ctx.retries(attempt);
        observation.event(
            Observation.Event.of(
                "serve4j.retry",
                "attempt "
                    + attempt
                    + " failed ("
                    + category(error.category())
                    + "); retrying in "
                    + delay.toMillis()
                    + " ms"));
      }
    }

    @Override
    public void onBatch(CallInfo call, BatchRun run) {
      batch = run;
    }

    @Override
    public void onResponse(CallInfo call, InferenceResponse response) {
      deployment = response.deployment().orElse(null);
    }

    @Override
    public void onSuccess(CallInfo call, Duration elapsed) {
      meters.active.decrementAndGet();
      String d = deployment;
      meters.success(d, retried).record(elapsed);
      recordBatch(d);
      if (observation != null) {
        ServingObservationContext ctx = (ServingObservationContext) observation.getContext();
        ctx.outcome(d, null, retried);
        observation.stop();
      }
    }

    @Override
    public void onError(CallInfo call, ServingException error, Duration elapsed) {
      meters.active.decrementAndGet();
      ErrorCategory category = error.category();
      meters.failure(category, retried).record(elapsed);
      meters.errors(category).increment();
      recordBatch(null);
      if (observation != null) {
        ServingObservationContext ctx = (ServingObservationContext) observation.getContext();
        ctx.outcome(null, category, retried);
        observation.error(error);
        observation.stop();
      }
    }

    private void recordBatch(String d) {
      BatchRun run = batch;
      if (run != null) {
        BatchMeters b = meters.batch(d);
        b.queue.record(run.queueTime());
        b.compute.record(run.computeTime());
        b.size.record(run.rows());
      }
    }
  }

  // ---------------------------------------------------------------- meters

  static String category(ErrorCategory category) {
    return category == null ? NONE : category.name().toLowerCase(Locale.ROOT);
  }

  static String operation(OperationKind kind) {
    return kind.name().toLowerCase(Locale.ROOT);
  }

  private EndpointMeters meters(CallInfo call) {
    ProviderMeters p = byProvider.get(call.providerId());
    if (p == null) {
      p = byProvider.computeIfAbsent(call.providerId(), ProviderMeters::new);
    }
    return p.endpoint(call.operation(), call.endpoint());
  }

  /** The meters of one provider: per operation kind, per endpoint. */
  private final class ProviderMeters {
    private final String provider;
    private final List<ConcurrentHashMap<String, EndpointMeters>> byKind = new ArrayList<>();

    ProviderMeters(String provider) {
      this.provider = provider;
      for (int i = 0; i < OperationKind.values().length; i++) {
        byKind.add(new ConcurrentHashMap<>());
      }
    }

    EndpointMeters endpoint(OperationKind kind, String endpoint) {
      ConcurrentHashMap<String, EndpointMeters> map = byKind.get(kind.ordinal());
      EndpointMeters m = map.get(endpoint);
      if (m == null) {
        m = map.computeIfAbsent(endpoint, e -> new EndpointMeters(provider, kind, e));
      }
      return m;
    }
  }

  /** The meters of one (provider, operation, endpoint), created as tag values first appear. */
  private final class EndpointMeters {
    final String provider;
    final String operation;
    final String endpoint;
    final boolean longRunning;
    final AtomicInteger active = new AtomicInteger();
    // deployment ("" for none) -> [not retried, retried]
    private final ConcurrentHashMap<String, Timer[]> successes = new ConcurrentHashMap<>();
    private final Timer[][] failures = new Timer[ErrorCategory.values().length][];
    private final io.micrometer.core.instrument.Counter[] errors =
        new io.micrometer.core.instrument.Counter[ErrorCategory.values().length];
    private final Timer[] retries = new Timer[ErrorCategory.values().length];
    private final ConcurrentHashMap<String, BatchMeters> batches = new ConcurrentHashMap<>();

    EndpointMeters(String provider, OperationKind kind, String endpoint) {
      this.provider = provider;
      this.operation = operation(kind);
      this.endpoint = endpoint.isEmpty() ? NONE : endpoint;
      this.longRunning = kind.isLongRunning();
      Gauge.builder(longRunning ? OPERATION_ACTIVE : CALL_ACTIVE, active, AtomicInteger::get)
          .description(longRunning ? "long-running operations in flight" : "calls in flight")
          .tag("provider", provider)
          .tag("operation", operation)
          .tag("endpoint", this.endpoint)
          .register(registry);
    }

    Timer success(String deployment, boolean retried) {
      String key = deployment == null ? "" : deployment;
      Timer[] pair = successes.get(key);
      if (pair == null) {
        pair =
            successes.computeIfAbsent(
                key,
                k -> {
                  String d = k.isEmpty() ? NONE : k;
                  return new Timer[] {
                    timer(d, "success", null, false), timer(d, "success", null, true)
                  };
                });
      }
      return pair[retried ? 1 : 0];
    }

    Timer failure(ErrorCategory category, boolean retried) {
      int i = category.ordinal();
      Timer[] pair = failures[i];
      if (pair == null) {
        synchronized (this) {
          pair = failures[i];
          if (pair == null) {
            pair =
                new Timer[] {
                  timer(NONE, "error", category, false), timer(NONE, "error", category, true)
                };
            failures[i] = pair;
          }
        }
      }
      return pair[retried ? 1 : 0];
    }

    io.micrometer.core.instrument.Counter errors(ErrorCategory category) {
      int i = category.ordinal();
      io.micrometer.core.instrument.Counter c = errors[i];
      if (c == null) {
        c =
            io.micrometer.core.instrument.Counter.builder(ERRORS)
                .description("failed calls and operations, by error category")
                .tag("provider", provider)
                .tag("operation", operation)
                .tag("endpoint", endpoint)
                .tag("error.category", category(category))
                .register(registry);
        errors[i] = c; // the registry returns the same counter to a racing thread
      }
      return c;
    }

    Timer retries(ErrorCategory category) {
      int i = category.ordinal();
      Timer t = retries[i];
      if (t == null) {
        t =
            Timer.builder(RETRIES)
                .description("retries (count) and the delays waited before them (total)")
                .tag("provider", provider)
                .tag("operation", operation)
                .tag("endpoint", endpoint)
                .tag("error.category", category(category))
                .register(registry);
        retries[i] = t;
      }
      return t;
    }

    BatchMeters batch(String deployment) {
      String key = deployment == null ? "" : deployment;
      BatchMeters b = batches.get(key);
      if (b == null) {
        b =
            batches.computeIfAbsent(
                key, k -> new BatchMeters(provider, endpoint, k.isEmpty() ? NONE : k));
      }
      return b;
    }

    private Timer timer(
        String deployment, String outcome, ErrorCategory category, boolean retried) {
      Timer.Builder b =
          Timer.builder(longRunning ? OPERATION : CALL)
              .description(
                  longRunning
                      ? "long-running operations, from start to outcome"
                      : "calls (all attempts), from start to outcome")
              .tag("provider", provider)
              .tag("operation", operation)
              .tag("endpoint", endpoint)
              .tag("outcome", outcome)
              .tag("error.category", category(category));
      if (!longRunning) {
        b = b.tag("deployment", deployment).tag("retried", Boolean.toString(retried));
      }
      return distribution(b).register(registry);
    }
  }

  /** The batcher meters of one (provider, endpoint, deployment). */
  private final class BatchMeters {
    final Timer queue;
    final Timer compute;
    final DistributionSummary size;

    BatchMeters(String provider, String endpoint, String deployment) {
      queue =
          distribution(
                  Timer.builder(BATCH_QUEUE)
                      .description("time a request waited in the batcher before its run started"))
              .tag("provider", provider)
              .tag("endpoint", endpoint)
              .tag("deployment", deployment)
              .register(registry);
      compute =
          distribution(
                  Timer.builder(BATCH_COMPUTE)
                      .description("compute time of the run that carried each request"))
              .tag("provider", provider)
              .tag("endpoint", endpoint)
              .tag("deployment", deployment)
              .register(registry);
      DistributionSummary.Builder s =
          DistributionSummary.builder(BATCH_SIZE)
              .description("rows of the run that carried each request")
              .baseUnit("rows")
              .tag("provider", provider)
              .tag("endpoint", endpoint)
              .tag("deployment", deployment)
              .publishPercentileHistogram(histogram);
      if (percentiles.length > 0) {
        s = s.publishPercentiles(percentiles);
      }
      size = s.register(registry);
    }
  }

  private Timer.Builder distribution(Timer.Builder b) {
    b = b.publishPercentileHistogram(histogram);
    if (percentiles.length > 0) {
      b = b.publishPercentiles(percentiles);
    }
    if (slos.length > 0) {
      b = b.serviceLevelObjectives(slos);
    }
    return b;
  }

  @Override
  public String toString() {
    return "MicrometerServingListener["
        + registry.getClass().getSimpleName()
        + (observations != null ? ", observations" : "")
        + (percentiles.length > 0 ? ", percentiles=" + Arrays.toString(percentiles) : "")
        + "]";
  }
}
