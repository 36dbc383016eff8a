package io.serve4j.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThatCode;

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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class DynamicBatcherTest {
  private final List<Long> batchRows = new CopyOnWriteArrayList<>();

  /** y = 2x + row index within the batch would break splitting; y = 2x - 1 must not. */
  private InferenceResponse affine(InferenceRequest r) {
    Tensor x = r.input("x").orElseThrow();
    batchRows.add(x.shape().dim(0));
    float[] v = x.asFloats();
    float[] y = new float[v.length];
    for (int i = 0; i < v.length; i++) {
      y[i] = 2 * v[i] - 1;
    }
    return InferenceResponse.builder().output(Tensor.ofFloats("y", x.shape().toArray(), y)).build();
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

  @Test
  void concurrentRequests_areBatched_andEachGetsItsOwnRows() throws Exception {
    BatchingPolicy policy = BatchingPolicy.of(16, Duration.ofMillis(100));
    try (DynamicBatcher b = new DynamicBatcher("t", policy, (r, c) -> affine(r))) {
      List<CompletableFuture<InferenceResponse>> fs = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        fs.add(b.submit(rows(1 + i % 3, i * 100f), ctx(Duration.ofSeconds(10))));
      }
      for (int i = 0; i < 8; i++) {
        InferenceRequest alone = rows(1 + i % 3, i * 100f);
        float[] expected = affine(alone).output("y").asFloats();
        assertThat(fs.get(i).get(10, TimeUnit.SECONDS).output("y").asFloats())
            .containsExactly(expected);
      }
    }
    assertThat(batchRows.stream().anyMatch(r -> r > 3)).as("some batch merged requests").isTrue();
  }

  @Test
  void instances_runThatManyBatchesAtOnce_andNoMore() throws Exception {
    for (int instances : new int[] {1, 2}) {
      AtomicInteger inFlight = new AtomicInteger();
      AtomicInteger most = new AtomicInteger();
      CountDownLatch release = new CountDownLatch(1);
      BatchingPolicy policy =
          new BatchingPolicy(2, Duration.ZERO, List.of(), 64).withInstances(instances);
      try (DynamicBatcher b =
          new DynamicBatcher(
              "t",
              policy,
              (r, c) -> {
                most.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                try {
                  release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
                inFlight.decrementAndGet();
                return affine(r);
              })) {
        List<CompletableFuture<InferenceResponse>> fs = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
          fs.add(b.submit(rows(1, i), ctx(Duration.ofSeconds(10))));
        }
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (most.get() < instances && System.nanoTime() < until) {
          Thread.sleep(5);
        }
        Thread.sleep(100); // a third batch would have started by now if it could
        assertThat(most).as("batches in flight with %d instance(s)", instances).hasValue(instances);
        release.countDown();
        for (int i = 0; i < 8; i++) {
          assertThat(fs.get(i).get(10, TimeUnit.SECONDS).output("y").asFloats())
              .containsExactly(affine(rows(1, i)).output("y").asFloats());
        }
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
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch running = new CountDownLatch(1);
    BatchingPolicy policy = new BatchingPolicy(1, Duration.ZERO, List.of(), 2);
    try (DynamicBatcher b =
        new DynamicBatcher(
            "t",
            policy,
            (r, c) -> {
              running.countDown();
              try {
                release.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              return affine(r);
            })) {
      CompletableFuture<InferenceResponse> first =
          b.submit(rows(1, 0), ctx(Duration.ofSeconds(10)));
      assertThat(running.await(5, TimeUnit.SECONDS)).isTrue();
      b.submit(rows(1, 1), ctx(Duration.ofSeconds(10)));
      b.submit(rows(1, 2), ctx(Duration.ofSeconds(10)));
      CompletableFuture<InferenceResponse> rejected =
          b.submit(rows(1, 3), ctx(Duration.ofSeconds(10)));
      assertThatThrownBy(rejected::join)
          .hasCauseInstanceOf(ThrottledException.class)
          .hasMessageContaining("queue of 't' is full");
      release.countDown();
      assertThat(first.get(5, TimeUnit.SECONDS).output("y").asFloats()).containsExactly(-1, 1, 3);
    }
  }

  @Test
  void expiredAndCancelledRequests_leaveTheQueueWithoutRunning() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch running = new CountDownLatch(1);
    BatchingPolicy policy = new BatchingPolicy(1, Duration.ZERO, List.of(), 8);
    try (DynamicBatcher b =
        new DynamicBatcher(
            "t",
            policy,
            (r, c) -> {
              running.countDown();
              try {
                release.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              return affine(r);
            })) {
      b.submit(rows(1, 0), ctx(Duration.ofSeconds(10)));
      assertThat(running.await(5, TimeUnit.SECONDS)).isTrue();
      CompletableFuture<InferenceResponse> expiring =
          b.submit(rows(1, 1), ctx(Duration.ofMillis(1)));
      AtomicBoolean cancelled = new AtomicBoolean();
      CompletableFuture<InferenceResponse> dropped =
          b.submit(
              rows(1, 2),
              new CallContext(
                  "c", Deadline.after(Duration.ofSeconds(10)), cancelled::get, p -> {}));
      cancelled.set(true);
      Thread.sleep(20);
      release.countDown();
      assertThatThrownBy(() -> expiring.get(5, TimeUnit.SECONDS))
          .hasCauseInstanceOf(TimeoutException.class);
      assertThatThrownBy(() -> dropped.get(5, TimeUnit.SECONDS))
          .isInstanceOf(CancellationException.class);
      assertThat(batchRows).containsExactly(1L);
    }
  }

  @Test
  void incompatibleShapes_areNotMerged() throws Exception {
    BatchingPolicy policy = BatchingPolicy.of(16, Duration.ofMillis(50));
    try (DynamicBatcher b = new DynamicBatcher("t", policy, (r, c) -> affine(r))) {
      CompletableFuture<InferenceResponse> a = b.submit(rows(2, 0), ctx(Duration.ofSeconds(10)));
      CompletableFuture<InferenceResponse> c =
          b.submit(
              InferenceRequest.of(Tensor.ofFloats("x", new long[] {1, 2}, new float[] {5, 6})),
              ctx(Duration.ofSeconds(10)));
      assertThat(a.get(5, TimeUnit.SECONDS).output("y").shape().toArray()).containsExactly(2, 3);
      assertThat(c.get(5, TimeUnit.SECONDS).output("y").asFloats()).containsExactly(9, 11);
    }
  }

  @Test
  void outputWithoutBatchDimension_failsEveryCallerTyped() throws Exception {
    BatchingPolicy policy = BatchingPolicy.of(16, Duration.ofMillis(100));
    DynamicBatcher.Runner scalar =
        (r, c) ->
            InferenceResponse.builder()
                .output(Tensor.ofFloats("s", new long[] {1}, new float[] {1}))
                .build();
    try (DynamicBatcher b = new DynamicBatcher("t", policy, scalar)) {
      CompletableFuture<InferenceResponse> x = b.submit(rows(1, 0), ctx(Duration.ofSeconds(10)));
      CompletableFuture<InferenceResponse> y = b.submit(rows(1, 1), ctx(Duration.ofSeconds(10)));
      // Submitted back to back within the 100 ms window, the two share one batch of 2 rows.
      for (CompletableFuture<InferenceResponse> f : List.of(x, y)) {
        assertThatThrownBy(() -> f.get(5, TimeUnit.SECONDS))
            .hasCauseInstanceOf(ModelErrorException.class)
            .hasMessageContaining("cannot be batched");
      }
    }
  }

  @Test
  void close_failsWhatIsStillQueued() {
    CountDownLatch never = new CountDownLatch(1);
    BatchingPolicy policy = new BatchingPolicy(1, Duration.ZERO, List.of(), 8);
    DynamicBatcher b =
        new DynamicBatcher(
            "t",
            policy,
            (r, c) -> {
              try {
                never.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              return affine(r);
            });
    b.submit(rows(1, 0), ctx(Duration.ofSeconds(10)));
    CompletableFuture<InferenceResponse> queued = b.submit(rows(1, 1), ctx(Duration.ofSeconds(10)));
    b.close();
    assertThat(queued).isCompletedExceptionally();
    assertThat(b.submit(rows(1, 2), ctx(Duration.ofSeconds(1)))).isCompletedExceptionally();
  }

  // ---------------------------------------------------------------- hangs (issue 13, 14-17)

  @Test
  void zeroRowRequest_isAnsweredAtOnce_withoutOtherTraffic() throws Exception {
    // A 5 s queue delay and no other request: a zero-row request must not wait for either.
    BatchingPolicy policy = BatchingPolicy.of(16, Duration.ofSeconds(5));
    try (DynamicBatcher b = new DynamicBatcher("t", policy, (r, c) -> affine(r))) {
      CompletableFuture<InferenceResponse> empty =
          b.submit(
              InferenceRequest.of(Tensor.ofFloats("x", new long[] {0, 3}, new float[0])),
              ctx(Duration.ofSeconds(30)));
      assertThat(empty.get(1, TimeUnit.SECONDS).output("y").shape().toArray())
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
    // Two rows fill the batch at once; the model fails on any batch holding a NaN.
    BatchingPolicy policy = BatchingPolicy.of(2, Duration.ofSeconds(5));
    DynamicBatcher.Runner model =
        (r, c) -> {
          if (poisoned(r)) {
            throw ServingException.builder(ErrorCategory.MODEL_ERROR).message("NaN").build();
          }
          return affine(r);
        };
    try (DynamicBatcher b = new DynamicBatcher("t", policy, model)) {
      CompletableFuture<InferenceResponse> good = b.submit(rows(1, 0), ctx(Duration.ofSeconds(30)));
      CompletableFuture<InferenceResponse> bad =
          b.submit(
              InferenceRequest.of(
                  Tensor.ofFloats("x", new long[] {1, 3}, new float[] {1, Float.NaN, 2})),
              ctx(Duration.ofSeconds(30)));
      assertThat(good.get(2, TimeUnit.SECONDS).output("y").asFloats()).containsExactly(-1, 1, 3);
      assertThatThrownBy(() -> bad.get(2, TimeUnit.SECONDS))
          .hasCauseInstanceOf(ModelErrorException.class)
          .hasMessageContaining("NaN");
      assertThat(batchRows).as("the good request ran in the batch, then alone").contains(1L);
    }
  }

  @Test
  void untypedRunnerFailure_failsEveryCallerTyped_atOnce() throws Exception {
    BatchingPolicy policy = BatchingPolicy.of(2, Duration.ofSeconds(5));
    DynamicBatcher.Runner broken =
        (r, c) -> {
          throw new IllegalStateException("boom");
        };
    try (DynamicBatcher b = new DynamicBatcher("t", policy, broken)) {
      CompletableFuture<InferenceResponse> x = b.submit(rows(1, 0), ctx(Duration.ofSeconds(30)));
      CompletableFuture<InferenceResponse> y = b.submit(rows(1, 1), ctx(Duration.ofSeconds(30)));
      for (CompletableFuture<InferenceResponse> f : List.of(x, y)) {
        assertThatThrownBy(() -> f.get(2, TimeUnit.SECONDS))
            .hasCauseInstanceOf(ModelErrorException.class)
            .hasMessageContaining("boom");
      }
    }
  }

  @Test
  void concatenationFailure_failsOnlyTheRequestThatCannotJoin_andAtOnce() throws Exception {
    // A tensor whose byte size overflows: concatenating it with another one fails. (Once Tensor
    // refuses such shapes at creation, the request can no longer reach a batcher.)
    long[] huge = {1, 1L << 62};
    assumeThatCode(() -> Tensor.ofFloats("x", huge, new float[0])).doesNotThrowAnyException();
    BatchingPolicy policy = BatchingPolicy.of(16, Duration.ofMillis(500));
    DynamicBatcher.Runner model =
        (r, c) -> {
          Tensor x = r.input("x").orElseThrow();
          if (x.shape().dim(1) != 3) {
            throw new IllegalStateException("bad shape " + x.shape());
          }
          return affine(r);
        };
    try (DynamicBatcher b = new DynamicBatcher("t", policy, model)) {
      CompletableFuture<InferenceResponse> a =
          b.submit(
              InferenceRequest.of(Tensor.ofFloats("x", huge, new float[0])),
              ctx(Duration.ofSeconds(30)));
      CompletableFuture<InferenceResponse> c =
          b.submit(
              InferenceRequest.of(Tensor.ofFloats("x", huge, new float[0])),
              ctx(Duration.ofSeconds(30)));
      for (CompletableFuture<InferenceResponse> f : List.of(a, c)) {
        assertThatThrownBy(() -> f.get(3, TimeUnit.SECONDS))
            .hasCauseInstanceOf(ModelErrorException.class);
      }
    }
  }

  @Test
  void requestThatExpiredWhileItsBatchGathered_isNotRun() throws Exception {
    // The batch waits up to 1 s for more rows; its only request expires after 200 ms.
    BatchingPolicy policy = BatchingPolicy.of(16, Duration.ofSeconds(1));
    try (DynamicBatcher b = new DynamicBatcher("t", policy, (r, c) -> affine(r))) {
      CompletableFuture<InferenceResponse> x = b.submit(rows(1, 0), ctx(Duration.ofMillis(200)));
      assertThatThrownBy(() -> x.get(5, TimeUnit.SECONDS))
          .hasCauseInstanceOf(TimeoutException.class);
      assertThat(batchRows).as("nothing ran for a caller that had gone").isEmpty();
    }
  }

  @Test
  void runWhoseCallersAllLeft_isStopped_andTheNextRequestRunsAtOnce() throws Exception {
    CountDownLatch running = new CountDownLatch(1);
    CountDownLatch stopped = new CountDownLatch(1);
    List<Deadline> runDeadlines = new CopyOnWriteArrayList<>();
    BatchingPolicy policy = new BatchingPolicy(4, Duration.ZERO, List.of(), 8);
    DynamicBatcher.Runner model =
        (r, c) -> {
          runDeadlines.add(c.deadline());
          if (r.input("x").orElseThrow().asFloats()[0] == 0) {
            // A long run that only a stop ends (as ONNX Runtime's terminate flag does).
            c.onAllGone(stopped::countDown);
            running.countDown();
            try {
              if (!stopped.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("never stopped");
              }
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            throw ServingException.builder(ErrorCategory.TIMEOUT).message("terminated").build();
          }
          return affine(r);
        };
    try (DynamicBatcher b = new DynamicBatcher("t", policy, model)) {
      CompletableFuture<InferenceResponse> slow = b.submit(rows(1, 0), ctx(Duration.ofSeconds(30)));
      assertThat(running.await(5, TimeUnit.SECONDS)).isTrue();
      slow.cancel(false);
      assertThat(stopped.await(5, TimeUnit.SECONDS)).as("the run was told to stop").isTrue();
      CompletableFuture<InferenceResponse> next = b.submit(rows(1, 1), ctx(Duration.ofSeconds(30)));
      assertThat(next.get(5, TimeUnit.SECONDS).output("y").asFloats())
          .containsExactly(affine(rows(1, 1)).output("y").asFloats());
    }
  }

  @Test
  void runDeadline_isTheLatestOfItsCallers() throws Exception {
    List<Duration> remaining = new CopyOnWriteArrayList<>();
    BatchingPolicy policy = BatchingPolicy.of(2, Duration.ofSeconds(5));
    try (DynamicBatcher b =
        new DynamicBatcher(
            "t",
            policy,
            (r, c) -> {
              remaining.add(c.deadline().remaining());
              return affine(r);
            })) {
      CompletableFuture<InferenceResponse> x = b.submit(rows(1, 0), ctx(Duration.ofSeconds(10)));
      CompletableFuture<InferenceResponse> y = b.submit(rows(1, 1), ctx(Duration.ofSeconds(100)));
      x.get(5, TimeUnit.SECONDS);
      y.get(5, TimeUnit.SECONDS);
      assertThat(remaining).hasSize(1);
      assertThat(remaining.get(0)).isGreaterThan(Duration.ofSeconds(50));
    }
  }
}
