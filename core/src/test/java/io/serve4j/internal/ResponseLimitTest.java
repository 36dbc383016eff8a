package io.serve4j.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.QuotaExceededException;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.ServingException;
import io.serve4j.Tensor;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Issue #13 item 13: responses are bounded as requests are, on both answer paths. */
class ResponseLimitTest {
  private static final InferenceRequest REQUEST =
      InferenceRequest.of(Tensor.ofFloats("x", new long[] {1}, new float[] {1}));

  /** Answers every prediction with {@code floats} FP32 values, now or when completed. */
  static final class SizedAnswers {
    final int floats;
    final boolean synchronous;
    final AtomicInteger predictions = new AtomicInteger();
    final AtomicReference<CompletableFuture<InferenceResponse>> pending = new AtomicReference<>();

    SizedAnswers(int floats, boolean synchronous) {
      this.floats = floats;
      this.synchronous = synchronous;
    }

    InferenceResponse answer() {
      return InferenceResponse.builder()
          .output(Tensor.ofFloats("y", new long[] {floats}, new float[floats]))
          .build();
    }

    /** The provider whose endpoints all answer so. */
    OneEndpointProvider provider() {
      return new OneEndpointProvider(
          "sized",
          null,
          (e, description, r, c) -> {
            predictions.incrementAndGet();
            if (synchronous) {
              return CompletableFuture.completedFuture(answer());
            }
            CompletableFuture<InferenceResponse> f = new CompletableFuture<>();
            pending.set(f);
            return f;
          });
    }
  }

  private static ServingClient client(SizedAnswers p, long maxResponseBytes) {
    return Serve4j.builder().provider(p.provider()).maxResponseBytes(maxResponseBytes).build();
  }

  @Test
  void synchronousAnswer_aboveTheLimit_isQuotaExceededNamingBothSizes_andNotRetried() {
    SizedAnswers p = new SizedAnswers(5, true);
    try (ServingClient c = client(p, 16)) {
      assertThatThrownBy(() -> c.endpoint("e").predict(REQUEST))
          .isInstanceOf(QuotaExceededException.class)
          .hasMessageContaining("endpoint 'e'")
          .hasMessageContaining("20 bytes")
          .hasMessageContaining("limit of 16")
          .hasMessageContaining("maxResponseBytes")
          .satisfies(
              e ->
                  assertThat(((ServingException) e).origin())
                      .isEqualTo(ServingException.Origin.CLIENT));
      assertThat(p.predictions).hasValue(1);
    }
  }

  @Test
  void synchronousAnswer_atTheLimit_passes() {
    SizedAnswers p = new SizedAnswers(4, true);
    try (ServingClient c = client(p, 16)) {
      assertThat(c.endpoint("e").predict(REQUEST).output("y").byteSize()).isEqualTo(16);
    }
  }

  @Test
  void laterAnswer_aboveTheLimit_isQuotaExceeded() throws Exception {
    SizedAnswers p = new SizedAnswers(5, false);
    try (ServingClient c = client(p, 16)) {
      CompletableFuture<InferenceResponse> f = c.endpoint("e").predictAsync(REQUEST);
      waitFor(p);
      p.pending.get().complete(p.answer());
      assertThatThrownBy(f::get)
          .isInstanceOf(ExecutionException.class)
          .hasCauseInstanceOf(QuotaExceededException.class);
    }
  }

  @Test
  void laterAnswer_withinTheLimit_passes_andCancellingReachesTheProvider() throws Exception {
    SizedAnswers p = new SizedAnswers(4, false);
    try (ServingClient c = client(p, 16)) {
      CompletableFuture<InferenceResponse> f = c.endpoint("e").predictAsync(REQUEST);
      waitFor(p);
      p.pending.get().complete(p.answer());
      assertThat(f.get().output("y").byteSize()).isEqualTo(16);

      CompletableFuture<InferenceResponse> first = p.pending.get();
      CompletableFuture<InferenceResponse> g = c.endpoint("e").predictAsync(REQUEST);
      long end = System.nanoTime() + 5_000_000_000L;
      while (p.pending.get() == first && System.nanoTime() < end) {
        Thread.onSpinWait();
      }
      assertThat(p.pending.get()).isNotSameAs(first);
      g.cancel(true);
      assertThat(p.pending.get().isCancelled()).isTrue();
    }
  }

  @Test
  void defaultLimit_is64MiB_andNonPositiveLimitsAreRefused() {
    assertThat(ClientConfig.DEFAULT_MAX_RESPONSE_BYTES).isEqualTo(64L * 1024 * 1024);
    assertThatThrownBy(() -> Serve4j.builder().maxResponseBytes(0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static void waitFor(SizedAnswers p) {
    long end = System.nanoTime() + 5_000_000_000L;
    while (p.pending.get() == null && System.nanoTime() < end) {
      Thread.onSpinWait();
    }
    assertThat(p.pending.get()).isNotNull();
  }
}
