package io.serve4j.batch.internal;

import io.serve4j.ErrorCategory;
import io.serve4j.ServingException;

/** Builds the typed errors of the batch module. */
final class Errors {
  private Errors() {}

  static ServingException invalid(String message) {
    return ServingException.builder(ErrorCategory.INVALID_INPUT).message(message).build();
  }
}
