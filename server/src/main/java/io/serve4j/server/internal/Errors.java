package io.serve4j.server.internal;

import io.grpc.Status;
import io.serve4j.ErrorCategory;
import io.serve4j.ServingException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * The one table from serve4j's typed errors to the protocol's: an HTTP status for the REST error
 * body {@code {"error": "..."}}, and a gRPC status code.
 */
public final class Errors {
  private Errors() {}

  /**
   * Returns the typed error behind a failure (unwrapping future wrappers).
   *
   * @param t a failure
   * @return the serving exception; anything untyped becomes INTERNAL
   */
  public static ServingException typed(Throwable t) {
    Throwable c = t;
    while ((c instanceof CompletionException || c instanceof ExecutionException)
        && c.getCause() != null) {
      c = c.getCause();
    }
    if (c instanceof ServingException se) {
      return se;
    }
    if (c instanceof CancellationException) {
      return ServingException.builder(ErrorCategory.UNAVAILABLE)
          .message("the request was cancelled")
          .cause(c)
          .build();
    }
    return ServingException.builder(ErrorCategory.INTERNAL)
        .message("internal server error: " + c.getClass().getSimpleName())
        .cause(c)
        .build();
  }

  /**
   * Returns a typed error.
   *
   * @param category the category
   * @param message the message
   * @return the error
   */
  public static ServingException of(ErrorCategory category, String message) {
    return ServingException.builder(category).message(message).build();
  }

  /**
   * Returns the HTTP status for an error category.
   *
   * @param category the category
   * @return the status code
   */
  public static int httpStatus(ErrorCategory category) {
    return switch (category) {
      case INVALID_INPUT -> 400;
      case UNAUTHENTICATED -> 401;
      case PERMISSION_DENIED -> 403;
      case NOT_FOUND -> 404;
      case CONFLICT -> 409;
      case QUOTA_EXCEEDED, THROTTLED -> 429;
      case UNSUPPORTED_CAPABILITY -> 501;
      case UNAVAILABLE, MODEL_LOAD -> 503;
      case TIMEOUT -> 504;
      case MODEL_ERROR, INTERNAL -> 500;
    };
  }

  /**
   * Returns the gRPC status code for an error category.
   *
   * @param category the category
   * @return the code
   */
  public static Status.Code grpcCode(ErrorCategory category) {
    return switch (category) {
      case INVALID_INPUT -> Status.Code.INVALID_ARGUMENT;
      case UNAUTHENTICATED -> Status.Code.UNAUTHENTICATED;
      case PERMISSION_DENIED -> Status.Code.PERMISSION_DENIED;
      case NOT_FOUND -> Status.Code.NOT_FOUND;
      case CONFLICT -> Status.Code.FAILED_PRECONDITION;
      case QUOTA_EXCEEDED, THROTTLED -> Status.Code.RESOURCE_EXHAUSTED;
      case UNSUPPORTED_CAPABILITY -> Status.Code.UNIMPLEMENTED;
      case UNAVAILABLE, MODEL_LOAD -> Status.Code.UNAVAILABLE;
      case TIMEOUT -> Status.Code.DEADLINE_EXCEEDED;
      case MODEL_ERROR, INTERNAL -> Status.Code.INTERNAL;
    };
  }

  /**
   * Returns the message sent to the client: the typed error's message (serve4j messages never carry
   * secrets), or a generic one for an untyped failure.
   *
   * @param e the error
   * @return the message
   */
  public static String message(ServingException e) {
    String m = e.getMessage();
    return m == null || m.isEmpty() ? e.category().name().toLowerCase(java.util.Locale.ROOT) : m;
  }
}
