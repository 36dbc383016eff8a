package io.serve4j;

/**
 * An account quota or resource limit is exhausted. Category {@link ErrorCategory#QUOTA_EXCEEDED}.
 */
public final class QuotaExceededException extends ServingException {
  private static final long serialVersionUID = 1L;

  QuotaExceededException(Builder builder) {
    super(builder);
  }
}
