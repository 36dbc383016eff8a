package io.serve4j.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.serve4j.ErrorCategory;
import io.serve4j.ServingException;
import java.io.IOException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class WireTest {
  private final AtomicInteger mapped = new AtomicInteger();
  private final Wire wire =
      Wire.of(
          "p",
          (what, e) -> {
            mapped.incrementAndGet();
            return ServingException.builder(ErrorCategory.UNAVAILABLE)
                .message(what + ": " + e.getMessage())
                .cause(e)
                .build();
          });

  @Test
  void call_whenVendorFails_mapsOnceKeepingCauseAndAddingProviderId() {
    IOException boom = new IOException("reset");
    CompletableFuture<String> f =
        wire.call("GET x", () -> CompletableFuture.failedFuture(new CompletionException(boom)));
    assertThatThrownBy(f::join)
        .cause()
        .isInstanceOfSatisfying(
            ServingException.class,
            e -> {
              assertThat(e.category()).isEqualTo(ErrorCategory.UNAVAILABLE);
              assertThat(e.getCause()).isSameAs(boom);
              assertThat(e.providerId()).contains("p");
              assertThat(e.getMessage()).startsWith("GET x: reset");
            });
    // mapped again by an outer guard (core's boundary): passes through, not mapped twice
    assertThatThrownBy(wire.call("outer", () -> f)::join).cause().hasCause(boom);
    assertThat(mapped).hasValue(1);
  }

  @Test
  void call_whenTheSupplierThrows_failsTheFutureInstead() {
    CompletableFuture<String> f =
        wire.call(
            "x",
            () -> {
              throw new IllegalStateException("sync");
            });
    assertThat(f).isCompletedExceptionally();
    assertThatThrownBy(f::join).cause().isInstanceOf(ServingException.class);
  }

  @Test
  void cancellingTheResult_cancelsTheProvidersFuture() {
    CompletableFuture<String> inner = new CompletableFuture<>();
    CompletableFuture<String> f = wire.call("x", () -> inner);
    f.cancel(true);
    assertThat(inner).isCancelled();
  }

  @Test
  void aCancelledProviderFuture_isACancellationNotAnError() {
    CompletableFuture<String> inner = new CompletableFuture<>();
    CompletableFuture<String> f = wire.call("x", () -> inner);
    inner.cancel(true);
    assertThat(f).isCancelled();
    assertThatThrownBy(f::join).isInstanceOf(CancellationException.class);
    assertThat(mapped).hasValue(0);
  }

  @Test
  void callWithAnArgument_guardsLikeTheSupplierForm() {
    CompletableFuture<String> inner = new CompletableFuture<>();
    CompletableFuture<String> f = wire.call("x", arg -> arg, inner);
    assertThat(f).isNotDone();
    inner.complete("ok");
    assertThat(f.join()).isEqualTo("ok");

    CompletableFuture<String> failing = new CompletableFuture<>();
    CompletableFuture<String> g = wire.call("GET y", arg -> arg, failing);
    failing.completeExceptionally(new IOException("reset"));
    assertThatThrownBy(g::join)
        .cause()
        .isInstanceOf(ServingException.class)
        .hasMessageStartingWith("GET y: reset");

    CompletableFuture<String> running = new CompletableFuture<>();
    wire.call("x", arg -> arg, running).cancel(true);
    assertThat(running).isCancelled();

    CompletableFuture<String> nothing = wire.call("x", arg -> null, "a");
    assertThatThrownBy(nothing::join).cause().isInstanceOf(ServingException.class);
    CompletableFuture<String> thrown =
        wire.call(
            "x",
            arg -> {
              throw new IllegalStateException(arg);
            },
            "a");
    assertThatThrownBy(thrown::join).cause().isInstanceOf(ServingException.class);
  }

  @Test
  void aThrowingMapper_stillGivesATypedError() {
    Wire bad =
        Wire.of(
            "p",
            (what, e) -> {
              throw new IllegalArgumentException("mapper bug");
            });
    RuntimeException e = bad.map("x", new IOException("io"));
    assertThat(e).isInstanceOf(ServingException.class);
    assertThat(((ServingException) e).category()).isEqualTo(ErrorCategory.INTERNAL);
  }
}
