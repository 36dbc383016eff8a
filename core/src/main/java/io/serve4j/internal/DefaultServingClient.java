package io.serve4j.internal;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.serve4j.BatchJobDescription;
import io.serve4j.BatchJobSpec;
import io.serve4j.BatchRun;
import io.serve4j.CallInfo;
import io.serve4j.Capability;
import io.serve4j.CircuitState;
import io.serve4j.DeploymentDescription;
import io.serve4j.DeploymentSpec;
import io.serve4j.Endpoint;
import io.serve4j.EndpointDescription;
import io.serve4j.EndpointSpec;
import io.serve4j.ErrorCategory;
import io.serve4j.InferenceResponse;
import io.serve4j.ModelSignature;
import io.serve4j.Operation;
import io.serve4j.OperationKind;
import io.serve4j.RetryPolicy;
import io.serve4j.ServingClient;
import io.serve4j.ServingException;
import io.serve4j.ServingListener;
import io.serve4j.spi.BatchJobs;
import io.serve4j.spi.CallContext;
import io.serve4j.spi.CallObserver;
import io.serve4j.spi.Deadline;
import io.serve4j.spi.ProviderSession;
import io.serve4j.spi.ServingProvider;
import io.serve4j.spi.Wire;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Core's template around a {@link ProviderSession}: the open check, capability checks, deadlines,
 * retries, listeners, error mapping and cancellation (through {@link Wire}) and the
 * endpoint-description cache live here once for every provider. Not public: {@link
 * ServingClients#open} creates it, users see a {@link ServingClient}.
 */
final class DefaultServingClient implements ServingClient {
  private final String providerId;
  private final Set<Capability> capabilities;
  private final boolean readsOnnxSignatures;
  private final ProviderSession session;
  private final Wire wire;
  private final ClientConfig config;
  private final ScheduledExecutorService scheduler;
  private final ConcurrentHashMap<String, String> predictWhat = new ConcurrentHashMap<>();
  private final boolean ownsScheduler;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Map<String, Known> known = new ConcurrentHashMap<>();
  // Calls and operations not answered yet (those answered on the caller's thread never enter):
  // close() fails them at once instead of leaving them to wait for a scheduler it shut down.
  private final Set<CompletableFuture<?>> inFlight = ConcurrentHashMap.newKeySet();
  private final Set<DefaultOperation<?>> operationsInFlight = ConcurrentHashMap.newKeySet();
  private final Map<String, RetryBudget> budgets = new ConcurrentHashMap<>();
  private final Map<String, CircuitBreaker> breakerByEndpoint = new ConcurrentHashMap<>();
  private final CircuitBreakerRegistry breakers;

  /**
   * Creates the client.
   *
   * @param provider the provider
   * @param session the provider's opened role parts
   * @param config core settings
   * @param scheduler the scheduler shared with the provider
   * @param ownsScheduler whether close() shuts the scheduler down
   */
  DefaultServingClient(
      ServingProvider provider,
      ProviderSession session,
      ClientConfig config,
      ScheduledExecutorService scheduler,
      boolean ownsScheduler) {
    this.providerId = provider.id();
    this.capabilities = Set.copyOf(provider.capabilities());
    this.readsOnnxSignatures = provider.readsOnnxSignatures();
    this.session = session;
    this.wire = Wire.of(providerId, provider.errorMapper());
    this.config = config;
    this.scheduler = scheduler;
    this.ownsScheduler = ownsScheduler;
    this.breakers =
        config.circuitBreaker() == null
            ? null
            : CircuitBreakerRegistry.of(CircuitBreakerConfigs.of(config.circuitBreaker()));
  }

  @Override
  public String providerId() {
    return providerId;
  }

  @Override
  public Set<Capability> capabilities() {
    return capabilities;
  }

  /**
   * Returns the core settings.
   *
   * @return the config
   */
  ClientConfig config() {
    return config;
  }

  /**
   * Returns the provider's role parts, for core's endpoint handle.
   *
   * @return the session
   */
  ProviderSession session() {
    return session;
  }

  /**
   * Returns the scheduler.
   *
   * @return the scheduler
   */
  ScheduledExecutorService scheduler() {
    return scheduler;
  }

  @Override
  public Operation<Endpoint> deploy(EndpointSpec requested) {
    ensureOpen();
    CapabilityCheck.check(providerId, capabilities, requested);
    EndpointSpec spec = resolveSignatures(requested);
    DefaultOperation<EndpointDescription> op =
        operation(
            OperationKind.DEPLOY,
            "deploy endpoint " + spec.name(),
            spec.name(),
            ctx -> session.lifecycle().createEndpoint(spec, ctx));
    return DefaultOperation.map(
        op,
        d -> {
          remember(spec, d);
          return endpoint(spec.name());
        });
  }

  @Override
  public Endpoint endpoint(String name) {
    ensureOpen();
    return new DefaultEndpoint(this, name);
  }

  @Override
  public List<EndpointDescription> listEndpoints() {
    return Futures.join(listEndpointsAsync(), providerId);
  }

  @Override
  public CompletableFuture<List<EndpointDescription>> listEndpointsAsync() {
    if (closed.get()) {
      return CompletableFuture.failedFuture(closedError());
    }
    return call(
        OperationKind.LIST,
        "",
        null,
        Deadline.after(config.callTimeout()),
        session.lifecycle()::listEndpoints);
  }

  @Override
  public Operation<BatchJobDescription> submitBatchJob(BatchJobSpec spec) {
    ensureOpen();
    CapabilityCheck.require(
        providerId, capabilities, Capability.BATCH_JOBS, "batch job '" + spec.name() + "'");
    return operation(
        OperationKind.BATCH_JOB,
        "batch job " + spec.name(),
        "",
        ctx -> batchJobs().runBatchJob(spec, ctx));
  }

  @Override
  public BatchJobDescription describeBatchJob(String name) {
    ensureOpen();
    CapabilityCheck.require(
        providerId, capabilities, Capability.BATCH_JOBS, "batch job '" + name + "'");
    return Futures.join(
        call(
            OperationKind.DESCRIBE_BATCH_JOB,
            "",
            null,
            Deadline.after(config.callTimeout()),
            ctx -> batchJobs().describeBatchJob(name, ctx)),
        providerId);
  }

  /**
   * Closes the client: calls and operations still running fail at once with a non-retryable {@link
   * io.serve4j.UnavailableException} saying the client is closed (their provider work is
   * cancelled), then the provider and the scheduler this client owns are closed.
   */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      try {
        for (CompletableFuture<?> f : inFlight) {
          f.completeExceptionally(closedError());
        }
        for (DefaultOperation<?> op : operationsInFlight) {
          op.abort(closedError());
        }
        session.close();
      } finally {
        if (ownsScheduler) {
          scheduler.shutdownNow();
        }
      }
    }
  }

  @Override
  public String toString() {
    return "ServingClient[" + providerId + (closed.get() ? ", closed" : "") + "]";
  }

  private BatchJobs batchJobs() {
    return session
        .batchJobs()
        .orElseThrow(
            () ->
                ServingException.builder(ErrorCategory.UNSUPPORTED_CAPABILITY)
                    .providerId(providerId)
                    .message("provider '" + providerId + "' declares batch jobs but has none")
                    .build());
  }

  /**
   * Reads the signatures of local ONNX files when the provider asks for it ({@link
   * ServingProvider#readsOnnxSignatures()}), before any call.
   *
   * @param spec the caller's spec
   * @return the spec the provider is given
   */
  EndpointSpec resolveSignatures(EndpointSpec spec) {
    return readsOnnxSignatures ? SignatureResolution.resolve(providerId, spec) : spec;
  }

  // ---------------------------------------------------------------- template

  void ensureOpen() {
    if (closed.get()) {
      throw closedError();
    }
  }

  /**
   * Returns whether {@link #close()} has been called.
   *
   * @return true once closed
   */
  boolean isClosed() {
    return closed.get();
  }

  /**
   * The error of a call made, or still running, after {@link #close()}: {@link
   * ErrorCategory#UNAVAILABLE}, not retryable (the same client will never answer).
   *
   * @return the error
   */
  ServingException closedError() {
    return ServingException.builder(ErrorCategory.UNAVAILABLE)
        .providerId(providerId)
        .retryable(false)
        .message("serving client '" + providerId + "' is closed")
        .build();
  }

  /**
   * Runs a long-running hook as an operation with the client's operation deadline.
   *
   * @param kind what it does
   * @param description what it does
   * @param endpoint endpoint name for listeners
   * @param hook the provider call
   * @param <T> the result
   * @return the operation
   */
  <T> DefaultOperation<T> operation(
      OperationKind kind,
      String description,
      String endpoint,
      Function<CallContext, CompletableFuture<T>> hook) {
    return operation(kind, description, endpoint, Deadline.after(config.operationTimeout()), hook);
  }

  /**
   * Runs a long-running hook as an operation with the given deadline.
   *
   * @param kind what it does
   * @param description what it does
   * @param endpoint endpoint name for listeners
   * @param deadline when the operation must be done
   * @param hook the provider call
   * @param <T> the result
   * @return the operation
   */
  <T> DefaultOperation<T> operation(
      OperationKind kind,
      String description,
      String endpoint,
      Deadline deadline,
      Function<CallContext, CompletableFuture<T>> hook) {
    String id = RequestIds.next();
    CallInfo info = new CallInfo(providerId, kind, endpoint, id);
    long start = System.nanoTime();
    List<ServingListener> listeners = forCall(info);
    if (!listeners.isEmpty()) {
      fire(listeners, l -> l.onStart(info));
    }
    OperationRun<T> run = new OperationRun<>(listeners, info, description, hook, start);
    DefaultOperation<T> operation =
        DefaultOperation.start(
            kind,
            description,
            providerId,
            id,
            deadline,
            scheduler,
            listeners.isEmpty() ? CallObserver.NONE : observer(listeners, info, 1),
            run);
    run.operation = operation;
    operationsInFlight.add(operation);
    operation.whenDone(run);
    if (closed.get()) {
      // Raced with close(), which may not have seen it.
      operation.abort(closedError());
    }
    return operation;
  }

  /**
   * An operation's provider call (in the listeners' scopes, through the wire) and its bookkeeping
   * when done, as one class rather than five lambdas: each lambda spins a class at first use, which
   * every cold deploy paid.
   */
  private final class OperationRun<T>
      implements Function<CallContext, CompletableFuture<T>>, BiConsumer<T, Throwable> {
    private final List<ServingListener> listeners;
    private final CallInfo info;
    private final String description;
    private final Function<CallContext, CompletableFuture<T>> hook;
    private final long start;
    private DefaultOperation<T> operation;

    OperationRun(
        List<ServingListener> listeners,
        CallInfo info,
        String description,
        Function<CallContext, CompletableFuture<T>> hook,
        long start) {
      this.listeners = listeners;
      this.info = info;
      this.description = description;
      this.hook = hook;
      this.start = start;
    }

    @Override
    public CompletableFuture<T> apply(CallContext ctx) {
      return listeners.isEmpty()
          ? wire.call(description, hook, ctx)
          : inScopes(listeners, info, 1, () -> wire.call(description, hook, ctx));
    }

    @Override
    public void accept(T value, Throwable error) {
      operationsInFlight.remove(operation);
      finish(listeners, info, start, value, error);
    }
  }

  /**
   * Runs a short hook with a deadline, retries, the endpoint's circuit breaker (predictions),
   * listeners and typed errors. Cancelling the returned future cancels the provider's.
   *
   * @param operation what it does, for listeners
   * @param endpoint endpoint name
   * @param requestId request id, or null to generate one
   * @param deadline the deadline for all attempts together
   * @param hook the provider call
   * @param <T> the result
   * @return the future
   */
  <T> CompletableFuture<T> call(
      OperationKind operation,
      String endpoint,
      String requestId,
      Deadline deadline,
      Function<CallContext, CompletableFuture<T>> hook) {
    Call call = new Call(operation, endpoint, requestId);
    // The deadline was made as the call started: its time, not another clock read.
    long start = deadline.startNanos();
    List<ServingListener> listeners = config.listeners();
    boolean listened = !listeners.isEmpty();
    if (listened) {
      CallInfo info = call.info();
      listeners = forCall(info);
      List<ServingListener> started = listeners;
      fire(started, l -> l.onStart(info));
    }
    CompletableFuture<T> result = new CompletableFuture<>();
    call.result = result;
    RetryBudget budget = budgets.get(endpoint); // get first: computeIfAbsent's lambda allocates
    if (budget == null) {
      budget = budgets.computeIfAbsent(endpoint, k -> newBudget());
    }
    budget.deposit();
    CircuitBreaker breaker =
        operation == OperationKind.PREDICT || operation == OperationKind.STREAM
            ? breaker(endpoint)
            : null;
    attempt(1, listeners, call, deadline, start, hook, result, budget, breaker);
    if (result.isDone() && !result.isCompletedExceptionally()) {
      // Answered on this thread (an in-process provider usually is): no deadline watch and no
      // forwarding future are needed, and listeners still hear it before the caller does.
      if (listened) {
        finish(listeners, call.info(), start, result.getNow(null), null);
      }
      return result;
    }
    CallInfo info = call.info();
    String id = info.requestId();
    // Watch the deadline only if the first attempt did not finish synchronously (an in-process
    // provider usually does). The watch schedules nothing and wakes no thread per call.
    Deadline.Watch watch =
        deadline.isFinite() && !result.isDone()
            ? deadline.onExpiry(
                () -> {
                  // Cancel the running attempt first, so that the provider's call is stopped by
                  // the time the caller sees the timeout.
                  cancel(call.current);
                  result.completeExceptionally(
                      ServingException.builder(ErrorCategory.TIMEOUT)
                          .providerId(providerId)
                          .requestId(id)
                          .message(
                              operationName(operation)
                                  + (endpoint.isEmpty() ? "" : " on endpoint '" + endpoint + "'")
                                  + " did not finish before its deadline")
                          .build());
                })
            : null;
    // Listeners hear the outcome before the caller does.
    CompletableFuture<T> visible = new CompletableFuture<>();
    List<ServingListener> finishing = listeners;
    inFlight.add(result);
    result.whenComplete(
        (v, e) -> {
          inFlight.remove(result);
          if (watch != null) {
            watch.cancel();
          }
          if (result.isCancelled() || closed.get()) {
            cancel(call.current);
          }
          finish(finishing, info, start, v, e);
          if (e == null) {
            visible.complete(v);
          } else {
            visible.completeExceptionally(Futures.unwrap(e));
          }
        });
    visible.whenComplete(
        (v, e) -> {
          if (visible.isCancelled()) {
            result.cancel(false);
          }
        });
    if (closed.get()) {
      // Raced with close(), which may not have seen it.
      result.completeExceptionally(closedError());
    }
    return visible;
  }

  private <T> void attempt(
      int n,
      List<ServingListener> listeners,
      Call call,
      Deadline deadline,
      long start,
      Function<CallContext, CompletableFuture<T>> hook,
      CompletableFuture<T> result,
      RetryBudget budget,
      CircuitBreaker breaker) {
    if (result.isDone()) {
      return;
    }
    if (breaker != null && !breaker.tryAcquirePermission()) {
      result.completeExceptionally(
          ServingException.builder(ErrorCategory.UNAVAILABLE)
              .providerId(providerId)
              .requestId(call.get())
              .retryable(false)
              .message(
                  "the circuit breaker of endpoint '"
                      + call.endpoint
                      + "' is "
                      + breaker.getState()
                      + " after repeated failures; calls fail fast until it lets a trial through")
              .build());
      return;
    }
    long attemptStart = breaker != null ? breaker.getCurrentTimestamp() : 0;
    // Core retries these calls: the context tells the provider to make one wire attempt. The call
    // itself answers whether it was cancelled (its result is done): no lambda per attempt.
    CallContext ctx =
        new CallContext(
            call,
            deadline,
            call,
            NO_PROGRESS,
            true,
            listeners.isEmpty() ? CallObserver.NONE : observer(listeners, call.info(), n));
    String what = what(call.operation, call.endpoint);
    CompletableFuture<T> work =
        listeners.isEmpty()
            ? wire.call(what, hook, ctx)
            : inScopes(listeners, call.info(), n, () -> wire.call(what, hook, ctx));
    call.current = work;
    if (result.isDone()) {
      cancel(work);
    }
    if (work.isDone() && !work.isCompletedExceptionally()) {
      // Answered on this thread: the success path without a dependent future.
      if (breaker != null) {
        breaker.onSuccess(breaker.getCurrentTimestamp() - attemptStart, breaker.getTimestampUnit());
      }
      result.complete(work.join());
      return;
    }
    work.whenComplete(
        (v, e) -> {
          if (e == null) {
            if (breaker != null) {
              breaker.onSuccess(
                  breaker.getCurrentTimestamp() - attemptStart, breaker.getTimestampUnit());
            }
            result.complete(v);
            return;
          }
          if (Futures.unwrap(e) instanceof java.util.concurrent.CancellationException) {
            // Cancelled by the caller or the deadline timer, which complete the result themselves.
            if (breaker != null) {
              breaker.releasePermission();
            }
            return;
          }
          ServingException se = withRequestId(Futures.toServing(e, providerId), call.get());
          if (breaker != null) {
            breaker.onError(
                breaker.getCurrentTimestamp() - attemptStart, breaker.getTimestampUnit(), se);
          }
          Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
          RetryPolicy policy = config.retryPolicy();
          if (closed.get()) {
            // No retry after close: the scheduler that would run it is shut down.
            result.completeExceptionally(closedError());
            return;
          }
          if (!result.isDone() && policy.allowsRetry(se, n, elapsed)) {
            Duration wait = policy.backoff(se, n);
            if (wait.compareTo(deadline.remaining()) < 0 && budget.tryWithdraw()) {
              CallInfo info = call.info();
              fire(listeners, l -> l.onRetry(info, n, se, wait));
              try {
                scheduler.schedule(
                    () ->
                        attempt(
                            n + 1, listeners, call, deadline, start, hook, result, budget, breaker),
                    wait.toNanos(),
                    TimeUnit.NANOSECONDS);
              } catch (RejectedExecutionException rejected) {
                // The scheduler was shut down (by close(), or the caller's own): no retry can run.
                result.completeExceptionally(closed.get() ? closedError() : se);
              }
              return;
            }
          }
          result.completeExceptionally(se);
        });
  }

  /**
   * What a call does, for error messages ("predict on endpoint 'fraud'"). Made on every call, so
   * the prediction's text is kept per endpoint (up to {@link #MAX_CACHED_WHAT} endpoints) instead
   * of being formatted again (three strings per call before).
   */
  private String what(OperationKind operation, String endpoint) {
    String kind = KINDS[operation.ordinal()];
    if (endpoint.isEmpty()) {
      return kind;
    }
    boolean cached = operation == OperationKind.PREDICT;
    String w = cached ? predictWhat.get(endpoint) : null;
    if (w == null) {
      w = kind + " on endpoint '" + endpoint + "'";
      if (cached && predictWhat.size() < MAX_CACHED_WHAT) {
        predictWhat.putIfAbsent(endpoint, w);
      }
    }
    return w;
  }

  /**
   * One call's identity. Its request id (the caller's, or a new one) and its {@link CallInfo} are
   * made when first asked for (by a listener, an error, a retry, the async path or the provider
   * through {@link CallContext#requestId()}), so that a call that succeeds on the caller's thread
   * without listeners formats no id (a UUID string and its CallInfo, ~150 B per prediction).
   */
  private final class Call implements Supplier<String>, BooleanSupplier {
    final OperationKind operation;
    final String endpoint;
    private volatile String id;
    private volatile CallInfo info;
    // the call's result, and the attempt in flight (cancelled with it)
    volatile CompletableFuture<?> result;
    volatile CompletableFuture<?> current;

    Call(OperationKind operation, String endpoint, String id) {
      this.operation = operation;
      this.endpoint = endpoint == null ? "" : endpoint;
      this.id = id;
    }

    /** Whether the call is over (answered, failed, cancelled or timed out): the attempt stops. */
    @Override
    public boolean getAsBoolean() {
      CompletableFuture<?> r = result;
      return r != null && r.isDone();
    }

    /** The request id, made once. */
    @Override
    public String get() {
      String i = id;
      if (i == null) {
        synchronized (this) {
          i = id;
          if (i == null) {
            i = RequestIds.next();
            id = i;
          }
        }
      }
      return i;
    }

    CallInfo info() {
      CallInfo i = info;
      if (i == null) {
        synchronized (this) {
          i = info;
          if (i == null) {
            i = new CallInfo(providerId, operation, endpoint, get());
            info = i;
          }
        }
      }
      return i;
    }
  }

  private static final int MAX_CACHED_WHAT = 1024;

  private static final Consumer<io.serve4j.OperationProgress> NO_PROGRESS = p -> {};

  private static final String[] KINDS = kinds();

  private static String[] kinds() {
    OperationKind[] all = OperationKind.values();
    String[] k = new String[all.length];
    for (OperationKind o : all) {
      k[o.ordinal()] = o.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ');
    }
    return k;
  }

  private static void cancel(CompletableFuture<?> f) {
    if (f != null) {
      f.cancel(true);
    }
  }

  /**
   * Types an error raised outside a core call (mid-stream) as the provider's mapper would.
   *
   * @param what what was being done, for the message
   * @param error the error
   * @param requestId the call's request id
   * @return the typed error
   */
  ServingException typed(String what, Throwable error, String requestId) {
    ServingException se = wire.typed(what, Futures.unwrap(error));
    if (se == null) {
      se =
          ServingException.builder(ErrorCategory.UNAVAILABLE)
              .providerId(providerId)
              .message("the " + what + " was cancelled by the provider")
              .build();
    }
    return withRequestId(se, requestId);
  }

  private static ServingException withRequestId(ServingException se, String id) {
    if (se.requestId().isPresent()) {
      return se;
    }
    ServingException withId = se.toBuilder().requestId(id).build();
    withId.setStackTrace(se.getStackTrace());
    return withId;
  }

  private RetryBudget newBudget() {
    return new RetryBudget(config.retryPolicy().budgetRatio(), config.retryPolicy().budgetBurst());
  }

  /**
   * For tests: the circuit breaker of an endpoint's predictions, or null without one.
   *
   * @param endpoint the endpoint
   * @return the breaker
   */
  CircuitBreaker breakerOf(String endpoint) {
    return breaker(endpoint);
  }

  private CircuitBreaker breaker(String endpoint) {
    if (breakers == null) {
      return null;
    }
    CircuitBreaker known = breakerByEndpoint.get(endpoint);
    if (known != null) {
      return known;
    }
    return breakerByEndpoint.computeIfAbsent(
        endpoint,
        name -> {
          CircuitBreaker b = breakers.circuitBreaker(providerId + ":" + name);
          if (config.listeners().isEmpty()) {
            // Nobody hears state changes: register no consumer, else resilience4j makes and
            // publishes an event (with a ZonedDateTime.now()) on every recorded call.
            return b;
          }
          b.getEventPublisher()
              .onStateTransition(
                  ev ->
                      fire(
                          l ->
                              l.onCircuitStateChange(
                                  providerId,
                                  name,
                                  state(ev.getStateTransition().getFromState()),
                                  state(ev.getStateTransition().getToState()))));
          return b;
        });
  }

  /**
   * Maps resilience4j's state to ours. serve4j configures neither forced nor disabled breakers, so
   * those only appear if someone reached into resilience4j: they map to what callers observe.
   */
  static CircuitState state(CircuitBreaker.State s) {
    return switch (s) {
      case CLOSED, DISABLED, METRICS_ONLY -> CircuitState.CLOSED;
      case OPEN, FORCED_OPEN -> CircuitState.OPEN;
      case HALF_OPEN -> CircuitState.HALF_OPEN;
    };
  }

  /** "predict", "describe", "list": how messages name a call. */
  private static String operationName(OperationKind kind) {
    return kind.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ');
  }

  private void finish(
      List<ServingListener> listeners, CallInfo info, long start, Object value, Throwable error) {
    if (listeners.isEmpty()) {
      return;
    }
    Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
    if (error == null) {
      if (value instanceof InferenceResponse r) {
        fire(listeners, l -> l.onResponse(info, r));
      }
      fire(listeners, l -> l.onSuccess(info, elapsed));
    } else if (!(Futures.unwrap(error) instanceof java.util.concurrent.CancellationException)) {
      ServingException se = Futures.toServing(error, providerId);
      fire(listeners, l -> l.onError(info, se, elapsed));
    }
  }

  /**
   * Calls every listener of the client, ignoring their failures.
   *
   * @param event the callback
   */
  void fire(Consumer<ServingListener> event) {
    fire(config.listeners(), event);
  }

  /** Calls every listener given (the client's, or one call's), ignoring their failures. */
  private static void fire(List<ServingListener> listeners, Consumer<ServingListener> event) {
    for (int i = 0; i < listeners.size(); i++) {
      try {
        event.accept(listeners.get(i));
      } catch (RuntimeException ignored) {
        // listeners must not break calls
      }
    }
  }

  /**
   * The listeners of one call: each client listener's {@link ServingListener#forCall}; the client's
   * own list (no allocation) when every one keeps the call's events itself.
   */
  private List<ServingListener> forCall(CallInfo info) {
    List<ServingListener> all = config.listeners();
    List<ServingListener> mine = all;
    for (int i = 0; i < all.size(); i++) {
      ServingListener l = all.get(i);
      ServingListener c;
      try {
        c = l.forCall(info);
      } catch (RuntimeException e) {
        c = l;
      }
      if (c != null && c != l) {
        if (all.size() == 1) {
          return List.of(c); // the usual case: one listener, the smallest list
        }
        if (mine == all) {
          mine = new ArrayList<>(all);
        }
        mine.set(i, c);
      }
    }
    return mine;
  }

  /** What a provider reports of a running call, handed to the call's listeners. */
  private static CallObserver observer(
      List<ServingListener> listeners, CallInfo info, int attempt) {
    return new CallObserver() {
      @Override
      public void batched(BatchRun run) {
        fire(listeners, l -> l.onBatch(info, run));
      }

      @Override
      public ServingListener.Scope enter() {
        if (listeners.size() == 1) {
          return open(listeners.get(0), info, attempt);
        }
        ServingListener.Scope[] scopes = new ServingListener.Scope[listeners.size()];
        for (int i = 0; i < scopes.length; i++) {
          scopes[i] = open(listeners.get(i), info, attempt);
        }
        return () -> {
          for (int i = scopes.length - 1; i >= 0; i--) {
            DefaultServingClient.close(scopes[i]);
          }
        };
      }
    };
  }

  /**
   * Runs one attempt's provider hook inside every listener's {@link ServingListener#onAttempt}
   * scope (closed in reverse order on this thread when the hook returns).
   */
  private static <T> T inScopes(
      List<ServingListener> listeners, CallInfo info, int attempt, Supplier<T> work) {
    if (listeners.size() == 1) {
      ServingListener.Scope scope = open(listeners.get(0), info, attempt);
      try {
        return work.get();
      } finally {
        close(scope);
      }
    }
    ServingListener.Scope[] scopes = new ServingListener.Scope[listeners.size()];
    for (int i = 0; i < scopes.length; i++) {
      scopes[i] = open(listeners.get(i), info, attempt);
    }
    try {
      return work.get();
    } finally {
      for (int i = scopes.length - 1; i >= 0; i--) {
        close(scopes[i]);
      }
    }
  }

  private static ServingListener.Scope open(ServingListener l, CallInfo info, int attempt) {
    try {
      ServingListener.Scope s = l.onAttempt(info, attempt);
      return s == null ? ServingListener.Scope.NOOP : s;
    } catch (RuntimeException e) {
      return ServingListener.Scope.NOOP;
    }
  }

  private static void close(ServingListener.Scope scope) {
    try {
      scope.close();
    } catch (RuntimeException ignored) {
      // listeners must not break calls
    }
  }

  // ---------------------------------------------------------------- description cache

  /** What core knows of an endpoint: its description and the signatures requests are checked by. */
  record Known(EndpointDescription description, List<ModelSignature> signatures) {}

  void remember(EndpointSpec spec, EndpointDescription description) {
    List<ModelSignature> list = signaturesOf(description);
    if (list.isEmpty()) {
      for (DeploymentSpec d : spec.deployments()) {
        if (d.model().signature().isPresent()) {
          list.add(d.model().signature().get());
        }
      }
    }
    known.put(spec.name(), new Known(description, List.copyOf(list)));
  }

  void remember(EndpointDescription description) {
    List<ModelSignature> list = signaturesOf(description);
    Known before = known.get(description.name());
    if (list.isEmpty() && before != null) {
      list = new ArrayList<>(before.signatures());
    }
    known.put(description.name(), new Known(description, List.copyOf(list)));
  }

  private static List<ModelSignature> signaturesOf(EndpointDescription description) {
    List<ModelSignature> list = new ArrayList<>();
    for (DeploymentDescription d : description.deployments()) {
      if (d.signature().isPresent()) {
        list.add(d.signature().get());
      }
    }
    return list;
  }

  Known known(String endpoint) {
    return known.get(endpoint);
  }

  void forget(String endpoint) {
    known.remove(endpoint);
  }
}
