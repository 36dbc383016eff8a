package io.serve4j.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.serve4j.BatchingPolicy;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.InvalidInputException;
import io.serve4j.ModelErrorException;
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
    try (DynamicBatcher b = new DynamicBatcher("t", policy, this::affine)) {
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
              r -> {
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
            r -> {
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
            r -> {
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
    try (DynamicBatcher b = new DynamicBatcher("t", policy, this::affine)) {
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
        r ->
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
            r -> {
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
}
