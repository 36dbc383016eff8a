package io.serve4j.spi;

import io.serve4j.ServingException;

/**
 * A provider's one mapping from its vendor's failures to {@link ServingException}s. Core applies
 * it, once, to every failure of a role call that is not already a {@code ServingException} (see
 * {@link Wire}); the provider never wraps its own calls.
 *
 * <p>An implementation keeps the original failure as the cause, sets the provider id, the service's
 * status and request id where known, starts from {@link StatusCategories} for HTTP and gRPC
 * statuses (overriding only codes that mean something specific on its cloud), and passes any
 * service-provided text through {@link Redactor#redact} before it enters a message.
 */
@FunctionalInterface
public interface ErrorMapper {
  /**
   * Maps one failure.
   *
   * @param what what serve4j was doing, e.g. {@code "CreateEndpoint fraud"}
   * @param error the failure, already unwrapped; never a {@code ServingException} or a {@link
   *     java.util.concurrent.CancellationException}
   * @return the typed exception, with {@code error} as its cause
   */
  ServingException map(String what, Throwable error);

  /**
   * A mapper for in-process providers whose failures are already typed: anything else is INTERNAL.
   *
   * @return the mapper
   */
  static ErrorMapper internal() {
    // An anonymous class, not a lambda: a lambda spins a class at first use (cold start).
    return new ErrorMapper() {
      @Override
      public ServingException map(String what, Throwable error) {
        return ServingException.builder(io.serve4j.ErrorCategory.INTERNAL)
            .message(what + " failed: " + Redactor.redact(String.valueOf(error)))
            .cause(error)
            .build();
      }
    };
  }
}
