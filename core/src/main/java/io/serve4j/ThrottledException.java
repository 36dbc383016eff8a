package io.serve4j;

/**
 * The service asked the caller to slow down; see {@link #retryAfter()}. Category {@link
 * ErrorCategory#THROTTLED}.
 */
public final class ThrottledException extends ServingException {
  private static final long serialVersionUID = 1L;

  ThrottledException(Builder builder) {
    super(builder);
  }
}
