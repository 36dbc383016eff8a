package io.serve4j;

/**
 * The endpoint, deployment, model or job does not exist. Category {@link ErrorCategory#NOT_FOUND}.
 */
public final class NotFoundException extends ServingException {
  private static final long serialVersionUID = 1L;

  NotFoundException(Builder builder) {
    super(builder);
  }
}
