package io.serve4j;

/** The call's deadline passed before an answer. Category {@link ErrorCategory#TIMEOUT}. */
public final class TimeoutException extends ServingException {
  private static final long serialVersionUID = 1L;

  TimeoutException(Builder builder) {
    super(builder);
  }
}
