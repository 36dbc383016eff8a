package io.serve4j;

/**
 * The request or spec is malformed or does not match the model's signature. Category {@link
 * ErrorCategory#INVALID_INPUT}.
 */
public final class InvalidInputException extends ServingException {
  private static final long serialVersionUID = 1L;

  InvalidInputException(Builder builder) {
    super(builder);
  }
}
