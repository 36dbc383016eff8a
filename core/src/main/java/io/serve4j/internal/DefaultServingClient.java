package io.serve4j.internal;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.serve4j.BatchJobDescription;
import io.serve4j.BatchJobSpec;
import io.serve4j.CallInfo;
import io.serve4j.Capability;
import io.serve4j.DeploymentDescription;
import io.serve4j.DeploymentSpec;
import io.serve4j.Endpoint;
import io.serve4j.EndpointDescription;
import io.serve4j.EndpointSpec;
import io.serve4j.ErrorCategory;
import io.serve4j.ModelSignature;
import io.serve4j.Operation;
import io.serve4j.OperationKind;
import io.serve4j.RetryPolicy;
import io.serve4j.ServingClient;
import io.serve4j.ServingException;
import io.serve4j.ServingListener;
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
  // Made only with a circuit-breaker policy: without one, neither it nor resilience4j is loaded.
  private final Breakers breakers;

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
    this.breakers = config.circuitBreaker() == null ? null : new Breakers(this, config);
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
            OperationKind.DEPLOY, "deploy endpoint " + spec.name(), spec.name(), new Deploy(spec));
    return DefaultOperation.map(op, new Deployed(spec));
  }

  /** A deploy's provider call (a class, not a lambda: a lambda spins a class at first use). */
  private final class Deploy
      implements Function<CallContext, CompletableFuture<EndpointDescription>> {
    private final EndpointSpec spec;

    Deploy(EndpointSpec spec) {
      this.spec = spec;
    }

    @Override
    public CompletableFuture<EndpointDescription> apply(CallContext ctx) {
      return session.lifecycle().createEndpoint(spec, ctx);
    }
  }

  /** What a deploy answers once the provider is done: the endpoint's handle. */
  private final class Deployed implements Function<EndpointDescription, Endpoint> {
    private final EndpointSpec spec;

    Deployed(EndpointSpec spec) {
      this.spec = spec;
    }

    @Override
    public Endpoint apply(EndpointDescription d) {
      remember(spec, d);
      return endpoint(spec.name());
    }
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
    return BatchJobCalls.submit(this, spec);
  }

  @Override
  public BatchJobDescription describeBatchJob(String name) {
    return BatchJobCalls.describe(this, name);
  }

  /**
   * Closes the client: calls and operations still running fail at once with a non-retryable {@link
   * io.serve4j.UnavailableException} saying the client is closed (their provider work is
   * cancelled). The undo work those stopped operations start (a provider deleting what a cancelled
   * deploy created) then runs on the client's own scheduler for up to the close grace ({@link
   * io.serve4j.Serve4j.Builder#closeGrace}), and what is still running after it is abandoned and
   * logged; then the provider and the scheduler this client owns are closed.
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
        if (ownsScheduler && scheduler instanceof ClientScheduler own) {
          // Before the provider closes: the undo may need its clients.
          List<String> abandoned = own.drain(config.closeGrace());
          if (!abandoned.isEmpty()) {
            ServingException e =
                ClientScheduler.abandonedError(providerId, config.closeGrace(), abandoned);
            System.getLogger("io.serve4j.ServingClient")
                .log(System.Logger.Level.WARNING, e.getMessage(), e);
          }
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
    List<ServingListener> listeners = config.listeners();
    if (!listeners.isEmpty()) {
      listeners = CallListeners.started(listeners, info);
    }
    OperationRun<T> run = new OperationRun<>(listeners, info, description, hook, start);
    DefaultOperation<T> operation =
        DefaultOperation.start(
            kind,
            description,
            providerId,
            id,
            deadline,
            listeners.isEmpty() ? CallObserver.NONE : CallListeners.observer(listeners, info, 1),
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
          : CallListeners.inScopes(listeners, info, 1, () -> wire.call(description, hook, ctx));
    }

    @Override
    public void accept(T value, Throwable error) {
      operationsInFlight.remove(operation);
      if (!listeners.isEmpty()) {
        CallListeners.finish(listeners, info, start, value, error, providerId);
      }
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
    return call(route(operation, endpoint), requestId, deadline, hook);
  }

  /**
   * What every call of one kind to one endpoint shares, looked up once: the text messages name the
   * call by, the endpoint's retry budget and its circuit breaker (predictions and streams, with a
   * breaker policy). An endpoint handle keeps its predictions' route, so that a prediction looks
   * none of these up (three map lookups per call before).
   */
  final class Route {
    final OperationKind operation;
    // (the provider id is the client's: read through this route's client, not kept per call)
    final String endpoint;
    final String what;
    final RetryBudget budget;
    final CircuitBreaker breaker; // null: no breaker for these calls

    String providerId() {
      return providerId;
    }

    private Route(OperationKind operation, String endpoint) {
      this.operation = operation;
      this.endpoint = endpoint == null ? "" : endpoint;
      this.what = what(operation, this.endpoint);
      this.budget = budget(this.endpoint);
      this.breaker =
          breakers != null
                  && (operation == OperationKind.PREDICT || operation == OperationKind.STREAM)
              ? breakers.of(this.endpoint)
              : null;
    }
  }

  /**
   * Returns the route of calls of one kind to one endpoint.
   *
   * @param operation what the calls do
   * @param endpoint endpoint name, or null/empty for none
   * @return the route
   */
  Route route(OperationKind operation, String endpoint) {
    return new Route(operation, endpoint);
  }

  private RetryBudget budget(String endpoint) {
    RetryBudget budget = budgets.get(endpoint);
    if (budget == null) {
      // No computeIfAbsent: its lambda would spin a class at first use.
      budget = newBudget();
      RetryBudget raced = budgets.putIfAbsent(endpoint, budget);
      if (raced != null) {
        budget = raced;
      }
    }
    return budget;
  }

  /**
   * {@link #call(OperationKind, String, String, Deadline, Function)} on a route looked up before.
   *
   * @param route the kind of call and its endpoint
   * @param requestId request id, or null to generate one
   * @param deadline the deadline for all attempts together
   * @param hook the provider call
   * @param <T> the result
   * @return the future
   */
  <T> CompletableFuture<T> call(
      Route route,
      String requestId,
      Deadline deadline,
      Function<CallContext, CompletableFuture<T>> hook) {
    return call(new HookCall<>(route, requestId, deadline, hook));
  }

  /**
   * Runs a call made by the caller: a {@link Call} whose {@link Call#apply} is the provider call (a
   * prediction is one object, its call and its hook in one).
   *
   * @param call the call, not run before
   * @param <T> the result
   * @return the future
   */
  <T> CompletableFuture<T> call(Call<T> call) {
    long start = call.start;
    CompletableFuture<T> result = call.result;
    call.route.budget.deposit();
    List<ServingListener> listeners = config.listeners();
    boolean listened = !listeners.isEmpty();
    if (listened) {
      listeners = CallListeners.started(listeners, call.info());
    }
    call.listeners = listeners;
    attempt(1, call);
    if (result.isDone() && !result.isCompletedExceptionally()) {
      // Answered on this thread (an in-process provider usually is): no deadline watch and no
      // forwarding future are needed, and listeners still hear it before the caller does.
      if (listened) {
        CallListeners.finish(listeners, call.info(), start, result.getNow(null), null, providerId);
      }
      return result;
    }
    return new Pending<>(call).visible;
  }

  /**
   * A call not answered on the caller's thread: its deadline watch, the future the caller sees
   * (completed after the listeners heard the outcome) and the client's bookkeeping. A class of its
   * own, so that a client whose calls all answer at once (in-process) never loads it.
   */
  private final class Pending<T> implements Runnable, BiConsumer<T, Throwable> {
    private final Call<T> call;
    private final CompletableFuture<T> visible = new CompletableFuture<>();
    private final Deadline.Watch watch;

    Pending(Call<T> call) {
      this.call = call;
      CompletableFuture<T> result = call.result;
      // Watch the deadline only if the first attempt did not finish synchronously (an in-process
      // provider usually does). The watch schedules nothing and wakes no thread per call.
      this.watch =
          call.deadline.isFinite() && !result.isDone() ? call.deadline.onExpiry(this) : null;
      // Listeners hear the outcome before the caller does.
      inFlight.add(result);
      result.whenComplete(this);
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
    }

    /** The deadline passed. */
    @Override
    public void run() {
      // Cancel the running attempt first, so that the provider's call is stopped by the time the
      // caller sees the timeout.
      cancel(call.current);
      call.result.completeExceptionally(
          ServingException.builder(ErrorCategory.TIMEOUT)
              .providerId(providerId)
              .requestId(call.get())
              .message(
                  operationName(call.route.operation)
                      + (call.route.endpoint.isEmpty()
                          ? ""
                          : " on endpoint '" + call.route.endpoint + "'")
                      + " did not finish before its deadline")
              .build());
    }

    /** The call's result is in. */
    @Override
    public void accept(T v, Throwable e) {
      CompletableFuture<T> result = call.result;
      inFlight.remove(result);
      if (watch != null) {
        watch.cancel();
      }
      if (result.isCancelled() || closed.get()) {
        cancel(call.current);
      }
      if (!call.listeners.isEmpty()) {
        // (call.info() as an argument made the call's request id, a UUID string, and its
        // CallInfo on every call answered off the caller's thread, listeners or not)
        CallListeners.finish(call.listeners, call.info(), call.start, v, e, providerId);
      }
      if (e == null) {
        visible.complete(v);
      } else {
        visible.completeExceptionally(Futures.unwrap(e));
      }
    }
  }

  /** Attempt {@code n} of a call: one wire attempt, its outcome recorded, a retry if one is due. */
  private <T> void attempt(int n, Call<T> call) {
    CompletableFuture<T> result = call.result;
    CircuitBreaker breaker = call.route.breaker;
    List<ServingListener> listeners = call.listeners;
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
                      + call.route.endpoint
                      + "' is "
                      + breaker.getState()
                      + " after repeated failures; calls fail fast until it lets a trial through")
              .build());
      return;
    }
    long attemptStart = breaker != null ? breaker.getCurrentTimestamp() : 0;
    // Core retries these calls: the context tells the provider to make one wire attempt. The call
    // itself answers whether it was cancelled (its result is done): no lambda per attempt. Core
    // ends the call at its deadline (Pending's watch cancels the attempt), so the context says the
    // provider need not watch the same deadline again.
    CallContext ctx =
        CallContexts.lazyId(
            call,
            call.deadline,
            call,
            NO_PROGRESS,
            true,
            listeners.isEmpty()
                ? CallObserver.NONE
                : CallListeners.observer(listeners, call.info(), n),
            true);
    String what = call.route.what;
    CompletableFuture<T> work =
        listeners.isEmpty()
            ? wire.call(what, call, ctx)
            : CallListeners.inScopes(listeners, call.info(), n, () -> wire.call(what, call, ctx));
    if (!work.isDone()) {
      // Only an attempt still running can be cancelled: one answered at once writes no volatile.
      call.current = work;
    }
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
    work.whenComplete(new AttemptDone<>(n, call, attemptStart));
  }

  /**
   * An attempt not answered on the caller's thread: its outcome recorded by the breaker, and a
   * retry when the policy, the deadline and the budget allow one. A class of its own, so that a
   * client whose calls all answer at once (in-process) never loads it.
   */
  private final class AttemptDone<T> implements BiConsumer<T, Throwable>, Runnable {
    private final int n;
    private final Call<T> call;
    private final long attemptStart;

    AttemptDone(int n, Call<T> call, long attemptStart) {
      this.n = n;
      this.call = call;
      this.attemptStart = attemptStart;
    }

    /** The next attempt, after the back-off. */
    @Override
    public void run() {
      attempt(n + 1, call);
    }

    @Override
    public void accept(T v, Throwable e) {
      CircuitBreaker breaker = call.route.breaker;
      CompletableFuture<T> result = call.result;
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
      Duration elapsed = Duration.ofNanos(System.nanoTime() - call.start);
      RetryPolicy policy = config.retryPolicy();
      if (closed.get()) {
        // No retry after close: the scheduler that would run it is shut down.
        result.completeExceptionally(closedError());
        return;
      }
      if (!result.isDone() && policy.allowsRetry(se, n, elapsed)) {
        Duration wait = policy.backoff(se, n);
        if (wait.compareTo(call.deadline.remaining()) < 0 && call.route.budget.tryWithdraw()) {
          CallListeners.retry(call.listeners, call.info(), n, se, wait);
          try {
            scheduler.schedule(this, wait.toNanos(), TimeUnit.NANOSECONDS);
          } catch (RejectedExecutionException rejected) {
            // The scheduler was shut down (by close(), or the caller's own): no retry can run.
            result.completeExceptionally(closed.get() ? closedError() : se);
          }
          return;
        }
      }
      result.completeExceptionally(se);
    }
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
   * made when first asked for (by a listener, an error, a retry, a timeout or the provider through
   * {@link CallContext#requestId()}), so that a call that succeeds without listeners, on the
   * caller's thread or off it, formats no id (a UUID string and its CallInfo, ~150 B per
   * prediction).
   *
   * <p>It is also the call's provider hook ({@link #apply}, each attempt): a {@link HookCall}'s
   * hook, or a prediction's own (it extends this with its request, so that a prediction makes one
   * object for its call and its hook, not two).
   */
  abstract static class Call<T>
      implements Supplier<String>, BooleanSupplier, Function<CallContext, CompletableFuture<T>> {
    final Route route;
    // The caller's id; else one made on first read into madeId. Two fields, so that a call with no
    // id of its own writes no volatile field as it is made (a volatile write is a full fence).
    private final String givenId;
    private volatile String madeId;
    private volatile CallInfo info;
    // what every attempt of the call shares
    final Deadline deadline;
    final long start;
    final CompletableFuture<T> result = new CompletableFuture<>();
    // set once by call(), before the first attempt, and read only after it (no race)
    List<ServingListener> listeners;
    // the attempt in flight (cancelled with the call); not set for an attempt answered at once
    volatile CompletableFuture<?> current;

    /**
     * A call.
     *
     * @param route the kind of call and its endpoint
     * @param id the caller's request id, or null to make one when asked
     * @param deadline for all attempts together, made as the call started
     */
    Call(Route route, String id, Deadline deadline) {
      this.route = route;
      this.givenId = id;
      this.deadline = deadline;
      // The deadline was made as the call started: its time, not another clock read.
      this.start = deadline.startNanos();
    }

    /** Whether the call is over (answered, failed, cancelled or timed out): the attempt stops. */
    @Override
    public boolean getAsBoolean() {
      return result.isDone();
    }

    /** The request id, made once. */
    @Override
    public String get() {
      String i = givenId;
      if (i != null) {
        return i;
      }
      i = madeId;
      if (i == null) {
        synchronized (this) {
          i = madeId;
          if (i == null) {
            i = RequestIds.next();
            madeId = i;
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
            i = new CallInfo(route.providerId(), route.operation, route.endpoint, get());
            info = i;
          }
        }
      }
      return i;
    }
  }

  /** A call whose provider call is a hook given to it. */
  private static final class HookCall<T> extends Call<T> {
    private final Function<CallContext, CompletableFuture<T>> hook;

    HookCall(
        Route route,
        String id,
        Deadline deadline,
        Function<CallContext, CompletableFuture<T>> hook) {
      super(route, id, deadline);
      this.hook = hook;
    }

    @Override
    public CompletableFuture<T> apply(CallContext ctx) {
      return hook.apply(ctx);
    }
  }

  private static final int MAX_CACHED_WHAT = 1024;

  /** A retried call reports no progress (a class, not a lambda spun when the client loads). */
  private static final Consumer<io.serve4j.OperationProgress> NO_PROGRESS = new NoProgress();

  private static final class NoProgress implements Consumer<io.serve4j.OperationProgress> {
    @Override
    public void accept(io.serve4j.OperationProgress p) {}
  }

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
    return breakers == null ? null : breakers.of(endpoint);
  }

  /** "predict", "describe", "list": how messages name a call. */
  private static String operationName(OperationKind kind) {
    return kind.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ');
  }

  /**
   * Calls every listener of the client, ignoring their failures.
   *
   * @param event the callback
   */
  void fire(Consumer<ServingListener> event) {
    CallListeners.fire(config.listeners(), event);
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
