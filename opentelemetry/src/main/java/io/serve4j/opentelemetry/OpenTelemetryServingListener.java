package io.serve4j.opentelemetry;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.LongHistogram;
import io.opentelemetry.api.metrics.LongUpDownCounter;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
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
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * OpenTelemetry spans and metrics for every call of the clients it is added to, for applications
 * that use the OpenTelemetry API without Micrometer.
 *
 * <pre>{@code
 * OpenTelemetry otel = GlobalOpenTelemetry.get(); // or the SDK you built
 * ServingClient client = Serve4j.builder()
 *     .provider("azure")
 *     .listener(new OpenTelemetryServingListener(otel))
 *     .build();
 * }</pre>
 *
 * <p><b>Spans.</b> One {@link SpanKind#CLIENT} span per call and per long-running operation, named
 * {@code "<operation> <endpoint>"} (e.g. {@code predict fraud}), child of the context current when
 * the call was made. Attributes: {@code serve4j.provider}, {@code serve4j.operation}, {@code
 * serve4j.endpoint}, {@code serve4j.request.id}, {@code cloud.provider} (OpenTelemetry's: {@code
 * aws}, {@code azure}, {@code gcp}) for the cloud providers, {@code serve4j.deployment} (the
 * deployment that served a prediction, when known), {@code serve4j.retries}, and on failure {@code
 * error.type} (OpenTelemetry's general error attribute: the error category, e.g. {@code
 * throttled}), the exception event and status {@code ERROR}. Each retry is a span event {@code
 * serve4j.retry} with {@code serve4j.retry.attempt}, {@code error.type} and {@code
 * serve4j.retry.delay_ms}; a dynamic batcher's run is an event {@code serve4j.batch} with its size,
 * queue and compute time. The span is current on the thread that calls the provider (core's {@link
 * ServingListener#onAttempt} scope), so a vendor SDK instrumented with OpenTelemetry (azure-core
 * with {@code azure-core-tracing-opentelemetry}, the AWS SDK's or gRPC's OpenTelemetry
 * interceptors) makes its HTTP span a child of it.
 *
 * <p><b>Metrics</b> (instrumentation scope {@value #SCOPE}): the same facts as the Micrometer
 * module's meters, named as in its table with OpenTelemetry units: {@code serve4j.call.duration}
 * (s), {@code serve4j.operation.duration} (s), {@code serve4j.call.active}, {@code
 * serve4j.operation.active}, {@code serve4j.errors}, {@code serve4j.call.retries}, {@code
 * serve4j.call.retry.delay} (s), {@code serve4j.circuit.state}, {@code
 * serve4j.batch.queue.duration} (s), {@code serve4j.batch.compute.duration} (s), {@code
 * serve4j.batch.size} (rows). Attributes are low-cardinality: provider, operation, endpoint,
 * deployment, {@code error.type}, retried.
 *
 * <p>Thread-safe; one instance may serve many clients. Callbacks never throw.
 */
public final class OpenTelemetryServingListener implements ServingListener {
  /** The instrumentation scope name of the tracer and the meter. */
  public static final String SCOPE = "io.serve4j";

  /** The attribute value for an attribute that does not apply (no deployment known, no error). */
  public static final String NONE = "none";

  static final AttributeKey<String> PROVIDER = AttributeKey.stringKey("serve4j.provider");
  static final AttributeKey<String> OPERATION = AttributeKey.stringKey("serve4j.operation");
  static final AttributeKey<String> ENDPOINT = AttributeKey.stringKey("serve4j.endpoint");
  static final AttributeKey<String> DEPLOYMENT = AttributeKey.stringKey("serve4j.deployment");
  static final AttributeKey<String> REQUEST_ID = AttributeKey.stringKey("serve4j.request.id");
  static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
  static final AttributeKey<String> CLOUD_PROVIDER = AttributeKey.stringKey("cloud.provider");
  static final AttributeKey<Boolean> RETRIED = AttributeKey.booleanKey("serve4j.retried");
  static final AttributeKey<Long> RETRIES = AttributeKey.longKey("serve4j.retries");
  static final AttributeKey<Long> RETRY_ATTEMPT = AttributeKey.longKey("serve4j.retry.attempt");
  static final AttributeKey<Long> RETRY_DELAY = AttributeKey.longKey("serve4j.retry.delay_ms");
  static final AttributeKey<String> STATE = AttributeKey.stringKey("serve4j.circuit.state");
  static final AttributeKey<Long> BATCH_REQUESTS = AttributeKey.longKey("serve4j.batch.requests");
  static final AttributeKey<Long> BATCH_ROWS = AttributeKey.longKey("serve4j.batch.rows");
  static final AttributeKey<Double> BATCH_QUEUE_S =
      AttributeKey.doubleKey("serve4j.batch.queue_time_s");
  static final AttributeKey<Double> BATCH_COMPUTE_S =
      AttributeKey.doubleKey("serve4j.batch.compute_time_s");

  private static final Set<String> CLOUDS = Set.of("aws", "azure", "gcp");

  private final Tracer tracer;
  private final DoubleHistogram callDuration;
  private final DoubleHistogram operationDuration;
  private final LongUpDownCounter callActive;
  private final LongUpDownCounter operationActive;
  private final LongCounter errors;
  private final LongCounter retries;
  private final DoubleHistogram retryDelay;
  private final DoubleHistogram batchQueue;
  private final DoubleHistogram batchCompute;
  private final LongHistogram batchSize;
  private final ConcurrentHashMap<String, ProviderAttributes> byProvider =
      new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Attributes, AtomicReference<CircuitState>> circuits =
      new ConcurrentHashMap<>();

  /**
   * Creates the listener.
   *
   * @param openTelemetry where spans and metrics go
   */
  public OpenTelemetryServingListener(OpenTelemetry openTelemetry) {
    Objects.requireNonNull(openTelemetry, "openTelemetry");
    this.tracer = openTelemetry.getTracer(SCOPE);
    Meter meter = openTelemetry.getMeter(SCOPE);
    callDuration =
        meter
            .histogramBuilder("serve4j.call.duration")
            .setUnit("s")
            .setDescription("calls (all attempts), from start to outcome")
            .build();
    operationDuration =
        meter
            .histogramBuilder("serve4j.operation.duration")
            .setUnit("s")
            .setDescription("long-running operations, from start to outcome")
            .build();
    callActive =
        meter
            .upDownCounterBuilder("serve4j.call.active")
            .setUnit("{call}")
            .setDescription("calls in flight")
            .build();
    operationActive =
        meter
            .upDownCounterBuilder("serve4j.operation.active")
            .setUnit("{operation}")
            .setDescription("long-running operations in flight")
            .build();
    errors =
        meter
            .counterBuilder("serve4j.errors")
            .setUnit("{error}")
            .setDescription("failed calls and operations, by error category")
            .build();
    retries =
        meter
            .counterBuilder("serve4j.call.retries")
            .setUnit("{retry}")
            .setDescription("retries of calls")
            .build();
    retryDelay =
        meter
            .histogramBuilder("serve4j.call.retry.delay")
            .setUnit("s")
            .setDescription("delays waited before retries")
            .build();
    batchQueue =
        meter
            .histogramBuilder("serve4j.batch.queue.duration")
            .setUnit("s")
            .setDescription("time a request waited in the batcher before its run started")
            .build();
    batchCompute =
        meter
            .histogramBuilder("serve4j.batch.compute.duration")
            .setUnit("s")
            .setDescription("compute time of the run that carried each request")
            .build();
    batchSize =
        meter
            .histogramBuilder("serve4j.batch.size")
            .ofLongs()
            .setUnit("{row}")
            .setDescription("rows of the run that carried each request")
            .build();
    meter
        .gaugeBuilder("serve4j.circuit.state")
        .ofLongs()
        .setDescription("1 for the circuit breaker's current state, 0 for the others")
        .buildWithCallback(
            m ->
                circuits.forEach(
                    (attrs, state) -> {
                      CircuitState now = state.get();
                      for (CircuitState s : CircuitState.values()) {
                        m.record(
                            s == now ? 1 : 0,
                            attrs.toBuilder()
                                .put(STATE, s.name().toLowerCase(Locale.ROOT))
                                .build());
                      }
                    }));
  }

  @Override
  public ServingListener forCall(CallInfo call) {
    return new Call(call, attributes(call), Context.current());
  }

  @Override
  public void onCircuitStateChange(
      String providerId, String endpoint, CircuitState from, CircuitState to) {
    Attributes key = Attributes.of(PROVIDER, providerId, ENDPOINT, endpoint);
    circuits.computeIfAbsent(key, k -> new AtomicReference<>(from)).set(to);
  }

  /** One call: its span and the facts known only at its end. */
  private final class Call implements ServingListener {
    private final CallInfo info;
    private final EndpointAttributes attrs;
    private final Context parent;
    private volatile Span span = Span.getInvalid();
    private volatile Context context;
    private volatile int retried;
    private volatile String deployment;
    private volatile BatchRun batch;

    Call(CallInfo info, EndpointAttributes attrs, Context parent) {
      this.info = info;
      this.attrs = attrs;
      this.parent = parent;
      this.context = parent;
    }

    @Override
    public void onStart(CallInfo call) {
      Span s =
          tracer
              .spanBuilder(attrs.spanName)
              .setParent(parent)
              .setSpanKind(SpanKind.CLIENT)
              .setAllAttributes(attrs.base)
              .setAttribute(REQUEST_ID, info.requestId())
              .startSpan();
      span = s;
      context = parent.with(s);
      (attrs.longRunning ? operationActive : callActive).add(1, attrs.base);
    }

    @Override
    public Scope onAttempt(CallInfo call, int attempt) {
      io.opentelemetry.context.Scope scope = context.makeCurrent();
      return scope::close;
    }

    @Override
    public void onRetry(CallInfo call, int attempt, ServingException error, Duration delay) {
      retried = attempt;
      String type = category(error.category());
      retries.add(1, attrs.withError(error.category()));
      retryDelay.record(seconds(delay), attrs.withError(error.category()));
      span.addEvent(
          "serve4j.retry",
          Attributes.of(
              RETRY_ATTEMPT, (long) attempt, ERROR_TYPE, type, RETRY_DELAY, delay.toMillis()));
    }

    @Override
    public void onBatch(CallInfo call, BatchRun run) {
      batch = run;
      span.addEvent(
          "serve4j.batch",
          Attributes.of(
              BATCH_REQUESTS,
              (long) run.requests(),
              BATCH_ROWS,
              run.rows(),
              BATCH_QUEUE_S,
              seconds(run.queueTime()),
              BATCH_COMPUTE_S,
              seconds(run.computeTime())));
    }

    @Override
    public void onResponse(CallInfo call, InferenceResponse response) {
      deployment = response.deployment().orElse(null);
    }

    @Override
    public void onSuccess(CallInfo call, Duration elapsed) {
      String d = deployment;
      Attributes outcome = attrs.outcome(d, null, retried > 0);
      end(outcome, elapsed, d);
      span.end();
    }

    @Override
    public void onError(CallInfo call, ServingException error, Duration elapsed) {
      ErrorCategory category = error.category();
      end(attrs.outcome(null, category, retried > 0), elapsed, null);
      errors.add(1, attrs.withError(category));
      Span s = span;
      s.setAttribute(ERROR_TYPE, category(category));
      s.recordException(error);
      s.setStatus(StatusCode.ERROR, category(category));
      s.end();
    }

    private void end(Attributes outcome, Duration elapsed, String d) {
      (attrs.longRunning ? operationActive : callActive).add(-1, attrs.base);
      (attrs.longRunning ? operationDuration : callDuration).record(seconds(elapsed), outcome);
      Span s = span;
      if (d != null) {
        s.setAttribute(DEPLOYMENT, d);
      }
      if (retried > 0) {
        s.setAttribute(RETRIES, (long) retried);
      }
      BatchRun run = batch;
      if (run != null) {
        Attributes b = attrs.batch(d);
        batchQueue.record(seconds(run.queueTime()), b);
        batchCompute.record(seconds(run.computeTime()), b);
        batchSize.record(run.rows(), b);
      }
    }
  }

  // ---------------------------------------------------------------- attributes, cached

  static double seconds(Duration d) {
    return d.toNanos() / 1e9;
  }

  static String category(ErrorCategory category) {
    return category == null ? NONE : category.name().toLowerCase(Locale.ROOT);
  }

  private EndpointAttributes attributes(CallInfo call) {
    ProviderAttributes p = byProvider.get(call.providerId());
    if (p == null) {
      p = byProvider.computeIfAbsent(call.providerId(), ProviderAttributes::new);
    }
    return p.endpoint(call.operation(), call.endpoint());
  }

  private static final class ProviderAttributes {
    private final String provider;
    private final List<ConcurrentHashMap<String, EndpointAttributes>> byKind = new ArrayList<>();

    ProviderAttributes(String provider) {
      this.provider = provider;
      for (int i = 0; i < OperationKind.values().length; i++) {
        byKind.add(new ConcurrentHashMap<>());
      }
    }

    EndpointAttributes endpoint(OperationKind kind, String endpoint) {
      ConcurrentHashMap<String, EndpointAttributes> map = byKind.get(kind.ordinal());
      EndpointAttributes a = map.get(endpoint);
      if (a == null) {
        a = map.computeIfAbsent(endpoint, e -> new EndpointAttributes(provider, kind, e));
      }
      return a;
    }
  }

  /** The attribute sets of one (provider, operation, endpoint), built once per tag set. */
  private static final class EndpointAttributes {
    final Attributes base;
    final String spanName;
    final boolean longRunning;
    private final ConcurrentHashMap<String, Attributes[]> successes = new ConcurrentHashMap<>();
    private final Attributes[][] failures = new Attributes[ErrorCategory.values().length][];
    private final Attributes[] withError = new Attributes[ErrorCategory.values().length];
    private final ConcurrentHashMap<String, Attributes> batches = new ConcurrentHashMap<>();

    EndpointAttributes(String provider, OperationKind kind, String endpoint) {
      String op = kind.name().toLowerCase(Locale.ROOT);
      AttributesBuilder b =
          Attributes.builder()
              .put(PROVIDER, provider)
              .put(OPERATION, op)
              .put(ENDPOINT, endpoint.isEmpty() ? NONE : endpoint);
      if (CLOUDS.contains(provider)) {
        b.put(CLOUD_PROVIDER, provider);
      }
      this.base = b.build();
      this.spanName = endpoint.isEmpty() ? op : op + " " + endpoint;
      this.longRunning = kind.isLongRunning();
    }

    Attributes outcome(String deployment, ErrorCategory category, boolean retried) {
      if (category == null) {
        String key = deployment == null ? "" : deployment;
        Attributes[] pair = successes.get(key);
        if (pair == null) {
          pair =
              successes.computeIfAbsent(
                  key,
                  k ->
                      new Attributes[] {
                        build(k.isEmpty() ? NONE : k, null, false),
                        build(k.isEmpty() ? NONE : k, null, true)
                      });
        }
        return pair[retried ? 1 : 0];
      }
      int i = category.ordinal();
      Attributes[] pair = failures[i];
      if (pair == null) {
        pair = new Attributes[] {build(NONE, category, false), build(NONE, category, true)};
        failures[i] = pair; // a racing thread builds an equal set
      }
      return pair[retried ? 1 : 0];
    }

    Attributes withError(ErrorCategory category) {
      int i = category.ordinal();
      Attributes a = withError[i];
      if (a == null) {
        a = base.toBuilder().put(ERROR_TYPE, category(category)).build();
        withError[i] = a;
      }
      return a;
    }

    Attributes batch(String deployment) {
      String key = deployment == null ? "" : deployment;
      Attributes a = batches.get(key);
      if (a == null) {
        a =
            batches.computeIfAbsent(
                key, k -> base.toBuilder().put(DEPLOYMENT, k.isEmpty() ? NONE : k).build());
      }
      return a;
    }

    private Attributes build(String deployment, ErrorCategory category, boolean retried) {
      // error.type only on failures, as OpenTelemetry's conventions ask.
      AttributesBuilder b = base.toBuilder();
      if (category != null) {
        b.put(ERROR_TYPE, category(category));
      }
      if (!longRunning) {
        b.put(DEPLOYMENT, deployment).put(RETRIED, retried);
      }
      return b.build();
    }
  }

  @Override
  public String toString() {
    return "OpenTelemetryServingListener";
  }
}
