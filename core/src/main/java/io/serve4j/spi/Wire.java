package io.serve4j.spi;

import io.serve4j.ServingException;
import io.serve4j.internal.Futures;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import java.util.function.Function;
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
    return guard(what, inner);
  }

  /**
   * {@link #call(String, Supplier)} for a call that takes one argument, without a capturing lambda
   * (fewer classes spun on a cold deploy).
   *
   * @param what what the call does, for messages
   * @param call starts the call
   * @param argument its argument
   * @param <A> the argument type
   * @param <T> the result
   * @return as {@link #call(String, Supplier)}
   */
  public <A, T> CompletableFuture<T> call(
      String what, Function<A, CompletableFuture<T>> call, A argument) {
    CompletableFuture<T> inner;
    try {
      inner = call.apply(argument);
      if (inner == null) {
        inner = CompletableFuture.failedFuture(new IllegalStateException("provider returned null"));
      }
    } catch (RuntimeException | Error e) {
      return CompletableFuture.failedFuture(map(what, e));
    }
    return guard(what, inner);
  }

  private <T> CompletableFuture<T> guard(String what, CompletableFuture<T> inner) {
    if (inner.isDone() && !inner.isCompletedExceptionally()) {
      return inner; // the synchronous success path: nothing to map, nothing left to cancel
    }
    CompletableFuture<T> out = new CompletableFuture<>();
    Link<T> link = new Link<>(what, inner, out);
    inner.whenComplete(link);
    out.whenComplete(link);
    return out;
  }

  /**
   * Ties a call's future to the one handed out, both ways (one class rather than two lambdas, each
   * of which spun a class at first use): the call's result, mapped, completes the outer future
   * unless that is already done; once the outer future is cancelled, the call is cancelled.
   */
  private final class Link<T> implements BiConsumer<T, Throwable> {
    private final String what;
    private final CompletableFuture<T> inner;
    private final CompletableFuture<T> out;

    Link(String what, CompletableFuture<T> inner, CompletableFuture<T> out) {
      this.what = what;
      this.inner = inner;
      this.out = out;
    }

    @Override
    public void accept(T v, Throwable e) {
      if (out.isDone()) {
        // the outer future's completion (or the call's, after it): cancel the call if the outer
        // future was cancelled (a no-op once the call is done)
        if (out.isCancelled()) {
          inner.cancel(true);
        }
      } else if (e == null) {
        out.complete(v);
      } else {
        RuntimeException mapped = map(what, e);
        if (mapped instanceof CancellationException) {
          out.cancel(false);
        } else {
          out.completeExceptionally(mapped);
        }
      }
    }
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
