package io.serve4j.spi;

import io.serve4j.BatchRun;
import io.serve4j.BatchingPolicy;
import io.serve4j.ErrorCategory;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.ServingException;
import io.serve4j.Tensor;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * Server-side dynamic batching for in-process runtimes, run on the callers' own threads: a request
 * that finds a free instance runs at once on its caller's thread, alone (as Triton does with no
 * queue delay); requests queue only while every one of {@link BatchingPolicy#instances()} instances
 * is busy. A caller whose own request is answered runs, before it leaves, the one batch queued
 * behind it at once (up to {@link BatchingPolicy#maxBatchSize()} rows; unless it would wait to fill
 * a preferred size), so that the instance does not idle while a parked thread wakes; then it hands
 * the instance to the oldest waiting caller, which runs the next batch for everyone queued: no
 * request pays a hand-off to a batcher thread, and an idle batcher costs one uncontended lock (none
 * while batching does not pay: below).
 *
 * <pre>{@code
 * DynamicBatcher batcher =
 *     new DynamicBatcher("relu", policy, (batch, deadline) -> session.run(batch, deadline));
 * CompletableFuture<InferenceResponse> r = batcher.submit(request, context); // done on return
 * }</pre>
 *
 * <p>{@link #submit} therefore blocks its caller until the answer is there (or its deadline
 * passes); the future it returns is complete. Queued requests are concatenated along their first
 * dimension with requests of the same inputs (names, types, trailing dimensions), requested outputs
 * and parameters, run once, and the outputs split back. A request with more rows than the maximum
 * batch, or with no rows, runs alone. {@link BatchingPolicy#maxQueueDelay()} is used only under
 * load and only with {@link BatchingPolicy#preferredBatchSizes()}: a batch gathered from the queue
 * waits at most that long since its oldest request arrived for more requests to reach a preferred
 * size; a request at a free instance never waits for it.
 *
 * <p>Batching must not cost more than it saves. A queued request is parked and woken (two context
 * switches, tens of microseconds on a loaded CPU), and on some models and CPUs a batch costs no
 * less per row than a run of one. So the batcher learns, from its own runs, the machine time per
 * row of runs of one request and of batches (a run's wall time over its rows and over the runs in
 * flight beside it, so that a run slowed by others sharing the cores is not taken for a costly
 * one), and one rule decides: while batches do not save at least {@link #CHEAP_ROW} per row against
 * running alone, every request runs alone at once on its caller's thread, as without batching,
 * taking neither the batcher's lock nor an instance ({@link Stats#unbatched()} counts them). Rows
 * cheaper than {@link #CHEAP_ROW} are therefore never batched. Until it has measured batches the
 * batcher batches; while requests run alone it goes back to batching now and then for a few runs,
 * to measure batches again (after 1,024 requests run alone, then after twice as many each time
 * batches still do not pay, up to 65,536).
 *
 * <p>The queue is bounded ({@link BatchingPolicy#maxQueueSize()} requests): when it is full a
 * request fails at once with a retryable {@link io.serve4j.ThrottledException}. A request whose
 * deadline passes or that is cancelled while queued fails with a TimeoutException or is cancelled
 * and left out of its batch; a run is given the latest deadline of its callers, after which nobody
 * waits for it. If a merged run fails, each of its callers still waiting runs alone, so that one
 * bad request fails alone. {@link #close()} fails what is still queued at once.
 *
 * <p>Each request's run is reported to its {@link CallContext#batched} (core hands it to the
 * client's listeners as {@link io.serve4j.ServingListener#onBatch}): the run's size, the request's
 * time queued (arrival to run start) and the run's compute time, before the request's outcome.
 */
public final class DynamicBatcher implements AutoCloseable {
  /** Runs one (batched) request on the runtime; called on a caller's thread. */
  @FunctionalInterface
  public interface Runner {
    /**
     * Runs the request.
     *
     * @param request a request whose inputs may hold several callers' rows
     * @param deadline the latest deadline among the run's callers: after it nobody waits for the
     *     answer, so the run should stop (e.g. ONNX Runtime's terminate flag)
     * @return the response, whose outputs have as many rows as the inputs
     */
    InferenceResponse run(InferenceRequest request, Deadline deadline);
  }

  // Pending.state: what its caller's thread is doing.
  private static final int ACTIVE = 0; // holding an instance (or about to)
  private static final int WAITING = 1; // parked: may be handed an instance
  private static final int HANDED = 2; // handed an instance, not yet awake
  private static final int GONE = 3; // left (deadline, interrupt); never handed anything

  private static final AtomicIntegerFieldUpdater<Pending> STATE =
      AtomicIntegerFieldUpdater.newUpdater(Pending.class, "state");

  private static final class Pending {
    final InferenceRequest request;
    final CallContext context;
    final CompletableFuture<InferenceResponse> result;
    final long rows;
    // the ticker at submit; 0 for a request that went straight to a run alone (no queue)
    final long arrived;
    final Thread caller;
    volatile int state;
    // Queued while every instance was busy (only such batches wait to fill a preferred size).
    boolean queuedBusy;

    Pending(InferenceRequest request, CallContext context, long rows, long arrived) {
      this.request = request;
      this.context = context;
      this.rows = rows;
      this.result = new CompletableFuture<>();
      this.arrived = arrived;
      this.caller = Thread.currentThread();
    }
  }

  private final String name;
  private final BatchingPolicy policy;
  private final Runner runner;
  // System::nanoTime but in tests: the clock of arrivals, the queue delay and runs' costs
  private final LongSupplier ticker;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition arrivals = lock.newCondition();
  private final ArrayDeque<Pending> queue = new ArrayDeque<>(); // guarded by lock
  private int free; // instances nobody holds; guarded by lock
  private int gatherersWaiting; // guarded by lock
  private volatile boolean closed; // written under lock
  // Runs in flight: a run's wall time is divided by them (inFlight()). Striped, and summed only by
  // runs that are timed. Batches and queued requests run alone count themselves in and out of
  // running; a request run alone unqueued counts itself in with unbatched (which Stats reports
  // anyway) and out with unbatchedDone: two shared counters touched a call, not three.
  private final LongAdder running = new LongAdder();
  private final LongAdder unbatchedDone = new LongAdder();
  // Machine time per row (ns) of runs of one request and of batches: racy moving averages of
  // measured runs (a lost update only slows learning), with how many runs each has seen since it
  // was last reset (the first run of each is not used: its shapes are new to the runtime).
  private volatile long aloneRowNanos;
  private volatile int aloneRuns;
  private volatile long batchRowNanos;
  private volatile int batchRuns;
  // Requests run alone since batching was last measured, and how many before it is measured again
  // (doubled each time batches still do not pay, up to MAX_PROBE_EVERY): racy, for the probe.
  private volatile int sinceProbe;
  private volatile int probeEvery = PROBE_EVERY;
  private final LongAdder unbatched = new LongAdder(); // unqueued runs alone begun (Stats)
  private final LongAdder timedAlone = new LongAdder(); // runs alone that read the clock
  // Statistics (stats()): guarded by lock, except parks.
  private long runs;
  private long requests;
  private long handOffs;
  private final long[] runsBySize;
  private final LongAdder parks = new LongAdder();

  /**
   * What batching must save per row (100 µs) against running alone, for requests to be batched: a
   * queued request is parked and woken, which costs about this much on a loaded CPU. While batches
   * do not cost at least this much less per row than runs of one request (in particular while a row
   * costs less than this), every request runs alone at once on its caller's thread.
   */
  public static final Duration CHEAP_ROW = Duration.ofNanos(100_000);

  private static final long CHEAP_ROW_NANOS = CHEAP_ROW.toNanos();

  /** Runs of each kind measured (after the first) before the rule trusts their average. */
  private static final int MEASURED = 3;

  /**
   * Once alone runs are measured, one in this many runs alone that nobody observes is timed to keep
   * their average current (the others read no clock and write no shared average).
   */
  static final int TIME_EVERY = 16;

  /**
   * Requests run alone (rows over {@link #CHEAP_ROW}) after which batching is first measured again;
   * the interval doubles each time batches still do not pay, up to {@link #MAX_PROBE_EVERY}.
   */
  static final int PROBE_EVERY = 1024;

  static final int MAX_PROBE_EVERY = 64 * 1024;

  /**
   * Creates a batcher; it starts no thread.
   *
   * @param name used in messages (e.g. the deployment)
   * @param policy the batching policy
   * @param runner what runs a batch
   */
  public DynamicBatcher(String name, BatchingPolicy policy, Runner runner) {
    this(name, policy, runner, System::nanoTime);
  }

  /**
   * Creates a batcher that reads time from {@code ticker} (nanoseconds, like {@link
   * System#nanoTime()}): tests give a clock that only their runner advances, so that what the
   * batcher learns of a run's cost does not depend on how busy the machine is.
   */
  DynamicBatcher(String name, BatchingPolicy policy, Runner runner, LongSupplier ticker) {
    this.ticker = Objects.requireNonNull(ticker, "ticker");
    this.name = Objects.requireNonNull(name, "name");
    this.policy = Objects.requireNonNull(policy, "policy");
    this.runner = Objects.requireNonNull(runner, "runner");
    this.free = policy.instances();
    this.runsBySize = new long[policy.maxBatchSize() + 1];
  }

  /**
   * What the batcher has done so far, for profiling and tests: how many runs it gathered and of
   * what size, how often a waiting caller's thread parked and how often an instance was handed from
   * one caller's thread to another's.
   *
   * @param runs runs gathered (a request run alone counts as a run of one)
   * @param requests requests those runs carried
   * @param parks times a caller's thread parked waiting for its answer or an instance
   * @param handOffs times a thread that freed an instance handed it to a waiting caller
   * @param unbatched requests that ran alone at once on their caller's thread, outside the
   *     batcher's instances and not counted in {@code runs}, because batches did not save {@link
   *     #CHEAP_ROW} per row against running alone
   * @param runsBySize {@code runsBySize[n]}: runs of {@code n} requests ({@code n} up to the
   *     maximum batch size)
   */
  public record Stats(
      long runs, long requests, long parks, long handOffs, long unbatched, long[] runsBySize) {
    /** Copies the histogram. */
    public Stats {
      runsBySize = runsBySize.clone();
    }

    @Override
    public long[] runsBySize() {
      return runsBySize.clone();
    }

    /**
     * Returns the mean number of requests per run.
     *
     * @return requests / runs, 0 before the first run
     */
    public double meanRequestsPerRun() {
      return runs == 0 ? 0 : (double) requests / runs;
    }
  }

  /**
   * Returns what the batcher has done so far.
   *
   * @return a snapshot of its counters
   */
  public Stats stats() {
    lock.lock();
    try {
      return new Stats(runs, requests, parks.sum(), handOffs, unbatched.sum(), runsBySize);
    } finally {
      lock.unlock();
    }
  }

  /** Runs alone that were timed (completed ones); for tests. */
  long timedAloneRuns() {
    return timedAlone.sum();
  }

  /**
   * Runs a request: at once on this thread if an instance is free, else in the next batch once one
   * frees (run by this thread or by another caller's).
   *
   * @param request a request whose inputs all have a first (batch) dimension
   * @param context its deadline and cancellation
   * @return the caller's own response, rows split back out of the batch; complete on return
   */
  public CompletableFuture<InferenceResponse> submit(
      InferenceRequest request, CallContext context) {
    long rows = -1;
    List<Tensor> inputs = request.inputs();
    for (int i = 0, n = inputs.size(); i < n; i++) { // no iterator, whatever the JIT inlines
      Tensor t = inputs.get(i);
      if (t.shape().rank() == 0 || (rows >= 0 && t.shape().dim(0) != rows)) {
        // Not batchable along axis 0: it runs alone, still in order with the others.
        rows = Long.MAX_VALUE;
        break;
      }
      rows = t.shape().dim(0);
    }
    // No inputs, or no rows: nothing to share a run with; it runs alone.
    long batchRows = rows <= 0 ? Long.MAX_VALUE : rows;
    if (batchingDoesNotPay()) {
      // Run alone at once, as without batching: no lock, no instance, no queue.
      if (closed) {
        return CompletableFuture.failedFuture(
            error(ErrorCategory.UNAVAILABLE, "batcher of '" + name + "' is closed"));
      }
      unbatched.increment(); // in flight until unbatchedDone counts it out
      try {
        return runUnqueued(request, context, batchRows);
      } finally {
        unbatchedDone.increment();
      }
    }
    Pending p = new Pending(request, context, batchRows, ticker.getAsLong());
    boolean holding;
    lock.lock();
    try {
      if (closed) {
        return CompletableFuture.failedFuture(
            error(ErrorCategory.UNAVAILABLE, "batcher of '" + name + "' is closed"));
      }
      if (queue.size() >= policy.maxQueueSize()) {
        return throttled();
      }
      holding = free > 0;
      if (holding) {
        queue.addLast(p);
        free--;
      } else {
        queue.addLast(p);
        p.queuedBusy = true;
        p.state = WAITING;
        if (gatherersWaiting > 0) {
          arrivals.signalAll();
        }
      }
    } finally {
      lock.unlock();
    }
    serve(p, holding);
    return p.result;
  }

  /**
   * The batcher's one rule: true while batches are not known to save {@link #CHEAP_ROW} per row
   * against runs of one request (racy reads of the measured averages: a hint, never a correctness
   * matter). Once in a while such a request instead forgets what batches cost, so that the next
   * requests batch again and measure them anew.
   */
  private boolean batchingDoesNotPay() {
    if (aloneRuns <= MEASURED) {
      return false; // alone not measured yet: batch (a request at a free instance runs alone)
    }
    long alone = aloneRowNanos;
    if (alone < CHEAP_ROW_NANOS) {
      return true; // no batch can win back a hand-off
    }
    if (batchRuns <= MEASURED) {
      return false; // batches not measured yet: batch
    }
    if (batchRowNanos + CHEAP_ROW_NANOS < alone) {
      if (probeEvery != PROBE_EVERY) {
        probeEvery = PROBE_EVERY;
      }
      return false; // batches pay
    }
    int n = sinceProbe + 1;
    int every = probeEvery;
    if (n >= every) {
      batchRuns = 0; // measure batches again, and (if they still do not pay) later next time
      probeEvery = Math.min(2 * every, MAX_PROBE_EVERY);
      n = 0;
    }
    sinceProbe = n;
    return true;
  }

  /**
   * Learns from a run: {@code nanos} of wall time for {@code rows} rows of {@code requests}
   * requests, with {@code inFlight} runs (this one included) sharing the machine on average.
   */
  private void learn(long nanos, long rows, int requests, int inFlight) {
    long perRow = nanos / Math.max(1, inFlight) / Math.max(1, rows);
    if (requests > 1) {
      int n = batchRuns;
      batchRowNanos = average(batchRowNanos, perRow, n);
      batchRuns = n + 1;
    } else {
      int n = aloneRuns;
      aloneRowNanos = average(aloneRowNanos, perRow, n);
      if (n <= MEASURED) {
        aloneRuns = n + 1;
      }
    }
  }

  /**
   * A moving average that falls fast but rises by at most an eighth a run, so that a run the
   * operating system preempted (other processes on the machine) barely moves it while a lasting
   * change still shows within a few dozen runs; the first two samples of {@code n} seed it.
   */
  private static long average(long average, long sample, int n) {
    if (n <= 1) {
      return sample;
    }
    return average + Math.min((sample - average) / 4, Math.max(1, average / 8));
  }

  /**
   * Until {@code p} is answered: holds an instance and runs batches from the queue, or waits for
   * the answer or for an instance handed over.
   */
  private void serve(Pending p, boolean holding) {
    boolean interrupted = false;
    boolean ranNext = false;
    try {
      while (true) {
        if (holding) {
          try {
            while (!p.result.isDone()) {
              List<Pending> batch = gather(true);
              if (batch == null) {
                // Ours is in a batch another instance runs; wait for it below.
                p.state = WAITING;
                break;
              }
              runGuarded(batch);
            }
            if (p.result.isDone() && !ranNext) {
              // Ours is answered: the batch queued behind it starts now, on this running thread,
              // rather than once a parked caller's thread is woken and scheduled (the instance
              // idle meanwhile; under load that takes a time slice). One batch at most, and only
              // one that need not wait to fill a preferred size, so that this caller's answer
              // waits no longer than a queued request's; then the instance is handed on.
              ranNext = true;
              List<Pending> next = gather(false);
              if (next != null) {
                runGuarded(next);
              }
            }
          } finally {
            release();
          }
          holding = false;
        }
        // Wait for the answer, or for an instance handed over.
        while (true) {
          int s = p.state;
          if (s == HANDED) {
            p.state = ACTIVE;
            holding = true;
            break;
          }
          if (p.result.isDone() || s == ACTIVE) {
            // Answered: leave, unless an instance is being handed over right now.
            if (s == ACTIVE || STATE.compareAndSet(p, WAITING, GONE)) {
              return;
            }
            continue;
          }
          Deadline d = p.context.deadline();
          if (d.isExpired() || interrupted) {
            if (STATE.compareAndSet(p, WAITING, GONE)) {
              if (interrupted) {
                p.result.cancel(false);
              } else {
                p.result.completeExceptionally(d.timeoutError("queued prediction"));
              }
              leave(p);
              return;
            }
            continue;
          }
          parks.increment();
          if (d.isFinite()) {
            LockSupport.parkNanos(this, d.remaining().toNanos());
          } else {
            LockSupport.park(this);
          }
          if (Thread.interrupted()) {
            interrupted = true;
          }
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Takes a request that left while queued out of the queue, so it no longer counts. */
  private void leave(Pending p) {
    lock.lock();
    try {
      queue.remove(p);
    } finally {
      lock.unlock();
    }
  }

  /** Hands the instance this thread holds to the oldest waiting caller, or frees it. */
  private void release() {
    Pending next = null;
    lock.lock();
    try {
      for (Iterator<Pending> it = queue.iterator(); it.hasNext(); ) {
        Pending q = it.next();
        if (q.result.isDone()) {
          it.remove(); // cancelled, timed out or closed while queued
          continue;
        }
        if (STATE.compareAndSet(q, WAITING, HANDED)) {
          next = q;
          handOffs++;
          break;
        }
      }
      if (next == null) {
        free++;
      }
    } finally {
      lock.unlock();
    }
    if (next != null) {
      LockSupport.unpark(next.caller);
    }
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
    lock.lock();
    try {
      return queue.size();
    } finally {
      lock.unlock();
    }
  }

  /** Fails what is still queued at once; runs in progress finish. Later submits fail. */
  @Override
  public void close() {
    List<Pending> stranded;
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      stranded = new ArrayList<>(queue);
      queue.clear();
      arrivals.signalAll();
    } finally {
      lock.unlock();
    }
    ServingException e = error(ErrorCategory.UNAVAILABLE, "batcher of '" + name + "' closed");
    for (Pending p : stranded) {
      p.result.completeExceptionally(e);
      LockSupport.unpark(p.caller);
    }
  }

  private boolean preferred(long rows) {
    return policy.preferredBatchSizes().contains((int) Math.min(rows, Integer.MAX_VALUE));
  }

  /**
   * Takes the next batch from the queue, in arrival order; null if nothing is left to run, or if
   * {@code !mayWait} and the batch would wait (under load, up to the queue delay) to reach a
   * preferred size: then the queue is left as it was.
   */
  private List<Pending> gather(boolean mayWait) {
    lock.lock();
    try {
      Pending first;
      while ((first = queue.pollFirst()) != null && !alive(first)) {
        // gone while queued
      }
      if (first == null) {
        return null;
      }
      List<Pending> batch = new ArrayList<>();
      batch.add(first);
      long rows = first.rows;
      long until = first.arrived + policy.maxQueueDelay().toNanos();
      while (rows < policy.maxBatchSize() && !preferred(rows)) {
        Pending next = queue.peekFirst();
        if (next == null) {
          // Under load only: wait (at most the queue delay) for rows to reach a preferred size.
          long wait = until - ticker.getAsLong();
          if (!first.queuedBusy || policy.preferredBatchSizes().isEmpty() || closed || wait <= 0) {
            break;
          }
          if (!mayWait) {
            for (int i = batch.size() - 1; i >= 0; i--) {
              queue.addFirst(batch.get(i)); // back in arrival order, for a caller that may wait
            }
            return null;
          }
          gatherersWaiting++;
          try {
            arrivals.awaitNanos(wait);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            break;
          } finally {
            gatherersWaiting--;
          }
          continue;
        }
        if (!alive(next)) {
          queue.pollFirst();
          continue;
        }
        if (!compatible(first, next) || rows + next.rows > policy.maxBatchSize()) {
          break;
        }
        queue.pollFirst();
        batch.add(next);
        rows += next.rows;
      }
      runs++;
      requests += batch.size();
      runsBySize[Math.min(batch.size(), runsBySize.length - 1)]++;
      return batch;
    } finally {
      lock.unlock();
    }
  }

  private static boolean alive(Pending p) {
    if (p.result.isDone()) {
      return false;
    }
    if (p.context.isCancelled()) {
      p.result.cancel(false);
      LockSupport.unpark(p.caller);
      return false;
    }
    if (p.context.deadline().isExpired()) {
      p.result.completeExceptionally(p.context.deadline().timeoutError("queued prediction"));
      LockSupport.unpark(p.caller);
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

  /** Runs a batch; whatever happens every future in it is complete and its caller woken after. */
  private void runGuarded(List<Pending> batch) {
    try {
      run(batch);
    } catch (RuntimeException | Error e) {
      ServingException se = e instanceof RuntimeException r ? typed(r) : internal(e);
      batch.forEach(p -> p.result.completeExceptionally(se));
    } finally {
      for (Pending p : batch) {
        if (p.caller != Thread.currentThread()) {
          LockSupport.unpark(p.caller);
        }
      }
    }
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
    InferenceResponse response;
    long started;
    long computed;
    try {
      InferenceRequest merged = merge(batch);
      running.increment();
      long before = inFlight();
      started = ticker.getAsLong();
      long after;
      try {
        response = runner.run(merged, latest(batch));
      } finally {
        after = inFlight();
        running.decrement();
      }
      computed = ticker.getAsLong(); // a failed run teaches nothing about the model's cost
      learn(computed - started, rowsOf(batch), batch.size(), (int) ((before + after + 1) / 2));
    } catch (RuntimeException e) {
      for (Pending p : batch) {
        runAlone(p);
      }
      return;
    }
    long rows = 0;
    for (Pending p : batch) {
      rows += p.rows;
    }
    for (Pending p : batch) {
      report(p, batch.size(), rows, started, computed);
    }
    try {
      split(batch, response);
    } catch (RuntimeException e) {
      ServingException se = typed(e);
      batch.forEach(p -> p.result.completeExceptionally(se));
    }
  }

  private static long rowsOf(List<Pending> batch) {
    long rows = 0;
    for (Pending p : batch) {
      rows += p.rows == Long.MAX_VALUE ? 1 : p.rows;
    }
    return rows;
  }

  private void runAlone(Pending p) {
    if (!alive(p)) {
      return;
    }
    try {
      p.result.complete(runOne(p.request, p.context, p.rows, p.arrived, false));
    } catch (ServingException e) {
      p.result.completeExceptionally(e);
    }
  }

  /**
   * A request that runs alone at once on its caller's thread, never queued: {@link #runAlone}
   * without a {@link Pending} (no future to complete, no caller to wake), so that it costs what a
   * call without batching does.
   */
  private CompletableFuture<InferenceResponse> runUnqueued(
      InferenceRequest request, CallContext context, long rows) {
    if (context.isCancelled()) {
      CompletableFuture<InferenceResponse> f = new CompletableFuture<>();
      f.cancel(false);
      return f;
    }
    Deadline d = context.deadline();
    if (d.isExpired()) {
      return CompletableFuture.failedFuture(d.timeoutError("queued prediction"));
    }
    try {
      return CompletableFuture.completedFuture(runOne(request, context, rows, 0L, true));
    } catch (ServingException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * Runs one request alone on this thread and learns from it if timed.
   *
   * @param arrived when it was submitted, 0 if it went straight to the run (never queued)
   * @param unqueued whether submit counted it in flight already ({@link #unbatched})
   * @throws ServingException the run's failure, typed
   */
  private InferenceResponse runOne(
      InferenceRequest request,
      CallContext context,
      long requestRows,
      long arrived,
      boolean unqueued) {
    long rows = requestRows == Long.MAX_VALUE ? 1 : requestRows;
    // Timed (two clock reads and a write of the shared average) when someone listens, when the
    // request was queued, until alone runs are measured, and for one in TIME_EVERY of the others:
    // a run alone that went straight through needs no clock for anything but the average.
    boolean timed =
        arrived != 0
            || context.observesBatches()
            || aloneRuns <= MEASURED
            || ThreadLocalRandom.current().nextInt(TIME_EVERY) == 0;
    if (!unqueued) {
      running.increment();
    }
    long before = timed ? inFlight() : 0L;
    long started = timed ? ticker.getAsLong() : 0L;
    InferenceResponse r;
    long after = 0L;
    try {
      r = runner.run(request, context.deadline());
    } catch (RuntimeException e) {
      // a failed run teaches nothing about the model's cost
      if (timed) {
        report(context, arrived, 1, rows, started, ticker.getAsLong());
      }
      throw typed(e);
    } finally {
      if (timed) {
        after = inFlight();
      }
      if (!unqueued) {
        running.decrement();
      }
    }
    if (timed) {
      timedAlone.increment();
      long computed = ticker.getAsLong();
      learn(computed - started, rows, 1, (int) ((before + after + 1) / 2));
      report(context, arrived, 1, rows, started, computed);
    }
    return r;
  }

  /**
   * Runs in flight now: batches and queued runs alone, and unqueued runs alone begun but not done
   * (their end read first, so that a run ending meanwhile is counted rather than made negative).
   */
  long inFlight() {
    long done = unbatchedDone.sum();
    return running.sum() + unbatched.sum() - done;
  }

  /** Tells the call's observers how its request ran (before its outcome), if anyone listens. */
  private static void report(Pending p, int requests, long rows, long started, long computed) {
    report(p.context, p.arrived, requests, rows, started, computed);
  }

  private static void report(
      CallContext context, long arrived, int requests, long rows, long started, long computed) {
    if (context.observesBatches()) {
      context.batched(
          new BatchRun(
              requests,
              rows,
              Duration.ofNanos(arrived == 0 ? 0 : Math.max(0, started - arrived)),
              Duration.ofNanos(computed - started)));
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

  /** The latest deadline among a run's callers: after it nobody waits for the answer. */
  private static Deadline latest(List<Pending> members) {
    Deadline latest = members.get(0).context.deadline();
    for (int i = 1; i < members.size(); i++) {
      latest = latest.later(members.get(i).context.deadline());
    }
    return latest;
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
