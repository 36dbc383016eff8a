package io.serve4j;

/**
 * The service or the network is unavailable right now. Category {@link ErrorCategory#UNAVAILABLE}.
 */
public final class UnavailableException extends ServingException {
  private static final long serialVersionUID = 1L;

  UnavailableException(Builder builder) {
    super(builder);
  }
}
