package io.serve4j;

/**
 * The resource already exists or is in a state that forbids the call. Category {@link
 * ErrorCategory#CONFLICT}.
 */
public final class ConflictException extends ServingException {
  private static final long serialVersionUID = 1L;

  ConflictException(Builder builder) {
    super(builder);
  }
}
