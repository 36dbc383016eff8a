package io.serve4j.server.internal;

import io.serve4j.CallInfo;
import io.serve4j.DeploymentDescription;
import io.serve4j.Endpoint;
import io.serve4j.EndpointDescription;
import io.serve4j.EndpointStatus;
import io.serve4j.ErrorCategory;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.ModelSignature;
import io.serve4j.OperationKind;
import io.serve4j.ServingException;
import io.serve4j.ServingListener;
import io.serve4j.Tensor;
import io.serve4j.TensorSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedTransferQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** The served models by name: metadata, readiness and inference, shared by REST and gRPC. */
public final class Models {
  /** Provider id in the listener's {@link CallInfo}s. */
  public static final String LISTENER_PROVIDER_ID = "oip-server";

  private final Map<String, Served> models = new LinkedHashMap<>();
  private final ServingListener listener;
  private final ExecutorService workers;
  private final boolean inline;
  private final long inlineNanos;
  private final ScheduledExecutorService scheduler;

  /**
   * Creates the table.
   *
   * @param endpoints model name to endpoint
   * @param listener observes every inference, or null
   * @param workerThreads threads that call the endpoints; 0 to call them on the I/O thread
   * @param inlineThreshold an endpoint that runs each request alone, and whose calls hold the
   *     calling thread for less than this, is called on the I/O thread (see {@link Served#inline});
   *     zero: always on the workers
   */
  public Models(
      Map<String, Endpoint> endpoints,
      ServingListener listener,
      int workerThreads,
      Duration inlineThreshold) {
    endpoints.forEach((name, e) -> models.put(name, new Served(name, e)));
    this.listener = listener;
    AtomicInteger n = new AtomicInteger();
    this.inline = workerThreads == 0;
    this.inlineNanos = inlineThreshold.toNanos();
    this.workers = workerPool(Math.max(1, workerThreads), n);
    ScheduledThreadPoolExecutor timers =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "serve4j-oip-deadlines");
              t.setDaemon(true);
              return t;
            });
    timers.setRemoveOnCancelPolicy(true);
    this.scheduler = timers;
  }

  /**
   * The worker pool: up to {@code max} threads, an idle one reused before another is started (a
   * plain {@link ThreadPoolExecutor} with a core size starts a thread per task until it reaches the
   * core size, idle threads or not: 64 threads for 32 requests in flight), tasks queued once all
   * {@code max} are busy. Threads idle for 60 s end, but one.
   */
  static ThreadPoolExecutor workerPool(int max, AtomicInteger n) {
    HandOffQueue queue = new HandOffQueue();
    ThreadPoolExecutor pool =
        new ThreadPoolExecutor(
            1, // one thread always there: a queued task never waits for a thread to start
            max,
            60,
            TimeUnit.SECONDS,
            queue,
            r -> {
              Thread t = new Thread(r, "serve4j-oip-worker-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            },
            (r, p) -> {
              // all max threads busy: queue it (one of them takes it when done)
              if (p.isShutdown()) {
                throw new RejectedExecutionException("the server is shutting down");
              }
              queue.enqueue(r);
            });
    return pool;
  }

  /**
   * Takes a task only if an idle worker is waiting for one, so that the pool starts a new thread
   * (up to its maximum) rather than queue behind busy ones; the pool's rejection handler queues the
   * task once every thread is busy.
   */
  static final class HandOffQueue extends LinkedTransferQueue<Runnable> {
    private static final long serialVersionUID = 1L;

    @Override
    public boolean offer(Runnable r) {
      return tryTransfer(r);
    }

    void enqueue(Runnable r) {
      super.offer(r);
    }
  }

  /** Stops the worker threads (after the drain: nothing is in flight). */
  public void shutdown() {
    workers.shutdownNow();
    scheduler.shutdownNow();
  }

  /**
   * Returns the model names.
   *
   * @return the names, in the order given
   */
  public Set<String> names() {
    return models.keySet();
  }

  /**
   * Metadata of one model ({@code GET /v2/models/{m}}, gRPC ModelMetadata).
   *
   * @param name model name
   * @param version requested version, or null/empty
   * @return the metadata
   * @throws ServingException NOT_FOUND for an unknown model or version; the endpoint's errors
   */
  public Metadata metadata(String name, String version) {
    Served m = served(name, version);
    return m.metadata();
  }

  /**
   * Whether a model is ready: its endpoint is in service.
   *
   * @param name model name
   * @param version version, or null/empty
   * @return readiness
   * @throws ServingException NOT_FOUND for an unknown model
   */
  public boolean ready(String name, String version) {
    Served m = served(name, version);
    try {
      return m.endpoint.describe().status() == EndpointStatus.IN_SERVICE;
    } catch (ServingException e) {
      return false;
    }
  }

  /**
   * Whether every model is ready.
   *
   * @return readiness of the server
   */
  public boolean allReady() {
    for (String n : models.keySet()) {
      if (!ready(n, null)) {
        return false;
      }
    }
    return true;
  }

  /**
   * Runs one inference.
   *
   * @param name model name
   * @param version version, or null/empty
   * @param request the request (its id, if any, is echoed)
   * @param timeout the client's deadline, or null for the endpoint's own
   * @return the response, named after the model; fails with the typed error
   */
  public CompletableFuture<InferenceResponse> infer(
      String name, String version, InferenceRequest request, Duration timeout) {
    Served m;
    try {
      m = served(name, version);
    } catch (ServingException e) {
      return CompletableFuture.failedFuture(e);
    }
    long start = System.nanoTime();
    String id = request.id().orElse(null);
    CallInfo call =
        listener == null
            ? null
            : new CallInfo(
                LISTENER_PROVIDER_ID,
                OperationKind.PREDICT,
                name,
                id != null ? id : UUID.randomUUID().toString());
    if (call != null) {
      safely(() -> listener.onStart(call));
    }
    CompletableFuture<InferenceResponse> result = new CompletableFuture<>();
    try {
      // Endpoints may compute on the calling thread (the local runtime does, and its dynamic
      // batcher parks callers until their batch is done): on an I/O thread only if asked, or if
      // this endpoint runs each request alone and its last call at least this large held the
      // calling thread for less than the threshold (then the call costs less than the two thread
      // hand-offs it saves).
      long bytes = inputBytes(request);
      if (inline || m.inline(bytes, inlineNanos)) {
        run(m, request, timeout, start, result, bytes, inlineNanos, false);
      } else {
        workers.execute(() -> run(m, request, timeout, start, result, bytes, inlineNanos, true));
      }
    } catch (RejectedExecutionException e) {
      result.completeExceptionally(
          Errors.of(ErrorCategory.UNAVAILABLE, "the server is shutting down"));
    }
    // The deadline's timer only for a call still running: one answered on the calling thread
    // (inline, or a synchronous endpoint) needs none, and scheduling one costs a wake-up of the
    // timer thread and a cancel per request. The endpoint gets the time left in any case.
    ScheduledFuture<?> timer = null;
    if (timeout != null && !result.isDone()) {
      long left = timeout.toNanos() - (System.nanoTime() - start);
      timer =
          scheduler.schedule(
              () ->
                  result.completeExceptionally(
                      Errors.of(
                          ErrorCategory.TIMEOUT,
                          "model '"
                              + name
                              + "' did not answer within the request's "
                              + timeout.toMillis()
                              + " ms")),
              Math.max(0, left),
              TimeUnit.NANOSECONDS);
    }
    ScheduledFuture<?> t = timer;
    return result.handle(
        (r, e) -> {
          if (t != null) {
            t.cancel(false);
          }
          Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
          if (e != null) {
            ServingException se = Errors.typed(e);
            if (call != null) {
              safely(() -> listener.onError(call, se, elapsed));
            }
            throw se;
          }
          if (call != null) {
            safely(() -> listener.onSuccess(call, elapsed));
          }
          InferenceResponse.Builder b = r.toBuilder().modelName(name);
          String v = m.knownVersion();
          if (v != null) {
            b.modelVersion(v);
          }
          if (id != null) {
            b.id(id);
          }
          return b.build();
        });
  }

  private static long inputBytes(InferenceRequest request) {
    long bytes = 0;
    for (Tensor t : request.inputs()) {
      bytes += t.byteSize();
    }
    return bytes;
  }

  private static void run(
      Served m,
      InferenceRequest request,
      Duration timeout,
      long start,
      CompletableFuture<InferenceResponse> result,
      long bytes,
      long inlineNanos,
      boolean onWorker) {
    if (result.isDone()) {
      return; // timed out while queued
    }
    if (onWorker && inlineNanos > 0) {
      m.learnIfBatching();
    }
    InferenceRequest req = request;
    if (timeout != null) {
      long left = timeout.toNanos() - (System.nanoTime() - start);
      if (left <= 0) {
        result.completeExceptionally(
            Errors.of(ErrorCategory.TIMEOUT, "the request's deadline passed while it was queued"));
        return;
      }
      req = request.toBuilder().timeout(Duration.ofNanos(left)).build();
    }
    CompletableFuture<InferenceResponse> f;
    long t0 = System.nanoTime();
    try {
      f = m.endpoint.predictAsync(req);
    } catch (RuntimeException | Error e) {
      // an application's Endpoint (or a mismatched jar) may fail with an Error: the request still
      // gets an answer (500 / INTERNAL) instead of waiting for ever
      f = CompletableFuture.failedFuture(e);
    }
    m.held(System.nanoTime() - t0, bytes, inlineNanos);
    CompletableFuture<InferenceResponse> sent = f;
    sent.whenComplete(
        (r, e) -> {
          if (e != null) {
            result.completeExceptionally(e);
          } else {
            result.complete(r);
          }
        });
    // a timeout of ours cancels the endpoint's call
    result.whenComplete(
        (r, e) -> {
          if (!sent.isDone()) {
            sent.cancel(true);
          }
        });
  }

  private static void safely(Runnable r) {
    try {
      r.run();
    } catch (RuntimeException ignored) {
      // a throwing listener is ignored (ServingListener's contract)
    }
  }

  /**
   * Checks that a model (and version) is served, before a request body is read.
   *
   * @param name model name
   * @param version version, or null/empty
   * @throws ServingException NOT_FOUND if not
   */
  public void require(String name, String version) {
    served(name, version);
  }

  private Served served(String name, String version) {
    Served m = models.get(name);
    if (m == null) {
      throw Errors.of(ErrorCategory.NOT_FOUND, "model '" + name + "' is not served here");
    }
    if (version != null && !version.isEmpty()) {
      List<String> versions = m.metadata().versions();
      if (!versions.contains(version)) {
        throw Errors.of(
            ErrorCategory.NOT_FOUND,
            "model '" + name + "' has no version '" + version + "' (versions: " + versions + ")");
      }
    }
    return m;
  }

  /**
   * A model's metadata.
   *
   * @param name model name
   * @param versions versions that may be requested
   * @param platform e.g. {@code onnxruntime_onnx}, or empty if unknown
   * @param inputs input tensors (variable dims as -1); empty if the endpoint does not say
   * @param outputs output tensors
   */
  public record Metadata(
      String name,
      List<String> versions,
      String platform,
      List<TensorSpec> inputs,
      List<TensorSpec> outputs) {}

  private static final class Served {
    final String name;
    final Endpoint endpoint;
    private volatile Metadata metadata;

    /** Not described yet (or to describe again): calls go to the workers, which describe it. */
    private static final int UNKNOWN = 0;

    /** No deployment batches: each request runs alone, as long as its own computation. */
    private static final int ALONE = 1;

    /** A deployment batches (or the endpoint could not be described): never on an I/O thread. */
    private static final int MAY_WAIT = 2;

    /** What the endpoint is, as far as calling it on an I/O thread goes. */
    private volatile int kind = UNKNOWN;

    /**
     * The largest request (input bytes) whose last call held the calling thread for less than the
     * threshold; -1 before any. A call over it lowers it below that request's size.
     */
    private volatile long fastBytes = -1;

    Served(String name, Endpoint endpoint) {
      this.name = name;
      this.endpoint = endpoint;
    }

    /** Described once, on first use: the signature and versions of a deployment do not change. */
    Metadata metadata() {
      Metadata md = metadata;
      if (md == null) {
        EndpointDescription d = endpoint.describe();
        List<String> versions = new ArrayList<>();
        ModelSignature sig = null;
        String platform = "";
        for (DeploymentDescription dep : d.deployments()) {
          dep.modelVersion()
              .ifPresent(
                  v -> {
                    if (!versions.contains(v)) {
                      versions.add(v);
                    }
                  });
          if (sig == null && dep.signature().isPresent()) {
            sig = dep.signature().get();
          }
          if (dep.instanceType().orElse("").startsWith("onnxruntime")) {
            platform = "onnxruntime_onnx";
          }
        }
        md =
            new Metadata(
                name,
                List.copyOf(versions),
                platform,
                sig == null ? List.of() : sig.inputs(),
                sig == null ? List.of() : sig.outputs());
        metadata = md;
      }
      return md;
    }

    /**
     * Whether to call the endpoint on the I/O thread: it runs each request alone (no deployment
     * batches: a batching one may park its caller until other requests' batch is done), and a
     * request at least this large was last measured holding the calling thread for less than the
     * threshold. The first call, and the first of each larger size, runs on a worker.
     */
    boolean inline(long bytes, long thresholdNanos) {
      return thresholdNanos > 0 && kind == ALONE && bytes <= fastBytes;
    }

    /**
     * On a worker, before the call: reads from the endpoint's description whether a deployment
     * batches, once (and again after a call was slower than expected). A description that fails
     * keeps the endpoint on the workers.
     */
    void learnIfBatching() {
      if (kind != UNKNOWN) {
        return;
      }
      int k = ALONE;
      try {
        for (DeploymentDescription d : endpoint.describe().deployments()) {
          if (d.batching().isPresent()) {
            k = MAY_WAIT;
          }
        }
      } catch (RuntimeException | Error e) {
        k = MAY_WAIT; // e.g. allowed to predict but not to describe: stay on the workers
      }
      kind = k;
    }

    /**
     * Records how long one call held the calling thread (a race between two is harmless). One over
     * the threshold for a size thought fast sends requests of that size or larger to a worker until
     * one is measured fast again (a pause of the JVM or the machine costs one call), and has the
     * endpoint described again (it may have been updated to batch).
     */
    void held(long nanos, long bytes, long thresholdNanos) {
      long fast = fastBytes;
      if (nanos < thresholdNanos) {
        if (bytes > fast) {
          fastBytes = bytes;
        }
      } else if (bytes <= fast) {
        fastBytes = bytes - 1;
        if (kind == ALONE) {
          kind = UNKNOWN;
        }
      }
    }

    String knownVersion() {
      Metadata md = metadata;
      return md != null && md.versions().size() == 1 ? md.versions().get(0) : null;
    }
  }
}
