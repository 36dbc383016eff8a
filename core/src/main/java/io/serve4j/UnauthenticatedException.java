package io.serve4j;

/** Credentials are missing, invalid or expired. Category {@link ErrorCategory#UNAUTHENTICATED}. */
public final class UnauthenticatedException extends ServingException {
  private static final long serialVersionUID = 1L;

  UnauthenticatedException(Builder builder) {
    super(builder);
  }
}
