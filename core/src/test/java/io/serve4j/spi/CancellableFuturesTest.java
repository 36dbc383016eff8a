package io.serve4j.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class CancellableFuturesTest {
  @Test
  void thenCompose_runsNextOnTheFirstResult_andAnswersWithTheSecond() throws Exception {
    CompletableFuture<Integer> first = new CompletableFuture<>();
    CompletableFuture<String> second = new CompletableFuture<>();
    CompletableFuture<String> out =
        CancellableFutures.thenCompose(first, n -> n == 2 ? second : null);
    first.complete(2);
    assertThat(out).isNotDone();
    second.complete("two");
    assertThat(out.get()).isEqualTo("two");

    CompletableFuture<String> done =
        CancellableFutures.thenCompose(
            CompletableFuture.completedFuture(3), n -> CompletableFuture.completedFuture("n=" + n));
    assertThat(done).isCompletedWithValue("n=3");
  }

  @Test
  void cancellingTheResult_whileTheFirstRuns_cancelsTheFirst_andNeverStartsTheNext() {
    CompletableFuture<Integer> first = new CompletableFuture<>();
    AtomicInteger started = new AtomicInteger();
    CompletableFuture<String> out =
        CancellableFutures.thenCompose(
            first,
            n -> {
              started.incrementAndGet();
              return new CompletableFuture<>();
            });
    assertThat(out.cancel(true)).isTrue();
    assertThat(first).isCancelled();
    assertThat(started).hasValue(0);
  }

  @Test
  void cancellingTheResult_whileTheSecondRuns_cancelsTheSecond() {
    CompletableFuture<Integer> first = new CompletableFuture<>();
    CompletableFuture<String> second = new CompletableFuture<>();
    CompletableFuture<String> out = CancellableFutures.thenCompose(first, n -> second);
    first.complete(1);
    out.cancel(true);
    assertThat(out).isCancelled();
    assertThat(second).as("plain thenCompose would leave it running").isCancelled();
  }

  @Test
  void completingTheResultWithACancellation_cancelsTheStageInFlight() {
    CompletableFuture<Integer> first = new CompletableFuture<>();
    CompletableFuture<String> second = new CompletableFuture<>();
    CompletableFuture<String> out = CancellableFutures.thenCompose(first, n -> second);
    first.complete(1);
    out.completeExceptionally(new CancellationException("deadline"));
    assertThat(second).isCancelled();
  }

  @Test
  void cancellingAfterTheFirstFinished_butBeforeNextReturned_cancelsWhatNextStarted() {
    CompletableFuture<Integer> first = new CompletableFuture<>();
    CompletableFuture<String> second = new CompletableFuture<>();
    CompletableFuture<?>[] out = new CompletableFuture<?>[1];
    out[0] =
        CancellableFutures.thenCompose(
            first,
            n -> {
              out[0].cancel(true); // the caller cancels while the second stage is being started
              return second;
            });
    first.complete(1);
    assertThat(out[0]).isCancelled();
    assertThat(second).isCancelled();
  }

  @Test
  void aFailureOfEitherStage_propagatesUnwrapped() {
    IllegalStateException boom = new IllegalStateException("boom");
    CompletableFuture<Integer> failing = new CompletableFuture<>();
    // a dependent stage sees the failure wrapped in a CompletionException
    CompletableFuture<Integer> dependent = failing.thenApply(n -> n);
    CompletableFuture<String> out =
        CancellableFutures.thenCompose(dependent, n -> CompletableFuture.completedFuture("x"));
    failing.completeExceptionally(boom);
    assertThatThrownBy(out::get).isInstanceOf(ExecutionException.class).cause().isSameAs(boom);

    CompletableFuture<String> secondFails = new CompletableFuture<>();
    CompletableFuture<String> out2 =
        CancellableFutures.thenCompose(
            CompletableFuture.completedFuture(1), n -> secondFails.thenApply(s -> s));
    secondFails.completeExceptionally(boom);
    assertThatThrownBy(out2::get).isInstanceOf(ExecutionException.class).cause().isSameAs(boom);
  }

  @Test
  void aThrowOrANullFromNext_failsTheResult() {
    IllegalArgumentException thrown = new IllegalArgumentException("bad");
    CompletableFuture<String> throwing =
        CancellableFutures.thenCompose(
            CompletableFuture.completedFuture(1),
            n -> {
              throw new CompletionException(thrown);
            });
    assertThatThrownBy(throwing::get)
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isSameAs(thrown);

    CompletableFuture<String> nulled =
        CancellableFutures.thenCompose(CompletableFuture.completedFuture(1), n -> null);
    assertThatThrownBy(nulled::get)
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("returned null");
  }

  @Test
  void nullArguments_areRefused() {
    assertThatThrownBy(() -> CancellableFutures.thenCompose(null, n -> null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("first");
    assertThatThrownBy(() -> CancellableFutures.thenCompose(new CompletableFuture<>(), null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("next");
  }
}
