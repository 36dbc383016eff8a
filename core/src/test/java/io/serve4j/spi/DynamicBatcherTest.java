package io.serve4j.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThatCode;

import io.serve4j.BatchRun;
import io.serve4j.BatchingPolicy;
import io.serve4j.ErrorCategory;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.InvalidInputException;
import io.serve4j.ModelErrorException;
import io.serve4j.ServingException;
import io.serve4j.Tensor;
import io.serve4j.ThrottledException;
import io.serve4j.TimeoutException;
import io.serve4j.UnavailableException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DynamicBatcherTest {
  private final List<Long> batchRows = new CopyOnWriteArrayList<>();
  private final List<String> runThreads = new CopyOnWriteArrayList<>();
  private final ExecutorService callers = Executors.newCachedThreadPool();

  @AfterEach
  void stopCallers() {
    callers.shutdownNow();
  }

  /** y = 2x + row index within the batch would break splitting; y = 2x - 1 must not. */
  private InferenceResponse affine(InferenceRequest r) {
    Tensor x = r.input("x").orElseThrow();
    batchRows.add(x.shape().dim(0));
    runThreads.add(Thread.currentThread().getName());
    float[] v = x.asFloats();
    float[] y = new float[v.length];
    for (int i = 0; i < v.length; i++) {
      y[i] = 2 * v[i] - 1;
    }
    return InferenceResponse.builder().output(Tensor.ofFloats("y", x.shape().toArray(), y)).build();
  }

  private float[] expected(InferenceRequest r) {
    float[] v = r.input("x").orElseThrow().asFloats();
    float[] y = new float[v.length];
    for (int i = 0; i < v.length; i++) {
      y[i] = 2 * v[i] - 1;
    }
    return y;
  }

  private static InferenceRequest rows(int n, float base) {
    float[] v = new float[n * 3];
    for (int i = 0; i < v.length; i++) {
      v[i] = base + i;
    }
    return InferenceRequest.of(Tensor.ofFloats("x", new long[] {n, 3}, v));
  }

  private static CallContext ctx(Duration timeout) {
    return CallContext.of(Deadline.after(timeout));
  }

  /** Submits from another thread (submit blocks its caller until answered). */
  private CompletableFuture<InferenceResponse> call(
      DynamicBatcher b, InferenceRequest r, CallContext c) {
    return CompletableFuture.supplyAsync(() -> b.submit(r, c), callers).thenCompose(f -> f);
  }

  private static void awaitValue(AtomicInteger value, int n) throws InterruptedException {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (value.get() < n && System.nanoTime() < until) {
      Thread.sleep(1);
    }
  }

  private static void awaitQueued(DynamicBatcher b, int n) throws InterruptedException {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (b.queued() < n && System.nanoTime() < until) {
      Thread.sleep(1);
    }
    assertThat(b.queued()).as("requests queued").isEqualTo(n);
  }

  /** A runner whose first run blocks until released, keeping its instance busy. */
  private final class Gate implements DynamicBatcher.Runner {
    final CountDownLatch running = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    final AtomicBoolean first = new AtomicBoolean(true);
    final DynamicBatcher.Runner then;

    Gate(DynamicBatcher.Runner then) {
      this.then = then;
    }

    @Override
    public InferenceResponse run(InferenceRequest r, Deadline d) {
      if (first.getAndSet(false)) {
        holdUntilReleased(running, release);
      }
      return then.run(r, d);
    }

    /** Occupies the only instance with a request of its own; returns its answer. */
    CompletableFuture<InferenceResponse> occupy(DynamicBatcher b) throws InterruptedException {
      CompletableFuture<InferenceResponse> f = call(b, rows(1, -100), ctx(Duration.ofSeconds(30)));
      assertThat(running.await(5, TimeUnit.SECONDS)).isTrue();
      return f;
    }
  }

  @Test
  void loneRequest_runsAtOnceOnTheCallersThread_withoutWaitingForTheQueueDelay() throws Exception {
    // A 5 s queue delay: a request that finds the instance free must not wait for it.
    BatchingPolicy policy = new BatchingPolicy(16, Duration.ofSeconds(5), List.of(4, 8), 64);
    try (DynamicBatcher b = new DynamicBatcher("t", policy, (r, d) -> affine(r))) {
      long start = System.nanoTime();
      CompletableFuture<InferenceResponse> f = b.submit(rows(1, 0), ctx(Duration.ofSeconds(30)));
      assertThat(f).isDone();
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
      assertThat(f.join().output("y").asFloats()).containsExactly(expected(rows(1, 0)));
      assertThat(runThreads).containsExactly(Thread.currentThread().getName());
    }
  }

  @Test
  void requestsQueuedWhileTheInstanceIsBusy_runAsOneBatch_andEachGetsItsOwnRows() throws Exception {
    Gate gate = new Gate((r, d) -> affine(r));
    BatchingPolicy policy = BatchingPolicy.of(16, Duration.ofSeconds(5));
    try (DynamicBatcher b = new DynamicBatcher("t", policy, gate)) {
      CompletableFuture<InferenceResponse> busy = gate.occupy(b);
      List<CompletableFuture<InferenceResponse>> fs = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        fs.add(call(b, rows(1 + i % 3, i * 100f), ctx(Duration.ofSeconds(30))));
        awaitQueued(b, i + 1); // in this order
      }
      gate.release.countDown();
      busy.get(5, TimeUnit.SECONDS);
      for (int i = 0; i < 8; i++) {
        assertThat(fs.get(i).get(5, TimeUnit.SECONDS).output("y").asFloats())
            .containsExactly(expected(rows(1 + i % 3, i * 100f)));
      }
      // 1+2+3+1+2+3+1+2 = 15 rows, in one run after the first, on a caller's thread.
      assertThat(batchRows).containsExactly(1L, 15L);
      assertThat(runThreads).noneMatch(t -> t.startsWith("serve4j-batcher"));
    }
  }

  /**
   * Submits cheap single rows until the batcher has measured them and runs them alone at once. A
   * few runs are enough, but a slow early one (class loading, a collection, the machine busy with
   * other tests) lifts the measured cost, which then falls by a quarter a run: wait for that rather
   * than assume a fixed count of runs settles it.
   */
  private static void primeUntilRunningAlone(DynamicBatcher b) {
    for (int i = 0; i < 1_000 && b.stats().unbatched() == 0; i++) {
      b.submit(rows(1, i), ctx(Duration.ofSeconds(30))).join();
    }
    assertThat(b.stats().unbatched()).as("cheap rows learned to run alone").isPositive();
  }

  /** A run that occupies its instance: says it is running, then waits to be released. */
  private static void holdUntilReleased(CountDownLatch running, CountDownLatch release) {
    running.countDown();
    try {
      release.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Cheap (the affine map) except one run, which blocks until released once {@code block} is set.
   */
  private final class BlockOnce implements DynamicBatcher.Runner {
    final AtomicBoolean block = new AtomicBoolean();
    final CountDownLatch running = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    final long sleepMillis;

    BlockOnce(long sleepMillis) {
      this.sleepMillis = sleepMillis;
    }

    @Override
    public InferenceResponse run(InferenceRequest r, Deadline d) {
      if (block.compareAndSet(true, false)) {
        holdUntilReleased(running, release);
      } else if (sleepMillis > 0) {
        try {
          Thread.sleep(sleepMillis);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return affine(r);
    }
  }

  @Test
  void cheapRows_runAtOnceOnTheCallersThread_withoutTakingAnInstanceOrQueueing() throws Exception {
    BlockOnce runner = new BlockOnce(0);
    BatchingPolicy policy = BatchingPolicy.of(16, Duration.ofSeconds(5));
    try (DynamicBatcher b = new DynamicBatcher("t", policy, runner)) {
      primeUntilRunningAlone(b); // measured: µs a row
      long measuring = b.stats().runs();
      long unbatched = b.stats().unbatched(); // once measured, already without an instance
      runner.block.set(true);
      CompletableFuture<InferenceResponse> busy =
          call(b, rows(1, -100), ctx(Duration.ofSeconds(30)));
      assertThat(runner.running.await(5, TimeUnit.SECONDS)).isTrue();
      runThreads.clear();
      // a cheap row is not queued behind a busy instance (parked, woken) but runs now, and
      // neither request took the only instance: they ran as without batching
      CompletableFuture<InferenceResponse> f = b.submit(rows(2, 7), ctx(Duration.ofSeconds(30)));
      assertThat(f).isDone();
      assertThat(f.join().output("y").asFloats()).containsExactly(expected(rows(2, 7)));
      assertThat(runThreads).containsExactly(Thread.currentThread().getName());
      assertThat(b.queued()).isZero();
      assertThat(b.stats().unbatched() - unbatched).isEqualTo(2);
      assertThat(b.stats().runs()).isEqualTo(measuring);
      runner.release.countDown();
      assertThat(busy.get(5, TimeUnit.SECONDS).output("y").asFloats())
          .containsExactly(expected(rows(1, -100)));
    }
  }

  @Test
  void cheapRowsRunAlone_unobserved_areTimedOnlyOnceInTimeEveryRuns() {
    try (DynamicBatcher b =
        new DynamicBatcher(
            "t", BatchingPolicy.of(16, Duration.ofSeconds(5)), (r, d) -> affine(r))) {
      primeUntilRunningAlone(b); // measured: µs a row
      long timed = b.timedAloneRuns();
      long unbatched = b.stats().unbatched();
      int n = 100 * DynamicBatcher.TIME_EVERY;
      for (int i = 0; i < n; i++) {
        assertThat(b.submit(rows(1, i), ctx(Duration.ofSeconds(30))).join().output("y").asFloats())
            .containsExactly(expected(rows(1, i)));
      }
      assertThat(b.stats().unbatched() - unbatched).isEqualTo(n);
      // no clock reads nor shared writes for most: ~100 timed, still some to keep the average
      assertThat(b.timedAloneRuns() - timed).isBetween(1L, 300L);
    }
  }

  /**
   * A cheap row run alone unqueued counts itself in flight (so that a timed run beside it divides
   * its wall time by both) with the counter the statistics report anyway, and out again whether it
   * ran, failed, or left at once cancelled or past its deadline: in flight ends at zero.
   */
  @Test
  void cheapRowsRunAlone_countInFlightWhileRunning_andOutAgainWhateverTheOutcome() {
    AtomicReference<DynamicBatcher> self = new AtomicReference<>();
    AtomicLong seenInFlight = new AtomicLong(-1);
    AtomicBoolean fail = new AtomicBoolean();
    DynamicBatcher.Runner runner =
        (r, d) -> {
          seenInFlight.set(self.get().inFlight());
          if (fail.get()) {
            throw new IllegalStateException("the model failed");
          }
          return affine(r);
        };
    try (DynamicBatcher b =
        new DynamicBatcher("t", BatchingPolicy.of(16, Duration.ofSeconds(5)), runner)) {
      self.set(b);
      primeUntilRunningAlone(b);
      long unbatched = b.stats().unbatched();
      assertThat(b.submit(rows(1, 3), ctx(Duration.ofSeconds(30))).join().output("y").asFloats())
          .containsExactly(expected(rows(1, 3)));
      assertThat(seenInFlight.get()).as("in flight during its own run").isEqualTo(1);
      assertThat(b.inFlight()).isZero();
      fail.set(true);
      assertThat(b.submit(rows(1, 4), ctx(Duration.ofSeconds(30)))).isCompletedExceptionally();
      assertThat(b.inFlight()).isZero();
      CompletableFuture<InferenceResponse> cancelled =
          b.submit(
              rows(1, 5),
              CallContext.builder(Deadline.after(Duration.ofSeconds(10)))
                  .requestId("c")
                  .cancelled(() -> true)
                  .build());
      assertThat(cancelled).isCancelled();
      assertThat(b.submit(rows(1, 6), ctx(Duration.ZERO))).isCompletedExceptionally();
      assertThat(b.inFlight()).isZero();
      assertThat(b.stats().unbatched() - unbatched).isEqualTo(4);
    }
  }

  /**
   * A cheap row run alone costs what a call without batching does: beyond the answer the runner
   * gives, the batcher allocates only the completed future it returns (no queue entry, no future to
   * complete for a caller to wait on). HotSpot's per-thread allocation counter; the request,
   * context and answer are made once, outside the measured loop.
   */
  @Test
  void cheapRowsRunAlone_allocateOnlyTheReturnedFuture() {
    assumeThatCode(
            () ->
                ((com.sun.management.ThreadMXBean)
                        java.lang.management.ManagementFactory.getThreadMXBean())
                    .getCurrentThreadAllocatedBytes())
        .doesNotThrowAnyException();
    InferenceRequest request = rows(1, 0);
    InferenceResponse answer = affine(request);
    CallContext context = ctx(Duration.ofSeconds(30));
    try (DynamicBatcher b =
        new DynamicBatcher("t", BatchingPolicy.of(16, Duration.ofSeconds(5)), (r, d) -> answer)) {
      primeUntilRunningAlone(b);
      long unbatched = b.stats().unbatched();
      com.sun.management.ThreadMXBean mx =
          (com.sun.management.ThreadMXBean)
              java.lang.management.ManagementFactory.getThreadMXBean();
      int n = 20_000;
      long least = Long.MAX_VALUE;
      for (int round = 0; round < 5; round++) {
        long before = mx.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < n; i++) {
          b.submit(request, context);
        }
        least = Math.min(least, (mx.getCurrentThreadAllocatedBytes() - before) / n);
      }
      assertThat(b.stats().unbatched() - unbatched).isEqualTo(5L * n);
      // a CompletableFuture (24 bytes) and the loop over the inputs (an iterator, unless the JIT
      // removes it); a queue entry with its own future was 80 more
      assertThat(least).as("bytes allocated per call").isLessThanOrEqualTo(64L);
    }
  }

  @Test
  void cheapRowsRunAlone_observed_everyRunIsReported_asABatchOfOneWithoutQueueTime() {
    try (DynamicBatcher b =
        new DynamicBatcher(
            "t", BatchingPolicy.of(16, Duration.ofSeconds(5)), (r, d) -> affine(r))) {
      primeUntilRunningAlone(b); // measured: µs a row
      long unbatched = b.stats().unbatched();
      List<BatchRun> runs = new CopyOnWriteArrayList<>();
      for (int i = 0; i < 50; i++) {
        b.submit(rows(2, i), observed(runs)).join();
      }
      assertThat(b.stats().unbatched() - unbatched).isEqualTo(50);
      assertThat(runs).hasSize(50);
      assertThat(runs)
          .allSatisfy(
              run -> {
                assertThat(run.requests()).isEqualTo(1);
                assertThat(run.rows()).isEqualTo(2);
                assertThat(run.queueTime()).isZero();
              });
    }
  }

  /**
   * A runner whose runs cost {@code cost(rows)} µs on its own clock, {@link #ticker}, which only
   * its runs advance: what the batcher learns of a run's cost is exact however busy the machine is.
   * A run asked to {@link #occupy} its instance blocks until released and then fails, so that the
   * batcher learns nothing from it.
   */
  private final class Costed implements DynamicBatcher.Runner {
    volatile java.util.function.LongUnaryOperator micros;
    final AtomicLong clock = new AtomicLong(1_000_000_000L);
    final AtomicBoolean block = new AtomicBoolean();
    volatile CountDownLatch running = new CountDownLatch(1);
    volatile CountDownLatch release = new CountDownLatch(1);

    Costed(java.util.function.LongUnaryOperator micros) {
      this.micros = micros;
    }

    /** A batcher that reads this runner's clock. */
    DynamicBatcher batcher(BatchingPolicy policy) {
      return new DynamicBatcher("t", policy, this, clock::get);
    }

    @Override
    public InferenceResponse run(InferenceRequest r, Deadline d) {
      if (block.compareAndSet(true, false)) {
        holdUntilReleased(running, release);
        throw new IllegalStateException("occupied");
      }
      clock.addAndGet(1000 * micros.applyAsLong(r.input("x").orElseThrow().shape().dim(0)));
      return affine(r);
    }

    /** Occupies the only instance with a run that fails once released. */
    CompletableFuture<InferenceResponse> occupy(DynamicBatcher b) throws InterruptedException {
      running = new CountDownLatch(1);
      release = new CountDownLatch(1);
      block.set(true);
      CompletableFuture<InferenceResponse> f = call(b, rows(1, -100), ctx(Duration.ofSeconds(30)));
      assertThat(running.await(5, TimeUnit.SECONDS)).isTrue();
      return f;
    }

    /** One run of three requests queued behind an occupied instance; asserts they were queued. */
    void batchOfThree(DynamicBatcher b) throws Exception {
      CompletableFuture<InferenceResponse> busy = occupy(b);
      List<CompletableFuture<InferenceResponse>> fs = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        fs.add(call(b, rows(1, i), ctx(Duration.ofSeconds(30))));
        awaitQueued(b, i + 1);
      }
      release.countDown();
      assertThatThrownBy(() -> busy.get(5, TimeUnit.SECONDS)).hasMessageContaining("occupied");
      for (int i = 0; i < 3; i++) {
        assertThat(fs.get(i).get(5, TimeUnit.SECONDS).output("y").asFloats())
            .containsExactly(expected(rows(1, i)));
      }
    }
  }

  @Test
  void batchesNoCheaperPerRowThanRunsOfOne_everyRequestRunsAlone_evenWithEveryInstanceBusy()
      throws Exception {
    // 2 ms a row alone, 2 ms x rows a row in a batch: batching saves nothing (MiniLM-128 here)
    Costed runner = new Costed(rows -> 2000 * rows * rows);
    BatchingPolicy policy = BatchingPolicy.of(16, Duration.ofSeconds(5));
    try (DynamicBatcher b = runner.batcher(policy)) {
      for (int i = 0; i < 5; i++) {
        b.submit(rows(1, i), ctx(Duration.ofSeconds(30))).join(); // runs of one, measured
      }
      for (int i = 0; i < 4; i++) {
        runner.batchOfThree(b); // batches, measured: until then requests queue
      }
      long unbatched = b.stats().unbatched();
      CompletableFuture<InferenceResponse> busy = runner.occupy(b);
      runThreads.clear();
      // every instance is busy, yet this request is not queued: it runs at once on its thread
      CompletableFuture<InferenceResponse> f = call(b, rows(1, 7), ctx(Duration.ofSeconds(30)));
      assertThat(f.get(5, TimeUnit.SECONDS).output("y").asFloats())
          .containsExactly(expected(rows(1, 7)));
      assertThat(b.queued()).isZero();
      assertThat(b.stats().unbatched() - unbatched).isEqualTo(2); // the occupying one too
      runner.release.countDown();
      assertThatThrownBy(() -> busy.get(5, TimeUnit.SECONDS)).hasMessageContaining("occupied");
    }
  }

  @Test
  void batchesCheaperPerRowThanRunsOfOne_byMoreThanAHandOff_keepBeingBatched() throws Exception {
    Costed runner = new Costed(rows -> 3000); // 3 ms a run, whatever its rows
    BatchingPolicy policy = BatchingPolicy.of(16, Duration.ofSeconds(5));
    try (DynamicBatcher b = runner.batcher(policy)) {
      for (int i = 0; i < 5; i++) {
        b.submit(rows(1, i), ctx(Duration.ofSeconds(30))).join();
      }
      for (int i = 0; i < 6; i++) {
        runner.batchOfThree(b); // asserts the three were queued every time
      }
      assertThat(b.stats().unbatched()).isZero();
    }
  }

  @Test
  void aProbeThatFindsBatchesStillNotPaying_waitsTwiceAsManyRequestsBeforeTheNext()
      throws Exception {
    Costed runner = new Costed(rows -> 200 * rows * rows * rows * rows); // batches never pay
    BatchingPolicy policy = BatchingPolicy.of(16, Duration.ofSeconds(5));
    try (DynamicBatcher b = runner.batcher(policy)) {
      for (int i = 0; i < 5; i++) {
        b.submit(rows(1, i), ctx(Duration.ofSeconds(30))).join();
      }
      for (int i = 0; i < 4; i++) {
        runner.batchOfThree(b);
      }
      for (int i = 0; i < DynamicBatcher.PROBE_EVERY; i++) {
        b.submit(rows(1, i), ctx(Duration.ofSeconds(30))).join();
      }
      for (int i = 0; i < 4; i++) {
        runner.batchOfThree(b); // the probe: queued and batched again
      }
      long before = b.stats().unbatched();
      for (int i = 0; i < 2 * DynamicBatcher.PROBE_EVERY; i++) {
        b.submit(rows(1, i), ctx(Duration.ofSeconds(30))).join();
      }
      assertThat(b.stats().unbatched() - before).isEqualTo(2 * DynamicBatcher.PROBE_EVERY);
      runner.batchOfThree(b); // the next probe, only now
    }
  }

  @Test
  void whileRunningAlone_batchesAreMeasuredAgain_afterProbeEveryRequests() throws Exception {
    // batches first cost more per row than runs of one...
    Costed runner = new Costed(rows -> 1000 * rows * rows * rows);
    BatchingPolicy policy = BatchingPolicy.of(16, Duration.ofSeconds(5));
    try (DynamicBatcher b = runner.batcher(policy)) {
      for (int i = 0; i < 5; i++) {
        b.submit(rows(1, i), ctx(Duration.ofSeconds(30))).join();
      }
      for (int i = 0; i < 4; i++) {
        runner.batchOfThree(b); // until measured, requests behind a busy instance queue
      }
      // ...then much less (the machine or the model changed): the batcher, now running every
      // request alone, tries batches again after PROBE_EVERY requests and keeps batching
      runner.micros = rows -> 1500;
      for (int i = 0; i < DynamicBatcher.PROBE_EVERY; i++) {
        b.submit(rows(1, i), ctx(Duration.ofSeconds(30))).join();
      }
      assertThat(b.stats().unbatched()).isEqualTo(DynamicBatcher.PROBE_EVERY);
      for (int i = 0; i < 6; i++) {
        runner.batchOfThree(b); // asserts the three were queued every time
      }
      assertThat(b.stats().unbatched()).isEqualTo(DynamicBatcher.PROBE_EVERY);
    }
  }

  @Test
  void slowRows_everyInstanceBusy_areQueuedAndBatched() throws Exception {
    BlockOnce runner = new BlockOnce(1); // 1 ms a run: over CHEAP_ROW per row
    assertThat(Duration.ofMillis(1)).isGreaterThan(DynamicBatcher.CHEAP_ROW);
    BatchingPolicy policy = BatchingPolicy.of(16, Duration.ofSeconds(5));
    try (DynamicBatcher b = new DynamicBatcher("t", policy, runner)) {
      b.submit(rows(1, 0), ctx(Duration.ofSeconds(30))).join();
      runner.block.set(true);
      CompletableFuture<InferenceResponse> busy =
          call(b, rows(1, -100), ctx(Duration.ofSeconds(30)));
      assertThat(runner.running.await(5, TimeUnit.SECONDS)).isTrue();
      batchRows.clear();
      List<CompletableFuture<InferenceResponse>> fs = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        fs.add(call(b, rows(1, i), ctx(Duration.ofSeconds(30))));
        awaitQueued(b, i + 1);
      }
      runner.release.countDown();
      busy.get(5, TimeUnit.SECONDS);
      for (int i = 0; i < 3; i++) {
        assertThat(fs.get(i).get(5, TimeUnit.SECONDS).output("y").asFloats())
            .containsExactly(expected(rows(1, i)));
      }
      assertThat(batchRows).containsExactly(1L, 3L); // the blocked run, then the three as one
      assertThat(b.stats().unbatched()).isZero();
    }
  }

  @Test
  void callerWhoseRequestIsAnswered_startsTheBatchQueuedBehindItAtOnce_onItsOwnThread()
      throws Exception {
    Gate gate = new Gate((r, d) -> affine(r));
    BatchingPolicy policy = BatchingPolicy.of(16, Duration.ofSeconds(5));
    try (DynamicBatcher b = new DynamicBatcher("t", policy, gate)) {
      CompletableFuture<InferenceResponse> busy = gate.occupy(b);
      List<CompletableFuture<InferenceResponse>> fs = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        fs.add(call(b, rows(1, i * 10f), ctx(Duration.ofSeconds(30))));
        awaitQueued(b, i + 1);
      }
      gate.release.countDown();
      busy.get(5, TimeUnit.SECONDS);
      for (int i = 0; i < 3; i++) {
        assertThat(fs.get(i).get(5, TimeUnit.SECONDS).output("y").asFloats())
            .containsExactly(expected(rows(1, i * 10f)));
      }
      assertThat(batchRows).containsExactly(1L, 3L);
      // the batch of three ran on the thread that had just run the occupying request: no queued
      // caller's thread had to be woken for the instance to be used
      assertThat(runThreads.get(1)).isEqualTo(runThreads.get(0));
      assertThat(b.stats().handOffs()).isZero();
      assertThat(b.stats().runsBySize()[3]).isEqualTo(1);
    }
  }

  @Test
  void callerWhoseRequestIsAnswered_runsOneBatchBehindIt_thenHandsTheInstanceOn() throws Exception {
    Gate gate = new Gate((r, d) -> affine(r));
    BatchingPolicy policy = BatchingPolicy.of(1, Duration.ofSeconds(5)); // one row a run
    try (DynamicBatcher b = new DynamicBatcher("t", policy, gate)) {
      CompletableFuture<InferenceResponse> busy = gate.occupy(b);
      List<CompletableFuture<InferenceResponse>> fs = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        fs.add(call(b, rows(1, i * 10f), ctx(Duration.ofSeconds(30))));
        awaitQueued(b, i + 1);
      }
      gate.release.countDown();
      busy.get(5, TimeUnit.SECONDS);
      for (CompletableFuture<InferenceResponse> f : fs) {
        f.get(5, TimeUnit.SECONDS);
      }
      // occupier: its own run and the first queued one; then the instance goes to the second
      // queued caller, who runs its own and the third's
      assertThat(runThreads).hasSize(4);
      assertThat(runThreads.get(1)).isEqualTo(runThreads.get(0));
      assertThat(runThreads.get(2)).isNotEqualTo(runThreads.get(1));
      assertThat(runThreads.get(3)).isEqualTo(runThreads.get(2));
      assertThat(b.stats().handOffs()).isEqualTo(1);
    }
  }

  @Test
  void stats_countRunsBySize_requests_andHandOffs() throws Exception {
    Gate gate = new Gate((r, d) -> affine(r));
    BatchingPolicy policy = BatchingPolicy.of(16, Duration.ofSeconds(5));
    try (DynamicBatcher b = new DynamicBatcher("t", policy, gate)) {
      assertThat(b.stats().runs()).isZero();
      assertThat(b.stats().meanRequestsPerRun()).isZero();
      CompletableFuture<InferenceResponse> busy = gate.occupy(b);
      List<CompletableFuture<InferenceResponse>> fs = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        fs.add(call(b, rows(1, i), ctx(Duration.ofSeconds(30))));
        awaitQueued(b, i + 1);
      }
      gate.release.countDown();
      busy.get(5, TimeUnit.SECONDS);
      for (CompletableFuture<InferenceResponse> f : fs) {
        f.get(5, TimeUnit.SECONDS);
      }
      b.submit(rows(1, 9), ctx(Duration.ofSeconds(30))).get(5, TimeUnit.SECONDS); // alone
      DynamicBatcher.Stats s = b.stats();
      // the occupying request alone, the three queued behind it as one run, the last alone
      assertThat(s.runs()).isEqualTo(3);
      assertThat(s.requests()).isEqualTo(5);
      assertThat(s.runsBySize()[1]).isEqualTo(2);
      assertThat(s.runsBySize()[3]).isEqualTo(1);
      assertThat(s.meanRequestsPerRun()).isEqualTo(5.0 / 3);
      // the occupying caller's thread ran the batch queued behind it itself: nothing handed over
      assertThat(s.handOffs()).isZero();
      assertThat(s.unbatched()).isZero(); // the gate's run was slow: the three queued
      assertThat(s.parks()).isPositive();
      s.runsBySize()[1] = 99; // a copy: the batcher's own counts do not change
      assertThat(b.stats().runsBySize()[1]).isEqualTo(2);
    }
  }

  /** A context whose batch reports are kept, as core's listeners would receive them. */
  private static CallContext observed(List<BatchRun> runs) {
    return CallContext.builder(Deadline.after(Duration.ofSeconds(30)))
        .requestId("id")
        .retriedByCore(true)
        .observer(
            new CallObserver() {
              @Override
              public void batched(BatchRun run) {
                runs.add(run);
              }
            })
        .build();
  }

  @Test
  void batchedRun_isReportedToEachCallersContext_withSizeQueueAndComputeTime() throws Exception {
    Gate gate =
        new Gate(
            (r, d) -> {
              try {
                Thread.sleep(20); // a measurable compute time
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              return affine(r);
            });
    BatchingPolicy policy = BatchingPolicy.of(16, Duration.ofSeconds(5));
    List<List<BatchRun>> reports = new ArrayList<>();
    try (DynamicBatcher b = new DynamicBatcher("t", policy, gate)) {
      CompletableFuture<InferenceResponse> busy = gate.occupy(b);
      List<CompletableFuture<InferenceResponse>> fs = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        List<BatchRun> mine = new CopyOnWriteArrayList<>();
        reports.add(mine);
        fs.add(call(b, rows(1 + i, i), observed(mine)));
        awaitQueued(b, i + 1);
      }
      Thread.sleep(30); // queued at least this long
      gate.release.countDown();
      busy.get(5, TimeUnit.SECONDS);
      for (CompletableFuture<InferenceResponse> f : fs) {
        f.get(5, TimeUnit.SECONDS);
      }
    }
    for (List<BatchRun> mine : reports) {
      assertThat(mine).hasSize(1);
      BatchRun run = mine.get(0);
      assertThat(run.requests()).isEqualTo(3);
      assertThat(run.rows()).isEqualTo(6); // 1 + 2 + 3
      assertThat(run.queueTime()).isGreaterThanOrEqualTo(Duration.ofMillis(30));
      assertThat(run.computeTime()).isGreaterThanOrEqualTo(Duration.ofMillis(15));
    }
  }

  @Test
  void loneRun_isReportedAsABatchOfOne_withNoQueueTime() {
    List<BatchRun> runs = new CopyOnWriteArrayList<>();
    try (DynamicBatcher b =
        new DynamicBatcher(
            "t", BatchingPolicy.of(16, Duration.ofSeconds(5)), (r, d) -> affine(r))) {
      b.submit(rows(2, 0), observed(runs)).join();
    }
    assertThat(runs)
        .singleElement()
        .satisfies(
            run -> {
              assertThat(run.requests()).isEqualTo(1);
              assertThat(run.rows()).isEqualTo(2);
              assertThat(run.queueTime()).isLessThan(Duration.ofMillis(500));
            });
  }

  @Test
  void instances_runThatManyBatchesAtOnce_andNoMore() throws Exception {
    for (int instances : new int[] {1, 2}) {
      AtomicInteger inFlight = new AtomicInteger();
      AtomicInteger most = new AtomicInteger();
      AtomicInteger running = new AtomicInteger(); // requests in the batches running now
      CountDownLatch release = new CountDownLatch(1);
      BatchingPolicy policy =
          new BatchingPolicy(2, Duration.ZERO, List.of(), 64).withInstances(instances);
      try (DynamicBatcher b =
          new DynamicBatcher(
              "t",
              policy,
              (r, d) -> {
                int requests = (int) r.input("x").orElseThrow().shape().dim(0);
                running.addAndGet(requests);
                most.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                try {
                  release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
                inFlight.decrementAndGet();
                running.addAndGet(-requests);
                return affine(r);
              })) {
        List<CompletableFuture<InferenceResponse>> fs = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
          fs.add(call(b, rows(1, i), ctx(Duration.ofSeconds(10))));
        }
        // Every instance runs one batch (of one request, or two if two were queued when it
        // started: maxBatch is 2); the others wait in the queue for an instance.
        awaitValue(inFlight, instances); // a run's thread may not have reached the runner yet
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (b.queued() + running.get() < 8 && System.nanoTime() < until) {
          Thread.sleep(1);
        }
        assertThat(b.queued() + running.get()).as("requests queued or running").isEqualTo(8);
        assertThat(most).as("batches in flight with %d instance(s)", instances).hasValue(instances);
        release.countDown();
        for (int i = 0; i < 8; i++) {
          assertThat(fs.get(i).get(10, TimeUnit.SECONDS).output("y").asFloats())
              .containsExactly(expected(rows(1, i)));
        }
        assertThat(most).hasValue(instances);
      }
    }
  }

  @Test
  void instances_outsideTheRange_areInvalidInput() {
    BatchingPolicy p = BatchingPolicy.of(4, Duration.ZERO);
    assertThat(p.instances()).isOne();
    assertThatThrownBy(() -> p.withInstances(0))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("instances must be 1..64, was 0");
    assertThatThrownBy(() -> p.withInstances(65))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("was 65");
    assertThat(p.withInstances(3).instances()).isEqualTo(3);
  }

  @Test
  void fullQueue_failsFastWithThrottled() throws Exception {
    Gate gate = new Gate((r, d) -> affine(r));
    BatchingPolicy policy = new BatchingPolicy(1, Duration.ZERO, List.of(), 2);
    try (DynamicBatcher b = new DynamicBatcher("t", policy, gate)) {
      CompletableFuture<InferenceResponse> busy = gate.occupy(b);
      CompletableFuture<InferenceResponse> q1 = call(b, rows(1, 1), ctx(Duration.ofSeconds(10)));
      CompletableFuture<InferenceResponse> q2 = call(b, rows(1, 2), ctx(Duration.ofSeconds(10)));
      awaitQueued(b, 2);
      CompletableFuture<InferenceResponse> rejected =
          b.submit(rows(1, 3), ctx(Duration.ofSeconds(10)));
      assertThatThrownBy(rejected::join)
          .hasCauseInstanceOf(ThrottledException.class)
          .hasMessageContaining("queue of 't' is full");
      gate.release.countDown();
      assertThat(busy.get(5, TimeUnit.SECONDS).output("y").asFloats())
          .containsExactly(expected(rows(1, -100)));
      q1.get(5, TimeUnit.SECONDS);
      q2.get(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void requestThatLeftAtItsDeadline_noLongerCountsAgainstTheQueueBound() throws Exception {
    Gate gate = new Gate((r, d) -> affine(r));
    BatchingPolicy policy = new BatchingPolicy(1, Duration.ZERO, List.of(), 1);
    try (DynamicBatcher b = new DynamicBatcher("t", policy, gate)) {
      CompletableFuture<InferenceResponse> busy = gate.occupy(b);
      CompletableFuture<InferenceResponse> leaving =
          call(b, rows(1, 1), ctx(Duration.ofMillis(100)));
      assertThatThrownBy(() -> leaving.get(5, TimeUnit.SECONDS))
          .hasCauseInstanceOf(TimeoutException.class);
      CompletableFuture<InferenceResponse> next = call(b, rows(1, 2), ctx(Duration.ofSeconds(10)));
      awaitQueued(b, 1);
      gate.release.countDown();
      busy.get(5, TimeUnit.SECONDS);
      assertThat(next.get(5, TimeUnit.SECONDS).output("y").asFloats())
          .containsExactly(expected(rows(1, 2)));
    }
  }

  @Test
  void expiredAndCancelledRequests_leaveTheQueueWithoutRunning() throws Exception {
    Gate gate = new Gate((r, d) -> affine(r));
    BatchingPolicy policy = new BatchingPolicy(1, Duration.ZERO, List.of(), 8);
    try (DynamicBatcher b = new DynamicBatcher("t", policy, gate)) {
      CompletableFuture<InferenceResponse> busy = gate.occupy(b);
      CompletableFuture<InferenceResponse> expiring =
          call(b, rows(1, 1), ctx(Duration.ofMillis(200)));
      AtomicBoolean cancelled = new AtomicBoolean();
      CompletableFuture<InferenceResponse> dropped =
          call(
              b,
              rows(1, 2),
              CallContext.builder(Deadline.after(Duration.ofSeconds(10)))
                  .requestId("c")
                  .cancelled(cancelled::get)
                  .build());
      awaitQueued(b, 2);
      cancelled.set(true);
      // The expiring caller leaves at its own deadline, with the instance still busy.
      assertThatThrownBy(() -> expiring.get(5, TimeUnit.SECONDS))
          .hasCauseInstanceOf(TimeoutException.class);
      gate.release.countDown();
      busy.get(5, TimeUnit.SECONDS);
      assertThatThrownBy(() -> dropped.get(5, TimeUnit.SECONDS))
          .hasCauseInstanceOf(CancellationException.class);
      assertThat(batchRows).containsExactly(1L);
    }
  }

  @Test
  void incompatibleShapes_areNotMerged() throws Exception {
    Gate gate = new Gate((r, d) -> affine(r));
    BatchingPolicy policy = BatchingPolicy.of(16, Duration.ofMillis(50));
    try (DynamicBatcher b = new DynamicBatcher("t", policy, gate)) {
      CompletableFuture<InferenceResponse> busy = gate.occupy(b);
      CompletableFuture<InferenceResponse> a = call(b, rows(2, 0), ctx(Duration.ofSeconds(10)));
      awaitQueued(b, 1);
      CompletableFuture<InferenceResponse> c =
          call(
              b,
              InferenceRequest.of(Tensor.ofFloats("x", new long[] {1, 2}, new float[] {5, 6})),
              ctx(Duration.ofSeconds(10)));
      awaitQueued(b, 2);
      gate.release.countDown();
      busy.get(5, TimeUnit.SECONDS);
      assertThat(a.get(5, TimeUnit.SECONDS).output("y").shape().toArray()).containsExactly(2, 3);
      assertThat(c.get(5, TimeUnit.SECONDS).output("y").asFloats()).containsExactly(9, 11);
      assertThat(batchRows).containsExactly(1L, 2L, 1L);
    }
  }

  @Test
  void outputWithoutBatchDimension_failsEveryCallerTyped() throws Exception {
    Gate gate =
        new Gate(
            (r, d) ->
                InferenceResponse.builder()
                    .output(Tensor.ofFloats("s", new long[] {1}, new float[] {1}))
                    .build());
    BatchingPolicy policy = BatchingPolicy.of(16, Duration.ofMillis(100));
    try (DynamicBatcher b = new DynamicBatcher("t", policy, gate)) {
      CompletableFuture<InferenceResponse> busy = gate.occupy(b);
      CompletableFuture<InferenceResponse> x = call(b, rows(1, 0), ctx(Duration.ofSeconds(10)));
      CompletableFuture<InferenceResponse> y = call(b, rows(1, 1), ctx(Duration.ofSeconds(10)));
      awaitQueued(b, 2);
      gate.release.countDown();
      busy.get(5, TimeUnit.SECONDS);
      // The two share one batch of 2 rows, whose output has 1.
      for (CompletableFuture<InferenceResponse> f : List.of(x, y)) {
        assertThatThrownBy(() -> f.get(5, TimeUnit.SECONDS))
            .hasCauseInstanceOf(ModelErrorException.class)
            .hasMessageContaining("cannot be batched");
      }
    }
  }

  @Test
  void close_failsWhatIsStillQueued_atOnce() throws Exception {
    Gate gate = new Gate((r, d) -> affine(r));
    BatchingPolicy policy = new BatchingPolicy(1, Duration.ZERO, List.of(), 8);
    DynamicBatcher b = new DynamicBatcher("t", policy, gate);
    CompletableFuture<InferenceResponse> busy = gate.occupy(b);
    CompletableFuture<InferenceResponse> queued = call(b, rows(1, 1), ctx(Duration.ofSeconds(30)));
    awaitQueued(b, 1);
    b.close();
    assertThatThrownBy(() -> queued.get(5, TimeUnit.SECONDS))
        .hasCauseInstanceOf(UnavailableException.class)
        .hasMessageContaining("closed");
    assertThat(b.submit(rows(1, 2), ctx(Duration.ofSeconds(1)))).isCompletedExceptionally();
    gate.release.countDown();
    busy.get(5, TimeUnit.SECONDS); // a run in progress finishes
  }

  // ---------------------------------------------------------------- hangs (issue 13, 14-17)

  @Test
  void zeroRowRequest_isAnsweredAtOnce_withoutOtherTraffic() throws Exception {
    BatchingPolicy policy = BatchingPolicy.of(16, Duration.ofSeconds(5));
    try (DynamicBatcher b = new DynamicBatcher("t", policy, (r, d) -> affine(r))) {
      CompletableFuture<InferenceResponse> empty =
          call(
              b,
              InferenceRequest.of(Tensor.ofFloats("x", new long[] {0, 3}, new float[0])),
              ctx(Duration.ofSeconds(30)));
      assertThat(empty.get(1, TimeUnit.SECONDS).output("y").shape().toArray())
          .containsExactly(0, 3);
    }
  }

  @Test
  void zeroRowRequest_queuedBehindABusyInstance_runsAlone_andDoesNotHoldUpTheBatch()
      throws Exception {
    Gate gate = new Gate((r, d) -> affine(r));
    BatchingPolicy policy = new BatchingPolicy(16, Duration.ofSeconds(5), List.of(8), 64);
    try (DynamicBatcher b = new DynamicBatcher("t", policy, gate)) {
      CompletableFuture<InferenceResponse> busy = gate.occupy(b);
      CompletableFuture<InferenceResponse> empty =
          call(
              b,
              InferenceRequest.of(Tensor.ofFloats("x", new long[] {0, 3}, new float[0])),
              ctx(Duration.ofSeconds(30)));
      awaitQueued(b, 1);
      gate.release.countDown();
      busy.get(5, TimeUnit.SECONDS);
      assertThat(empty.get(2, TimeUnit.SECONDS).output("y").shape().toArray())
          .containsExactly(0, 3);
    }
  }

  private static boolean poisoned(InferenceRequest r) {
    for (float v : r.input("x").orElseThrow().asFloats()) {
      if (Float.isNaN(v)) {
        return true;
      }
    }
    return false;
  }

  @Test
  void batchRunFailure_failsOnlyTheBadRequest_andAtOnce() throws Exception {
    Gate gate =
        new Gate(
            (r, d) -> {
              if (poisoned(r)) {
                throw ServingException.builder(ErrorCategory.MODEL_ERROR).message("NaN").build();
              }
              return affine(r);
            });
    BatchingPolicy policy = BatchingPolicy.of(2, Duration.ofSeconds(5));
    try (DynamicBatcher b = new DynamicBatcher("t", policy, gate)) {
      CompletableFuture<InferenceResponse> busy = gate.occupy(b);
      CompletableFuture<InferenceResponse> good = call(b, rows(1, 0), ctx(Duration.ofSeconds(30)));
      awaitQueued(b, 1);
      CompletableFuture<InferenceResponse> bad =
          call(
              b,
              InferenceRequest.of(
                  Tensor.ofFloats("x", new long[] {1, 3}, new float[] {1, Float.NaN, 2})),
              ctx(Duration.ofSeconds(30)));
      awaitQueued(b, 2);
      gate.release.countDown();
      busy.get(5, TimeUnit.SECONDS);
      assertThat(good.get(2, TimeUnit.SECONDS).output("y").asFloats()).containsExactly(-1, 1, 3);
      assertThatThrownBy(() -> bad.get(2, TimeUnit.SECONDS))
          .hasCauseInstanceOf(ModelErrorException.class)
          .hasMessageContaining("NaN");
    }
  }

  @Test
  void untypedRunnerFailure_failsEveryCallerTyped_atOnce() throws Exception {
    Gate gate =
        new Gate(
            (r, d) -> {
              throw new IllegalStateException("boom");
            });
    BatchingPolicy policy = BatchingPolicy.of(2, Duration.ofSeconds(5));
    try (DynamicBatcher b = new DynamicBatcher("t", policy, gate)) {
      CompletableFuture<InferenceResponse> busy = gate.occupy(b);
      CompletableFuture<InferenceResponse> x = call(b, rows(1, 0), ctx(Duration.ofSeconds(30)));
      CompletableFuture<InferenceResponse> y = call(b, rows(1, 1), ctx(Duration.ofSeconds(30)));
      awaitQueued(b, 2);
      gate.release.countDown();
      for (CompletableFuture<InferenceResponse> f : List.of(busy, x, y)) {
        assertThatThrownBy(() -> f.get(2, TimeUnit.SECONDS))
            .hasCauseInstanceOf(ModelErrorException.class)
            .hasMessageContaining("boom");
      }
    }
  }

  @Test
  void requestThatExpiredWhileItsBatchGathered_isNotRun() throws Exception {
    // Under load, a batch waits up to 1 s to reach the preferred size 4; x expires meanwhile.
    Gate gate = new Gate((r, d) -> affine(r));
    BatchingPolicy policy = new BatchingPolicy(16, Duration.ofSeconds(1), List.of(4), 64);
    try (DynamicBatcher b = new DynamicBatcher("t", policy, gate)) {
      CompletableFuture<InferenceResponse> busy = gate.occupy(b);
      CompletableFuture<InferenceResponse> x = call(b, rows(1, 0), ctx(Duration.ofMillis(400)));
      awaitQueued(b, 1);
      CompletableFuture<InferenceResponse> y = call(b, rows(1, 1), ctx(Duration.ofSeconds(30)));
      awaitQueued(b, 2);
      gate.release.countDown();
      busy.get(5, TimeUnit.SECONDS);
      assertThat(y.get(5, TimeUnit.SECONDS).output("y").asFloats())
          .containsExactly(expected(rows(1, 1)));
      assertThatThrownBy(() -> x.get(5, TimeUnit.SECONDS))
          .hasCauseInstanceOf(TimeoutException.class);
      assertThat(batchRows).as("x's row never ran").containsExactly(1L, 1L);
    }
  }

  @Test
  void preferredSize_underLoad_isFilledWithoutWaitingOutTheDelay() throws Exception {
    Gate gate = new Gate((r, d) -> affine(r));
    BatchingPolicy policy = new BatchingPolicy(16, Duration.ofSeconds(5), List.of(3), 64);
    try (DynamicBatcher b = new DynamicBatcher("t", policy, gate)) {
      CompletableFuture<InferenceResponse> busy = gate.occupy(b);
      List<CompletableFuture<InferenceResponse>> fs = new ArrayList<>();
      fs.add(call(b, rows(1, 0), ctx(Duration.ofSeconds(30))));
      awaitQueued(b, 1);
      gate.release.countDown();
      busy.get(5, TimeUnit.SECONDS);
      // The batch of 1 now waits for the preferred 3 rows: two more arrive and it runs at once.
      fs.add(call(b, rows(1, 1), ctx(Duration.ofSeconds(30))));
      fs.add(call(b, rows(1, 2), ctx(Duration.ofSeconds(30))));
      for (int i = 0; i < 3; i++) {
        assertThat(fs.get(i).get(3, TimeUnit.SECONDS).output("y").asFloats())
            .containsExactly(expected(rows(1, i)));
      }
      assertThat(batchRows).containsExactly(1L, 3L);
    }
  }

  @Test
  void runDeadline_isTheLatestOfItsCallers() throws Exception {
    List<Duration> remaining = new CopyOnWriteArrayList<>();
    Gate gate =
        new Gate(
            (r, d) -> {
              remaining.add(d.remaining());
              return affine(r);
            });
    BatchingPolicy policy = BatchingPolicy.of(2, Duration.ofSeconds(5));
    try (DynamicBatcher b = new DynamicBatcher("t", policy, gate)) {
      CompletableFuture<InferenceResponse> busy = gate.occupy(b);
      CompletableFuture<InferenceResponse> x = call(b, rows(1, 0), ctx(Duration.ofSeconds(10)));
      CompletableFuture<InferenceResponse> y = call(b, rows(1, 1), ctx(Duration.ofSeconds(100)));
      awaitQueued(b, 2);
      gate.release.countDown();
      busy.get(5, TimeUnit.SECONDS);
      x.get(5, TimeUnit.SECONDS);
      y.get(5, TimeUnit.SECONDS);
      assertThat(remaining).hasSize(2);
      assertThat(remaining.get(1)).isGreaterThan(Duration.ofSeconds(50));
    }
  }

  @Test
  void manyCallers_getExactlyTheirOwnRows_andTheBatcherEndsIdle() throws Exception {
    BatchingPolicy policy =
        new BatchingPolicy(8, Duration.ofMillis(2), List.of(4), 1024).withInstances(2);
    try (DynamicBatcher b = new DynamicBatcher("t", policy, (r, d) -> affine(r))) {
      List<CompletableFuture<InferenceResponse>> fs = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        fs.add(call(b, rows(1 + i % 4, i), ctx(Duration.ofSeconds(30))));
      }
      for (int i = 0; i < 200; i++) {
        assertThat(fs.get(i).get(20, TimeUnit.SECONDS).output("y").asFloats())
            .containsExactly(expected(rows(1 + i % 4, i)));
      }
      assertThat(b.queued()).isZero();
      // Both instances are free again: two lone requests run at once on their callers' threads.
      b.submit(rows(1, 0), ctx(Duration.ofSeconds(1))).join();
      assertThat(runThreads.get(runThreads.size() - 1)).isEqualTo(Thread.currentThread().getName());
    }
  }
}
