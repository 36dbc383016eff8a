package io.serve4j.spi;

import io.serve4j.ServingException;
import io.serve4j.internal.Futures;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Core's one guard around a provider's calls: a synchronous throw becomes a failed future, a
 * failure that is not yet a {@link ServingException} is mapped once through the provider's {@link
 * ErrorMapper} (cause kept, provider id added), a cancellation stays a cancellation, and cancelling
 * the returned future cancels the provider's (the SDK call, the poll, the upload).
 *
 * <p>Core wraps every role call with it. A provider may name an inner step of a multi-step hook
 * with {@link #call} so that its message says which wire call failed (e.g. {@code "CreateModel
 * fraud"}); it never writes a guard or an unwrap of its own.
 *
 * <pre>{@code
 * Wire wire = Wire.of("aws", new AwsErrors());
 * return wire.call("CreateModel " + name, () -> sagemaker.createModel(request));
 * }</pre>
 */
public final class Wire {
  private final String providerId;
  private final ErrorMapper mapper;

  private Wire(String providerId, ErrorMapper mapper) {
    this.providerId = Objects.requireNonNull(providerId, "providerId");
    this.mapper = Objects.requireNonNull(mapper, "mapper");
  }

  /**
   * Creates the guard of a provider.
   *
   * @param providerId the provider id, added to every mapped error
   * @param mapper the provider's error mapper
   * @return the guard
   */
  public static Wire of(String providerId, ErrorMapper mapper) {
    return new Wire(providerId, mapper);
  }

  /**
   * Returns the provider id.
   *
   * @return the id
   */
  public String providerId() {
    return providerId;
  }

  /**
   * Runs one call under the guard.
   *
   * @param what what the call does, for messages
   * @param call starts the call
   * @param <T> the result
   * @return a future that fails only with a ServingException or a CancellationException, and whose
   *     cancellation cancels the call's future
   */
  public <T> CompletableFuture<T> call(String what, Supplier<CompletableFuture<T>> call) {
    CompletableFuture<T> inner;
    try {
      inner = call.get();
      if (inner == null) {
        inner = CompletableFuture.failedFuture(new IllegalStateException("provider returned null"));
      }
    } catch (RuntimeException | Error e) {
      return CompletableFuture.failedFuture(map(what, e));
    }
    if (inner.isDone() && !inner.isCompletedExceptionally()) {
      return inner; // the synchronous success path: nothing to map, nothing left to cancel
    }
    CompletableFuture<T> out = new CompletableFuture<>();
    CompletableFuture<T> started = inner;
    started.whenComplete(
        (v, e) -> {
          if (e == null) {
            out.complete(v);
          } else {
            RuntimeException mapped = map(what, e);
            if (mapped instanceof CancellationException) {
              out.cancel(false);
            } else {
              out.completeExceptionally(mapped);
            }
          }
        });
    out.whenComplete(
        (v, e) -> {
          if (out.isCancelled()) {
            started.cancel(true);
          }
        });
    return out;
  }

  /**
   * Maps one failure: completion wrappers are stripped, a cancellation is returned as is, a {@link
   * ServingException} gets the provider id if it has none, anything else goes through the
   * provider's mapper.
   *
   * @param what what was being done
   * @param error the failure
   * @return a ServingException or a CancellationException
   */
  public RuntimeException map(String what, Throwable error) {
    Throwable t = unwrap(error);
    if (t instanceof CancellationException ce) {
      return ce;
    }
    ServingException se;
    if (t instanceof ServingException s) {
      se = s;
    } else {
      try {
        se = mapper.map(what, t);
      } catch (RuntimeException mapperFailure) {
        mapperFailure.addSuppressed(t);
        se = ErrorMapper.internal().map(what, mapperFailure);
      }
    }
    return Futures.toServing(se, providerId);
  }

  /**
   * Maps one failure to a {@link ServingException}, for decisions inside a provider's hook (e.g.
   * "is this NOT_FOUND?"); a cancellation becomes null.
   *
   * @param what what was being done
   * @param error the failure
   * @return the typed failure, or null for a cancellation
   */
  public ServingException typed(String what, Throwable error) {
    return map(what, error) instanceof ServingException se ? se : null;
  }

  /**
   * Strips {@link java.util.concurrent.CompletionException} and {@link
   * java.util.concurrent.ExecutionException} wrappers (the one unwrap in serve4j).
   *
   * @param error the failure
   * @return the root failure
   */
  public static Throwable unwrap(Throwable error) {
    return Futures.unwrap(error);
  }
}
