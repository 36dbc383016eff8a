package io.serve4j.aws.internal;

import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/** Runs one SDK call, mapping its failure once and passing cancellation through. */
final class AwsCalls {
  private AwsCalls() {}

  static <T> CompletableFuture<T> call(String what, Supplier<CompletableFuture<T>> call) {
    CompletableFuture<T> sdk;
    try {
      sdk = call.get();
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(AwsErrors.map(what, e));
    }
    CompletableFuture<T> out = new CompletableFuture<>();
    sdk.whenComplete(
        (v, e) -> {
          if (e == null) {
            out.complete(v);
          } else {
            out.completeExceptionally(AwsErrors.map(what, e));
          }
        });
    out.whenComplete(
        (v, e) -> {
          if (out.isCancelled()) {
            sdk.cancel(true);
          }
        });
    return out;
  }
}
