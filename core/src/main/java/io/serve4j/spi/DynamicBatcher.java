package io.serve4j.spi;

import io.serve4j.BatchingPolicy;
import io.serve4j.ErrorCategory;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.ServingException;
import io.serve4j.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Server-side dynamic batching for in-process runtimes: requests that arrive within {@link
 * BatchingPolicy#maxQueueDelay()} of each other are concatenated along their first dimension, run
 * once, and the outputs split back to their callers.
 *
 * <pre>{@code
 * DynamicBatcher batcher = new DynamicBatcher("relu", policy, batch -> session.run(batch));
 * CompletableFuture<InferenceResponse> r = batcher.submit(request, context);
 * }</pre>
 *
 * <p>The queue is bounded ({@link BatchingPolicy#maxQueueSize()} requests): when it is full a
 * request fails at once with a retryable {@link io.serve4j.ThrottledException}, never taking
 * unbounded memory. A request whose deadline passes or that is cancelled while queued is completed
 * with a TimeoutException or cancelled and left out of its batch. Requests join a batch only with
 * requests of the same inputs (names, types, trailing dimensions) and requested outputs; a request
 * with more rows than the maximum batch runs alone. {@link BatchingPolicy#instances()} daemon
 * threads form and run the batches: one gathers the next batch (in arrival order) while the others
 * run theirs, so up to that many batches run at once on a runtime that allows concurrent runs.
 * {@link #close()} stops them and fails what is still queued.
 *
 * <p>Arrivals do not wake the gatherer one by one: while it gathers a batch it sleeps until enough
 * rows are queued to fill it (or a preferred size) or the oldest request has waited {@link
 * BatchingPolicy#maxQueueDelay()}, so a batch of 32 costs one wake-up, not 32. With a zero delay it
 * takes whatever queued while the previous batch ran.
 */
public final class DynamicBatcher implements AutoCloseable {
  /** Runs one (batched) request on the runtime; called on the batcher's thread. */
  @FunctionalInterface
  public interface Runner {
    /**
     * Runs the request.
     *
     * @param request a request whose inputs may hold several callers' rows
     * @param callers the deadline of the run and a hook to stop it once its callers have gone
     * @return the response, whose outputs have as many rows as the inputs
     */
    InferenceResponse run(InferenceRequest request, Callers callers);
  }

  /**
   * What a {@link Runner} needs to know about the callers of one run: by when the last of them
   * needs its answer, and when all of them have gone (cancelled, timed out or the batcher closed),
   * so that a run nobody waits for any more can be stopped.
   *
   * <pre>{@code
   * (request, callers) -> {
   *   RunOptions options = new RunOptions();
   *   callers.onAllGone(() -> options.setTerminate(true));
   *   return run(request, callers.deadline(), options);
   * }
   * }</pre>
   */
  public interface Callers {
    /**
     * Returns the latest deadline among the run's callers: after it nobody needs the answer.
     *
     * @return the deadline
     */
    Deadline deadline();

    /**
     * Runs {@code stop} once every caller of the run has gone (cancelled, timed out or closed), at
     * once if they already have. It may run on another thread while the run is in progress and must
     * be short and not block; it never runs after the run has returned.
     *
     * @param stop what stops the run, e.g. setting ONNX Runtime's terminate flag
     */
    void onAllGone(Runnable stop);
  }

  private static final class Pending {
    final InferenceRequest request;
    final CallContext context;
    final CompletableFuture<InferenceResponse> result;
    final long rows;

    Pending(InferenceRequest request, CallContext context, long rows) {
      this.request = request;
      this.context = context;
      this.rows = rows;
      this.result = new CompletableFuture<>();
    }
  }

  private final String name;
  private final BatchingPolicy policy;
  private final Runner runner;
  private final ConcurrentLinkedQueue<Pending> queue = new ConcurrentLinkedQueue<>();
  private final AtomicInteger queuedRequests = new AtomicInteger();
  private final AtomicLong queuedRows = new AtomicLong();
  // The worker sleeps until queuedRows reaches this; Long.MAX_VALUE while it is not sleeping.
  private volatile long wakeAtRows = Long.MAX_VALUE;
  private final Thread[] workers;
  // The worker that gathers the next batch; only it sleeps on arrivals. Guarded by gathering.
  private volatile Thread gatherer;
  private final ReentrantLock gathering = new ReentrantLock();
  private final AtomicBoolean closed = new AtomicBoolean();
  private Pending carried;

  /**
   * Starts a batcher with its worker thread.
   *
   * @param name used in the thread name and messages (e.g. the deployment)
   * @param policy the batching policy
   * @param runner what runs a batch
   */
  public DynamicBatcher(String name, BatchingPolicy policy, Runner runner) {
    this.name = Objects.requireNonNull(name, "name");
    this.policy = Objects.requireNonNull(policy, "policy");
    this.runner = Objects.requireNonNull(runner, "runner");
    int n = policy.instances();
    this.workers = new Thread[n];
    for (int i = 0; i < n; i++) {
      workers[i] = new Thread(this::loop, "serve4j-batcher-" + name + (n > 1 ? "-" + i : ""));
      workers[i].setDaemon(true);
      workers[i].start();
    }
  }

  /**
   * Queues a request.
   *
   * @param request a request whose inputs all have a first (batch) dimension
   * @param context its deadline and cancellation
   * @return the caller's own response, rows split back out of the batch
   */
  public CompletableFuture<InferenceResponse> submit(
      InferenceRequest request, CallContext context) {
    if (closed.get()) {
      return CompletableFuture.failedFuture(
          error(ErrorCategory.UNAVAILABLE, "batcher of '" + name + "' is closed"));
    }
    long rows = -1;
    for (Tensor t : request.inputs()) {
      if (t.shape().rank() == 0 || (rows >= 0 && t.shape().dim(0) != rows)) {
        // Not batchable along axis 0: it runs alone, still in order with the others.
        rows = Long.MAX_VALUE;
        break;
      }
      rows = t.shape().dim(0);
    }
    // No inputs, or no rows: nothing to share a run with; it runs alone, at once.
    Pending p = new Pending(request, context, rows <= 0 ? Long.MAX_VALUE : rows);
    int n;
    do {
      n = queuedRequests.get();
      if (n >= policy.maxQueueSize()) {
        return throttled();
      }
    } while (!queuedRequests.compareAndSet(n, n + 1));
    queue.add(p);
    if (queuedRows.addAndGet(Math.min(p.rows, policy.maxBatchSize())) >= wakeAtRows) {
      LockSupport.unpark(gatherer);
    }
    if (closed.get()) {
      // Raced with close(): make sure the request is not stranded.
      failQueued();
    }
    return p.result;
  }

  private CompletableFuture<InferenceResponse> throttled() {
    return CompletableFuture.failedFuture(
        ServingException.builder(ErrorCategory.THROTTLED)
            .message(
                "the batching queue of '"
                    + name
                    + "' is full ("
                    + policy.maxQueueSize()
                    + " requests); retry later")
            .build());
  }

  /**
   * Returns how many requests wait in the queue.
   *
   * @return the queue length
   */
  public int queued() {
    return queuedRequests.get();
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      try {
        for (Thread w : workers) {
          LockSupport.unpark(w);
          w.join(5_000);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (carried != null) {
        carried.result.completeExceptionally(closedError());
      }
      failQueued();
    }
  }

  private void failQueued() {
    for (Pending p; (p = poll()) != null; ) {
      p.result.completeExceptionally(closedError());
    }
  }

  private ServingException closedError() {
    return error(ErrorCategory.UNAVAILABLE, "batcher of '" + name + "' closed");
  }

  private Pending poll() {
    Pending p = queue.poll();
    if (p != null) {
      queuedRequests.decrementAndGet();
      queuedRows.addAndGet(-Math.min(p.rows, policy.maxBatchSize()));
    }
    return p;
  }

  /**
   * Sleeps until at least {@code rows} rows are queued, the time is up or the batcher closes.
   *
   * @param rows rows to wait for
   * @param nanos the longest sleep; 0 or less to sleep without a limit
   */
  private void await(long rows, long nanos) {
    wakeAtRows = rows;
    // Checked after publishing wakeAtRows: an arrival either sees it and unparks us (the permit
    // makes the park return at once) or was counted before this check.
    if (queuedRows.get() < rows && !closed.get()) {
      if (nanos > 0) {
        LockSupport.parkNanos(this, nanos);
      } else {
        LockSupport.park(this);
      }
    }
    wakeAtRows = Long.MAX_VALUE;
  }

  private long target(long rows) {
    long target = policy.maxBatchSize();
    for (int p : policy.preferredBatchSizes()) {
      if (p > rows && p < target) {
        target = p;
      }
    }
    return target;
  }

  private void loop() {
    long maxDelayNanos = policy.maxQueueDelay().toNanos();
    while (!closed.get()) {
      List<Pending> batch;
      gathering.lock();
      try {
        gatherer = Thread.currentThread();
        batch = gather(maxDelayNanos);
      } finally {
        gathering.unlock();
      }
      if (batch == null) {
        continue;
      }
      if (closed.get()) {
        batch.forEach(p -> p.result.completeExceptionally(closedError()));
        return;
      }
      try {
        run(batch);
      } catch (RuntimeException | Error e) {
        // run() completes every future; this is a last guard so that no caller waits out its
        // deadline and the loop never dies.
        ServingException se = e instanceof RuntimeException r ? typed(r) : internal(e);
        batch.forEach(p -> p.result.completeExceptionally(se));
      }
    }
  }

  /** Gathers one batch; null if there was nothing to run. Called holding {@code gathering}. */
  private List<Pending> gather(long maxDelayNanos) {
    Pending first = carried;
    carried = null;
    if (first == null) {
      first = poll();
      if (first == null) {
        await(1, 0);
        return null;
      }
    }
    if (!alive(first)) {
      return null;
    }
    List<Pending> batch = new ArrayList<>();
    batch.add(first);
    long rows = first.rows;
    long until = System.nanoTime() + maxDelayNanos;
    while (rows < policy.maxBatchSize() && !preferred(rows) && !closed.get()) {
      Pending next = poll();
      if (next == null) {
        long wait = until - System.nanoTime();
        if (wait <= 0) {
          break;
        }
        await(target(rows) - rows, wait);
        continue;
      }
      if (!alive(next)) {
        continue;
      }
      if (!compatible(first, next) || rows + next.rows > policy.maxBatchSize()) {
        carried = next;
        break;
      }
      batch.add(next);
      rows += next.rows;
    }
    return batch;
  }

  private boolean preferred(long rows) {
    return policy.preferredBatchSizes().contains((int) Math.min(rows, Integer.MAX_VALUE));
  }

  private static boolean alive(Pending p) {
    if (p.result.isDone()) {
      return false;
    }
    if (p.context.isCancelled()) {
      p.result.cancel(false);
      return false;
    }
    if (p.context.deadline().isExpired()) {
      p.result.completeExceptionally(p.context.deadline().timeoutError("queued prediction"));
      return false;
    }
    return true;
  }

  private static boolean compatible(Pending a, Pending b) {
    if (a.rows == Long.MAX_VALUE || b.rows == Long.MAX_VALUE) {
      return false;
    }
    InferenceRequest x = a.request;
    InferenceRequest y = b.request;
    if (x.inputs().size() != y.inputs().size()
        || !x.outputs().equals(y.outputs())
        || !x.parameters().equals(y.parameters())) {
      return false;
    }
    for (Tensor t : x.inputs()) {
      Tensor u = y.input(t.name()).orElse(null);
      if (u == null
          || u.dataType() != t.dataType()
          || u.shape().rank() != t.shape().rank()
          || !u.shape().withFirstDimension(0).equals(t.shape().withFirstDimension(0))) {
        return false;
      }
    }
    return true;
  }

  /**
   * Runs a gathered batch and completes every future in it, whatever happens. Callers that have
   * gone while the batch gathered are left out; if the merged run fails (concatenation or the
   * model), each caller still waiting runs alone, so that one bad request fails alone.
   */
  private void run(List<Pending> gathered) {
    List<Pending> batch = new ArrayList<>(gathered.size());
    for (Pending p : gathered) {
      if (alive(p)) {
        batch.add(p);
      }
    }
    if (batch.size() <= 1) {
      if (!batch.isEmpty()) {
        runAlone(batch.get(0));
      }
      return;
    }
    Run run = new Run(batch);
    InferenceResponse response;
    try {
      response = runner.run(merge(batch), run);
    } catch (RuntimeException e) {
      run.finish();
      for (Pending p : batch) {
        runAlone(p);
      }
      return;
    }
    run.finish();
    try {
      split(batch, response);
    } catch (RuntimeException e) {
      ServingException se = typed(e);
      batch.forEach(p -> p.result.completeExceptionally(se));
    }
  }

  private void runAlone(Pending p) {
    if (!alive(p)) {
      return;
    }
    Run run = new Run(List.of(p));
    try {
      InferenceResponse r = runner.run(p.request, run);
      run.finish();
      p.result.complete(r);
    } catch (RuntimeException e) {
      run.finish();
      p.result.completeExceptionally(typed(e));
    }
  }

  private static InferenceRequest merge(List<Pending> batch) {
    InferenceRequest first = batch.get(0).request;
    List<Tensor> inputs = new ArrayList<>(first.inputs().size());
    for (Tensor t : first.inputs()) {
      List<Tensor> parts = new ArrayList<>(batch.size());
      for (Pending p : batch) {
        parts.add(p.request.input(t.name()).orElseThrow());
      }
      inputs.add(Tensor.concatRows(t.name(), parts));
    }
    return first.toBuilder().id(null).inputs(inputs).build();
  }

  private void split(List<Pending> batch, InferenceResponse response) {
    long total = 0;
    for (Pending p : batch) {
      total += p.rows;
    }
    for (Tensor out : response.outputs()) {
      if (out.shape().rank() == 0 || out.shape().dim(0) != total) {
        throw error(
            ErrorCategory.MODEL_ERROR,
            "output '"
                + out.name()
                + "' of '"
                + name
                + "' has shape "
                + out.shape()
                + ", not "
                + total
                + " rows; the model cannot be batched along its first dimension");
      }
    }
    List<InferenceResponse> answers = new ArrayList<>(batch.size());
    long offset = 0;
    for (Pending p : batch) {
      long from = offset;
      long to = offset + p.rows;
      InferenceResponse.Builder mine = response.toBuilder().id(p.request.id().orElse(null));
      List<Tensor> outs = new ArrayList<>(response.outputs().size());
      for (Tensor out : response.outputs()) {
        outs.add(out.sliceRows(from, to));
      }
      answers.add(mine.outputs(outs).build());
      offset = to;
    }
    // Completed only once every answer is cut out: a failure above fails every caller alike.
    for (int i = 0; i < answers.size(); i++) {
      batch.get(i).result.complete(answers.get(i));
    }
  }

  private ServingException typed(RuntimeException e) {
    if (e instanceof ServingException se) {
      return se;
    }
    return ServingException.builder(ErrorCategory.MODEL_ERROR)
        .message("batch of '" + name + "' failed: " + e)
        .cause(e)
        .build();
  }

  /** The callers of one run, for {@link Runner}: their latest deadline and whether all left. */
  private static final class Run implements Callers {
    private final List<Pending> members;
    private final Deadline deadline;
    private final AtomicInteger present;
    private List<Runnable> stops; // guarded by this
    private boolean finished; // guarded by this
    private boolean gone; // guarded by this

    Run(List<Pending> members) {
      this.members = members;
      Deadline latest = members.get(0).context.deadline();
      for (int i = 1; i < members.size(); i++) {
        latest = latest.later(members.get(i).context.deadline());
      }
      this.deadline = latest;
      this.present = new AtomicInteger(members.size());
    }

    @Override
    public Deadline deadline() {
      return deadline;
    }

    @Override
    public void onAllGone(Runnable stop) {
      boolean watch;
      synchronized (this) {
        if (finished) {
          return;
        }
        if (gone) {
          stop.run();
          return;
        }
        watch = stops == null;
        if (watch) {
          stops = new ArrayList<>(1);
        }
        stops.add(stop);
      }
      if (watch) {
        // A caller has gone once its future is done: cancelled, timed out or failed by close.
        for (Pending p : members) {
          p.result.whenComplete((r, e) -> left());
        }
      }
    }

    private void left() {
      if (present.decrementAndGet() == 0) {
        synchronized (this) {
          if (!finished && !gone) {
            gone = true;
            for (Runnable stop : stops) {
              try {
                stop.run();
              } catch (RuntimeException ignored) {
                // the run ends on its own
              }
            }
          }
        }
      }
    }

    synchronized void finish() {
      finished = true;
    }
  }

  private ServingException internal(Throwable e) {
    return ServingException.builder(ErrorCategory.INTERNAL)
        .message("batch of '" + name + "' failed: " + e)
        .cause(e)
        .build();
  }

  private static ServingException error(ErrorCategory category, String message) {
    return ServingException.builder(category).message(message).build();
  }
}
