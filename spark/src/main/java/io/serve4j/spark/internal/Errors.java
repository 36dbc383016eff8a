package io.serve4j.spark.internal;

import io.serve4j.ErrorCategory;
import io.serve4j.ServingException;
import io.serve4j.spi.Wire;

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
    Throwable t = Wire.unwrap(e);
    if (t instanceof ServingException se) {
      return se;
    }
    return ServingException.builder(ErrorCategory.INTERNAL)
        .message(String.valueOf(t))
        .cause(t)
        .build();
  }
}
