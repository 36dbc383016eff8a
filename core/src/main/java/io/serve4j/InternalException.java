package io.serve4j;

/** An unexpected failure. Category {@link ErrorCategory#INTERNAL}. */
public final class InternalException extends ServingException {
  private static final long serialVersionUID = 1L;

  InternalException(Builder builder) {
    super(builder);
  }
}
