package io.serve4j.spark.internal;

import io.serve4j.ErrorCategory;
import io.serve4j.ServingException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** Typed errors. */
final class Errors {
  private Errors() {}

  static ServingException invalid(String message) {
    return ServingException.builder(ErrorCategory.INVALID_INPUT).message(message).build();
  }

  static ServingException unsupported(String message) {
    return ServingException.builder(ErrorCategory.UNSUPPORTED_CAPABILITY).message(message).build();
  }

  static ServingException toServing(Throwable e) {
    Throwable t = e;
    while ((t instanceof CompletionException || t instanceof ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    if (t instanceof ServingException se) {
      return se;
    }
    return ServingException.builder(ErrorCategory.INTERNAL)
        .message(String.valueOf(t))
        .cause(t)
        .build();
  }
}
