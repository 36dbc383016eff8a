package io.serve4j.local.internal;

import ai.onnxruntime.OrtEnvironment;
import io.serve4j.DeploymentSpec;
import io.serve4j.EndpointDescription;
import io.serve4j.EndpointSpec;
import io.serve4j.EndpointStatus;
import io.serve4j.ErrorCategory;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.Mirror;
import io.serve4j.ServingException;
import io.serve4j.Tensor;
import io.serve4j.local.LocalOptions;
import io.serve4j.local.LocalProvider;
import io.serve4j.spi.CallContext;
import io.serve4j.spi.Deadline;
import io.serve4j.spi.EndpointLifecycle;
import io.serve4j.spi.Inference;
import io.serve4j.spi.ProviderContext;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The {@code local} provider's hooks. Endpoints are immutable {@link EndpointState} snapshots in a
 * concurrent map of a {@link Registry} (shared by the process's local clients unless isolated);
 * deploys load sessions on the client's own loader threads (never core's scheduler or the common
 * pool); predictions run on the caller's thread, straight into ONNX Runtime, with the deadline
 * enforced by ONNX Runtime's terminate flag; mirrored requests run on one background thread with a
 * bounded queue, dropped (and counted) when it is full.
 */
public final class LocalClient implements EndpointLifecycle, Inference, AutoCloseable {
  private final Counters counters;
  private final ModelLoader loader;
  private final Registry registry;
  private final boolean isolated;
  private final Map<String, EndpointState> endpoints;
  private final ExecutorService loaderThreads;
  private final ThreadPoolExecutor shadowThread;
  private final AtomicBoolean closed = new AtomicBoolean();

  /**
   * Opens a client; loads ONNX Runtime's native library.
   *
   * @param options the provider options
   * @param counters where runs are counted
   * @param context core's facilities
   * @throws ServingException UNAVAILABLE if ONNX Runtime cannot load on this platform
   */
  public LocalClient(LocalOptions options, Counters counters, ProviderContext context) {
    this(options, counters, context, ExecutionProviders.ORT, null);
  }

  LocalClient(
      LocalOptions options,
      Counters counters,
      ProviderContext context,
      ExecutionProviders.Registrar registrar,
      java.util.Set<ai.onnxruntime.OrtProvider> available) {
    this.counters = counters;
    // The deploy path's classes load on another thread while this one loads the native library.
    ColdPath.start();
    OrtEnvironment env;
    java.util.Set<ai.onnxruntime.OrtProvider> listed;
    try {
      env = OrtEnvironment.getEnvironment();
      listed = available != null ? available : ExecutionProviders.available();
    } catch (RuntimeException | LinkageError e) {
      throw ServingException.builder(ErrorCategory.UNAVAILABLE)
          .providerId(LocalProvider.ID)
          .retryable(false)
          .message("ONNX Runtime's native library failed to load on this platform: " + e)
          .cause(e)
          .build();
    }
    this.loader = new ModelLoader(env, options, counters, listed, registrar);
    this.isolated = options.isolated();
    this.registry = isolated ? Registry.isolated() : Registry.acquireShared();
    this.endpoints = registry.endpoints;
    this.loaderThreads = registry.loaderThreads;
    this.shadowThread = registry.shadowThread;
  }

  // ---------------------------------------------------------------- lifecycle of endpoints

  @Override
  public CompletableFuture<EndpointDescription> createEndpoint(EndpointSpec spec, CallContext ctx) {
    EndpointState creating = new EndpointState(spec, EndpointStatus.CREATING, Map.of());
    if (endpoints.putIfAbsent(spec.name(), creating) != null) {
      return failed(ErrorCategory.CONFLICT, "endpoint '" + spec.name() + "' already exists");
    }
    CompletableFuture<EndpointDescription> result = new CompletableFuture<>();
    try {
      loaderThreads.execute(new Creation(spec, creating, ctx, result));
    } catch (RejectedExecutionException e) {
      endpoints.remove(spec.name(), creating);
      result.completeExceptionally(closedError());
    }
    return result;
  }

  /** Loads a new endpoint on a loader thread (a class, not lambdas: fewer classes spun cold). */
  private final class Creation implements Runnable {
    private final EndpointSpec spec;
    private final EndpointState creating;
    private final CallContext ctx;
    private final CompletableFuture<EndpointDescription> result;

    Creation(
        EndpointSpec spec,
        EndpointState creating,
        CallContext ctx,
        CompletableFuture<EndpointDescription> result) {
      this.spec = spec;
      this.creating = creating;
      this.ctx = ctx;
      this.result = result;
    }

    @Override
    public void run() {
      Map<String, Deployment> loaded = new HashMap<>();
      try {
        loadAll(spec, Map.of(), loaded, ctx);
        EndpointState ready = new EndpointState(spec, EndpointStatus.IN_SERVICE, loaded);
        if (!endpoints.replace(spec.name(), creating, ready)) {
          retireAll(loaded.values());
          result.completeExceptionally(
              error(
                  ErrorCategory.NOT_FOUND,
                  "endpoint '" + spec.name() + "' was deleted while it was being created"));
          return;
        }
        result.complete(ready.describe());
      } catch (RuntimeException | Error e) {
        retireAll(loaded.values());
        endpoints.remove(spec.name(), creating);
        complete(result, e);
      }
    }
  }

  @Override
  public CompletableFuture<EndpointDescription> updateEndpoint(EndpointSpec spec, CallContext ctx) {
    EndpointState old = endpoints.get(spec.name());
    if (old == null) {
      return notFound(spec.name());
    }
    if (old.status != EndpointStatus.IN_SERVICE) {
      return failed(
          ErrorCategory.CONFLICT,
          "endpoint '" + spec.name() + "' is " + old.status + "; wait until it is IN_SERVICE");
    }
    EndpointState updating = old.with(old.spec, EndpointStatus.UPDATING);
    if (!endpoints.replace(spec.name(), old, updating)) {
      return failed(
          ErrorCategory.CONFLICT, "endpoint '" + spec.name() + "' changed; try the update again");
    }
    CompletableFuture<EndpointDescription> result = new CompletableFuture<>();
    submit(
        result,
        () -> {
          Map<String, Deployment> loaded = new HashMap<>();
          try {
            loadAll(spec, old.deployments, loaded, ctx);
            EndpointState ready = new EndpointState(spec, EndpointStatus.IN_SERVICE, loaded);
            if (!endpoints.replace(spec.name(), updating, ready)) {
              retireUnshared(loaded.values(), old.deployments);
              result.completeExceptionally(
                  error(
                      ErrorCategory.NOT_FOUND,
                      "endpoint '" + spec.name() + "' was deleted while it was being updated"));
              return;
            }
            retireUnshared(old.deployments.values(), loaded);
            result.complete(ready.describe());
          } catch (RuntimeException | Error e) {
            retireUnshared(loaded.values(), old.deployments);
            endpoints.replace(spec.name(), updating, old);
            complete(result, e);
          }
        },
        () -> endpoints.replace(spec.name(), updating, old));
    return result;
  }

  @Override
  public CompletableFuture<EndpointDescription> updateTraffic(
      String endpoint, Map<String, Integer> traffic, Mirror mirror, CallContext ctx) {
    try {
      while (true) {
        EndpointState s = endpoints.get(endpoint);
        if (s == null) {
          return notFound(endpoint);
        }
        if (s.status != EndpointStatus.IN_SERVICE) {
          return failed(
              ErrorCategory.CONFLICT,
              "endpoint '" + endpoint + "' is " + s.status + "; wait until it is IN_SERVICE");
        }
        EndpointSpec spec = s.spec.toBuilder().traffic(traffic).mirror(mirror).build();
        EndpointState next = s.with(spec, EndpointStatus.IN_SERVICE);
        if (endpoints.replace(endpoint, s, next)) {
          return CompletableFuture.completedFuture(next.describe());
        }
      }
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public CompletableFuture<Void> deleteEndpoint(String endpoint, CallContext ctx) {
    EndpointState s = endpoints.remove(endpoint);
    if (s == null) {
      return notFound(endpoint);
    }
    retireAll(s.deployments.values());
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public CompletableFuture<EndpointDescription> describeEndpoint(String endpoint, CallContext ctx) {
    EndpointState s = endpoints.get(endpoint);
    return s == null ? notFound(endpoint) : CompletableFuture.completedFuture(s.describe());
  }

  @Override
  public CompletableFuture<List<EndpointDescription>> listEndpoints(CallContext ctx) {
    List<EndpointDescription> all = new ArrayList<>();
    endpoints.values().forEach(s -> all.add(s.describe()));
    all.sort(Comparator.comparing(EndpointDescription::name));
    return CompletableFuture.completedFuture(all);
  }

  // ---------------------------------------------------------------- predict

  @Override
  public CompletableFuture<InferenceResponse> predict(
      String endpoint, EndpointDescription known, InferenceRequest request, CallContext ctx) {
    try {
      return predictNow(endpoint, request, ctx);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private CompletableFuture<InferenceResponse> predictNow(
      String endpoint, InferenceRequest request, CallContext ctx) {
    Deadline dl = ctx.deadline();
    boolean namesModel = request.targetModel().isPresent(); // read once: an Optional each time
    for (int attempt = 0; ; attempt++) {
      EndpointState s = endpoints.get(endpoint);
      if (s == null) {
        throw error(ErrorCategory.NOT_FOUND, "endpoint '" + endpoint + "' does not exist");
      }
      if (s.status == EndpointStatus.CREATING) {
        throw error(
            ErrorCategory.UNAVAILABLE, "endpoint '" + endpoint + "' is still being created");
      }
      Deployment d;
      if (request.targetDeployment().isPresent()) {
        String name = request.targetDeployment().get();
        d = s.deployments.get(name);
        if (d == null) {
          throw error(
              ErrorCategory.NOT_FOUND,
              "endpoint '" + endpoint + "' has no deployment '" + name + "'");
        }
      } else {
        d = s.pick();
      }
      int ref = d == null ? Deployment.CLOSED : d.acquire();
      if (ref == Deployment.CLOSED) {
        // replaced or deleted between the lookup and now; look again
        if (attempt < 3) {
          continue;
        }
        throw error(ErrorCategory.UNAVAILABLE, "endpoint '" + endpoint + "' is changing");
      }
      if (d.repository() != null || namesModel) {
        Deployment parent = d;
        try {
          // acquired on this thread: its reference is this thread's counter, as the parent's
          d = member(parent, request, endpoint, dl);
        } finally {
          // The model's own deployment holds its session; the repository may close meanwhile.
          parent.release(ref);
        }
      }
      if (s.mirrorNow() && s.shadow != d && s.shadow.repository() == null && !namesModel) {
        mirror(s.shadow, request);
      }
      Deployment served = d;
      if (d.batcher() != null) {
        // Dynamic batching: this thread runs the request at once if an instance is free, else
        // waits for the batch that carries it (run by this thread or another caller's); the
        // future is complete on return. The reference is held until then.
        CompletableFuture<InferenceResponse> batched;
        try {
          batched = d.batcher().submit(request, ctx);
        } catch (RuntimeException e) {
          d.release(ref);
          throw e;
        }
        if (batched.isDone() && !batched.isCompletedExceptionally()) {
          // answered (submit returns once it is): no stage to chain, as without batching
          served.release(ref);
          if (!namesModel) {
            // the batcher's runner made the whole response (id, model, version, deployment;
            // split per caller from a batch): returned as it is, no second response or future
            return batched;
          }
          // a repository's model: named as this caller named it, whatever its batch's first said
          return CompletableFuture.completedFuture(
              response(served, request, batched.join().outputs()));
        }
        return batched.handle(
            (r, e) -> {
              served.release(ref); // on the thread that completes it: the reference says where
              if (e != null) {
                throw e instanceof java.util.concurrent.CompletionException ce
                    ? ce
                    : new java.util.concurrent.CompletionException(e);
              }
              return response(served, request, r.outputs());
            });
      }
      List<Tensor> outputs;
      try {
        // one clock read for both the check and the run's choice of deadline watch
        long left = dl.remainingNanos();
        if (left == 0) {
          throw Errors.timeout("predict on endpoint '" + endpoint + "'", null);
        }
        counters.runs.increment();
        try {
          outputs = d.model().run(request, dl, left);
        } catch (RuntimeException e) {
          counters.failedRuns.increment();
          throw e;
        }
      } finally {
        d.release(ref);
      }
      return CompletableFuture.completedFuture(response(served, request, outputs));
    }
  }

  /** The model a request names on a multi-model deployment, acquired for one run. */
  private static Deployment member(
      Deployment parent, InferenceRequest request, String endpoint, Deadline dl) {
    ModelRepository repository = parent.repository();
    if (repository == null) {
      throw error(
          ErrorCategory.INVALID_INPUT,
          "deployment '"
              + parent.name()
              + "' of endpoint '"
              + endpoint
              + "' serves one model; target model '"
              + request.targetModel().get()
              + "' is only for multi-model deployments");
    }
    if (request.targetModel().isEmpty()) {
      throw error(
          ErrorCategory.INVALID_INPUT,
          "deployment '"
              + parent.name()
              + "' of endpoint '"
              + endpoint
              + "' hosts many models: name one with InferenceRequest.Builder.targetModel (a path"
              + " under "
              + repository.root().toUri()
              + ")");
    }
    return repository.acquire(request.targetModel().get(), dl);
  }

  private static InferenceResponse response(
      Deployment d, InferenceRequest request, List<Tensor> outputs) {
    return InferenceResponse.builder()
        .id(request.id().orElse(null))
        .modelName(request.targetModel().orElse(d.spec().model().name()))
        .modelVersion(d.spec().model().version())
        .deployment(d.name())
        .outputs(outputs)
        .build();
  }

  private void mirror(Deployment shadow, InferenceRequest request) {
    try {
      shadowThread.execute(
          () -> {
            int ref = shadow.acquire();
            if (ref == Deployment.CLOSED) {
              return;
            }
            try {
              counters.shadowRuns.increment();
              shadow.model().run(request, Deadline.none());
            } catch (RuntimeException ignored) {
              // a shadow's failure never reaches the caller
            } finally {
              shadow.release(ref);
            }
          });
    } catch (RejectedExecutionException e) {
      counters.shadowDropped.increment();
    }
  }

  // ---------------------------------------------------------------- close

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      if (isolated) {
        registry.close();
      } else {
        Registry.releaseShared(registry);
      }
    }
  }

  // ---------------------------------------------------------------- helpers

  private void loadAll(
      EndpointSpec spec,
      Map<String, Deployment> reusable,
      Map<String, Deployment> into,
      CallContext ctx) {
    List<DeploymentSpec> all = spec.deployments();
    for (int i = 0; i < all.size(); i++) {
      DeploymentSpec d = all.get(i);
      if (ctx.isCancelled()) {
        throw new CancellationException("deploy of endpoint '" + spec.name() + "' cancelled");
      }
      Deployment same = reusable.get(d.name());
      if (same != null && same.spec().equals(d)) {
        into.put(d.name(), same);
        continue;
      }
      ctx.progress(
          "loading deployment '" + d.name() + "' (" + (i + 1) + "/" + all.size() + ")",
          (double) i / all.size());
      into.put(d.name(), loader.load(spec.name(), d));
    }
    if (ctx.isCancelled()) {
      throw new CancellationException("deploy of endpoint '" + spec.name() + "' cancelled");
    }
  }

  private void submit(
      CompletableFuture<EndpointDescription> result, Runnable work, Runnable onRejected) {
    try {
      loaderThreads.execute(work);
    } catch (RejectedExecutionException e) {
      onRejected.run();
      result.completeExceptionally(closedError());
    }
  }

  private static ServingException closedError() {
    return ServingException.builder(ErrorCategory.UNAVAILABLE)
        .providerId(LocalProvider.ID)
        .retryable(false)
        .message("the local serving client is closed")
        .build();
  }

  private static void complete(CompletableFuture<?> result, Throwable e) {
    if (e instanceof CancellationException) {
      result.cancel(false);
    } else {
      result.completeExceptionally(e);
    }
  }

  private static void retireAll(Iterable<Deployment> deployments) {
    for (Deployment d : deployments) {
      d.retire();
    }
  }

  private static void retireUnshared(
      Iterable<Deployment> deployments, Map<String, Deployment> keep) {
    for (Deployment d : deployments) {
      if (keep.get(d.name()) != d) {
        d.retire();
      }
    }
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
        .providerId(LocalProvider.ID)
        .message(message)
        .build();
  }
}
