package io.serve4j.testkit.memory;

import io.serve4j.DeploymentDescription;
import io.serve4j.DeploymentSpec;
import io.serve4j.EndpointDescription;
import io.serve4j.EndpointSpec;
import io.serve4j.EndpointStatus;
import io.serve4j.ErrorCategory;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.Mirror;
import io.serve4j.ServingException;
import io.serve4j.spi.CallContext;
import io.serve4j.spi.EndpointLifecycle;
import io.serve4j.spi.Inference;
import io.serve4j.spi.Polling;
import io.serve4j.spi.ProviderContext;
import io.serve4j.spi.QueuedInference;
import io.serve4j.spi.StatusCategories;
import io.serve4j.spi.StreamingInference;
import io.serve4j.testkit.Fault;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/** The in-memory provider's hooks. */
final class MemoryClient
    implements EndpointLifecycle, Inference, StreamingInference, QueuedInference, AutoCloseable {
  /** How long a submitted inference waits in the in-memory queue before it runs. */
  private static final long ASYNC_QUEUE_DELAY_MILLIS = 5;

  private final MemoryOptions options;
  private final MemoryBackend backend;
  private final ProviderContext context;

  /** Runs streaming predictors: they may block between chunks, so not on the shared scheduler. */
  private final java.util.concurrent.ExecutorService streams =
      java.util.concurrent.Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "serve4j-memory-stream");
            t.setDaemon(true);
            return t;
          });

  MemoryClient(MemoryOptions options, MemoryBackend backend, ProviderContext context) {
    this.options = options;
    this.backend = backend;
    this.context = context;
  }

  @Override
  public CompletableFuture<EndpointDescription> createEndpoint(EndpointSpec spec, CallContext ctx) {
    MemoryBackend.State fresh = new MemoryBackend.State(spec, readyAt(), false);
    if (backend.endpoints.putIfAbsent(spec.name(), fresh) != null) {
      return failed(ErrorCategory.CONFLICT, "endpoint '" + spec.name() + "' already exists");
    }
    return awaitReady(spec.name(), ctx);
  }

  @Override
  public CompletableFuture<EndpointDescription> updateEndpoint(EndpointSpec spec, CallContext ctx) {
    MemoryBackend.State s =
        backend.endpoints.computeIfPresent(
            spec.name(), (k, old) -> new MemoryBackend.State(spec, readyAt(), true));
    if (s == null) {
      return notFound(spec.name());
    }
    return awaitReady(spec.name(), ctx);
  }

  @Override
  public CompletableFuture<EndpointDescription> updateTraffic(
      String endpoint, Map<String, Integer> traffic, Mirror mirror, CallContext ctx) {
    MemoryBackend.State s =
        backend.endpoints.computeIfPresent(
            endpoint,
            (k, old) ->
                new MemoryBackend.State(
                    old.spec.toBuilder().traffic(traffic).mirror(mirror).build(),
                    old.readyAtNanos,
                    old.updating));
    if (s == null) {
      return notFound(endpoint);
    }
    return CompletableFuture.completedFuture(describe(endpoint, s));
  }

  @Override
  public CompletableFuture<Void> deleteEndpoint(String endpoint, CallContext ctx) {
    return withFault(
        Fault.Call.DELETE,
        ctx,
        () -> {
          if (backend.endpoints.remove(endpoint) == null) {
            return notFound(endpoint);
          }
          return CompletableFuture.completedFuture(null);
        });
  }

  @Override
  public CompletableFuture<EndpointDescription> describeEndpoint(String endpoint, CallContext ctx) {
    return withFault(
        Fault.Call.DESCRIBE,
        ctx,
        () -> {
          MemoryBackend.State s = backend.endpoints.get(endpoint);
          return s == null
              ? notFound(endpoint)
              : CompletableFuture.completedFuture(describe(endpoint, s));
        });
  }

  @Override
  public CompletableFuture<List<EndpointDescription>> listEndpoints(CallContext ctx) {
    return withFault(
        Fault.Call.LIST,
        ctx,
        () ->
            CompletableFuture.completedFuture(
                backend.endpoints.entrySet().stream()
                    .sorted(Map.Entry.comparingByKey())
                    .map(e -> describe(e.getKey(), e.getValue()))
                    .toList()));
  }

  /**
   * Counts a backend call and applies the fault injected for it: a typed failure, or a slow answer
   * that still ends at the call's deadline (the deadline reaches this "wire" too).
   */
  private <T> CompletableFuture<T> withFault(
      Fault.Call call, CallContext ctx, java.util.function.Supplier<CompletableFuture<T>> normal) {
    Fault fault = backend.arrive(call);
    if (fault == null) {
      return normal.get();
    }
    if (fault.kind() == Fault.Kind.SLOW) {
      return slow(fault.duration(), ctx, normal);
    }
    return CompletableFuture.failedFuture(injected(fault));
  }

  /** Answers after {@code delay}, or fails as a TIMEOUT at the call's deadline if that is first. */
  private <T> CompletableFuture<T> slow(
      Duration delay, CallContext ctx, java.util.function.Supplier<CompletableFuture<T>> answer) {
    CompletableFuture<T> slow = new CompletableFuture<>();
    Duration left = ctx.deadline().remaining();
    boolean deadlineFirst = ctx.deadline().isFinite() && left.compareTo(delay) < 0;
    context
        .scheduler()
        .schedule(
            () -> {
              if (deadlineFirst) {
                slow.completeExceptionally(ctx.deadline().timeoutError("a slow memory call"));
                return;
              }
              answer
                  .get()
                  .whenComplete(
                      (v, e) -> {
                        if (e != null) {
                          slow.completeExceptionally(e);
                        } else {
                          slow.complete(v);
                        }
                      });
            },
            (deadlineFirst ? left : delay).toNanos(),
            TimeUnit.NANOSECONDS);
    return slow;
  }

  private static ServingException injected(Fault fault) {
    int status =
        switch (fault.kind()) {
          case THROTTLE -> 429;
          case UNAVAILABLE -> 503;
          default -> 500;
        };
    ServingException.Builder b =
        ServingException.builder(StatusCategories.ofHttp(status))
            .fromService()
            .providerId(MemoryProvider.ID)
            .statusCode(status)
            .message("injected " + fault.kind());
    if (fault.kind() == Fault.Kind.THROTTLE) {
      b.retryAfter(fault.duration());
    }
    return b.build();
  }

  @Override
  public CompletableFuture<InferenceResponse> predict(
      String endpoint, EndpointDescription known, InferenceRequest request, CallContext ctx) {
    MemoryBackend.State state = backend.endpoints.get(endpoint);
    if (state != null && state.spec.asyncInference().isPresent()) {
      return failed(
          ErrorCategory.INVALID_INPUT,
          "endpoint '" + endpoint + "' is asynchronous: use Endpoint.submit, not predict");
    }
    Fault fault = backend.faults.poll();
    if (fault != null) {
      backend.predictions.incrementAndGet();
      switch (fault.kind()) {
        case THROTTLE:
        case UNAVAILABLE:
        case SERVER_ERROR:
          // the same status means the same category as on every provider (500: UNAVAILABLE)
          return CompletableFuture.failedFuture(injected(fault));
        case SLOW:
          return slow(
              fault.duration(),
              ctx,
              () -> {
                try {
                  return CompletableFuture.completedFuture(
                      predictNow(endpoint, request, ctx, false));
                } catch (RuntimeException e) {
                  return CompletableFuture.failedFuture(e);
                }
              });
        default:
          break;
      }
    }
    try {
      return CompletableFuture.completedFuture(predictNow(endpoint, request, ctx));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public java.util.concurrent.Flow.Publisher<InferenceResponse> stream(
      String endpoint, EndpointDescription known, InferenceRequest request, CallContext ctx) {
    return new MemoryStream(
        () -> {
          MemoryBackend.State s = backend.endpoints.get(endpoint);
          if (s == null) {
            throw error(ErrorCategory.NOT_FOUND, "endpoint '" + endpoint + "' does not exist");
          }
          if (!s.ready() && !s.updating) {
            throw error(ErrorCategory.UNAVAILABLE, "endpoint '" + endpoint + "' is still CREATING");
          }
          backend.predictions.incrementAndGet();
          Fault fault = backend.faults.poll();
          if (fault != null
              && (fault.kind() == Fault.Kind.THROTTLE
                  || fault.kind() == Fault.Kind.UNAVAILABLE
                  || fault.kind() == Fault.Kind.SERVER_ERROR)) {
            throw injected(fault);
          }
          DeploymentSpec d = route(s.spec, request);
          return options.streamingPredictor().stream(d, request);
        },
        streams);
  }

  @Override
  public CompletableFuture<InferenceResponse> submitInference(
      String endpoint, InferenceRequest request, CallContext ctx) {
    MemoryBackend.State state = backend.endpoints.get(endpoint);
    if (state == null) {
      return notFound(endpoint);
    }
    if (state.spec.asyncInference().isEmpty()) {
      return failed(
          ErrorCategory.INVALID_INPUT,
          "endpoint '" + endpoint + "' is real-time: use Endpoint.predict, not submit");
    }
    // Queued: the model runs a little later, on the scheduler, unless the caller gave up first.
    CompletableFuture<InferenceResponse> f = new CompletableFuture<>();
    context
        .scheduler()
        .schedule(
            () -> {
              if (ctx.isCancelled()) {
                f.cancel(false);
                return;
              }
              try {
                f.complete(predictNow(endpoint, request, ctx));
              } catch (RuntimeException e) {
                f.completeExceptionally(e);
              }
            },
            ASYNC_QUEUE_DELAY_MILLIS,
            TimeUnit.MILLISECONDS);
    return f;
  }

  @Override
  public void close() {
    // Cancels nothing by itself: core cancels open streams; this stops the producer threads.
    streams.shutdownNow();
  }

  private InferenceResponse predictNow(String endpoint, InferenceRequest request, CallContext ctx) {
    return predictNow(endpoint, request, ctx, true);
  }

  private InferenceResponse predictNow(
      String endpoint, InferenceRequest request, CallContext ctx, boolean count) {
    MemoryBackend.State s = backend.endpoints.get(endpoint);
    if (s == null) {
      throw error(ErrorCategory.NOT_FOUND, "endpoint '" + endpoint + "' does not exist");
    }
    if (!s.ready() && !s.updating) {
      throw error(ErrorCategory.UNAVAILABLE, "endpoint '" + endpoint + "' is still CREATING");
    }
    if (count) {
      backend.predictions.incrementAndGet();
    }
    DeploymentSpec d = route(s.spec, request);
    InferenceResponse r = run(d, request);
    s.spec
        .mirror()
        .filter(m -> ThreadLocalRandom.current().nextInt(100) < m.percent())
        .flatMap(m -> s.spec.deployment(m.deployment()))
        .ifPresent(
            shadow ->
                context
                    .scheduler()
                    .execute(
                        () -> {
                          backend.mirrored.incrementAndGet();
                          try {
                            run(shadow, request);
                          } catch (RuntimeException ignored) {
                            // a shadow's failure never reaches the caller
                          }
                        }));
    return r;
  }

  private InferenceResponse run(DeploymentSpec d, InferenceRequest request) {
    InferenceResponse r;
    try {
      r = options.predictor().predict(d, request);
    } catch (ServingException e) {
      throw e;
    } catch (RuntimeException e) {
      throw ServingException.builder(ErrorCategory.MODEL_ERROR)
          .fromService()
          .message("predictor of deployment '" + d.name() + "' failed: " + e)
          .cause(e)
          .build();
    }
    InferenceResponse.Builder b = r.toBuilder();
    if (r.modelName().isEmpty()) b.modelName(d.model().name());
    if (r.modelVersion().isEmpty()) b.modelVersion(d.model().version());
    if (r.deployment().isEmpty()) b.deployment(d.name());
    if (r.id().isEmpty()) request.id().ifPresent(b::id);
    if (!request.outputs().isEmpty()) {
      b.outputs(r.outputs().stream().filter(t -> request.outputs().contains(t.name())).toList());
    }
    return b.build();
  }

  private static DeploymentSpec route(EndpointSpec spec, InferenceRequest request) {
    if (request.targetDeployment().isPresent()) {
      String name = request.targetDeployment().get();
      return spec.deployment(name)
          .orElseThrow(
              () ->
                  error(
                      ErrorCategory.NOT_FOUND,
                      "endpoint '" + spec.name() + "' has no deployment '" + name + "'"));
    }
    int pick = ThreadLocalRandom.current().nextInt(100);
    int acc = 0;
    for (DeploymentSpec d : spec.deployments()) {
      acc += spec.traffic().getOrDefault(d.name(), 0);
      if (pick < acc) {
        return d;
      }
    }
    throw error(ErrorCategory.INTERNAL, "traffic of '" + spec.name() + "' routes nowhere");
  }

  private CompletableFuture<EndpointDescription> awaitReady(String name, CallContext ctx) {
    long nanos = options.deployLatency().toNanos();
    Duration interval = Duration.ofNanos(Math.max(1_000_000, Math.min(nanos / 4, 50_000_000)));
    return Polling.until(
        () -> describeEndpoint(name, ctx),
        d -> d.status().isTerminal(),
        d -> "endpoint " + name + " is " + d.status(),
        interval,
        ctx,
        context.scheduler());
  }

  private long readyAt() {
    return System.nanoTime() + options.deployLatency().toNanos();
  }

  private static EndpointDescription describe(String name, MemoryBackend.State s) {
    EndpointStatus status =
        s.ready()
            ? EndpointStatus.IN_SERVICE
            : s.updating ? EndpointStatus.UPDATING : EndpointStatus.CREATING;
    EndpointDescription.Builder b =
        EndpointDescription.builder()
            .name(name)
            .status(status)
            .traffic(s.spec.traffic())
            .mirror(s.spec.mirror().orElse(null))
            .asyncInference(s.spec.asyncInference().orElse(null))
            .url(URI.create("memory://" + name));
    for (DeploymentSpec d : s.spec.deployments()) {
      b.deployment(
          DeploymentDescription.builder()
              .name(d.name())
              .modelName(d.model().name())
              .modelVersion(d.model().version())
              .status(status)
              .instances(d.scaling().initialInstances())
              .instanceType(d.accelerator().toString())
              .signature(d.model().signature().orElse(null))
              .build());
    }
    return b.build();
  }

  private static <T> CompletableFuture<T> notFound(String endpoint) {
    return failed(ErrorCategory.NOT_FOUND, "endpoint '" + endpoint + "' does not exist");
  }

  private static <T> CompletableFuture<T> failed(ErrorCategory category, String message) {
    return CompletableFuture.failedFuture(error(category, message));
  }

  private static ServingException error(ErrorCategory category, String message) {
    return ServingException.builder(category)
        .fromService()
        .providerId(MemoryProvider.ID)
        .message(message)
        .build();
  }
}
