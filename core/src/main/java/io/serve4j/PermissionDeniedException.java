package io.serve4j;

/** The caller is not allowed to do this. Category {@link ErrorCategory#PERMISSION_DENIED}. */
public final class PermissionDeniedException extends ServingException {
  private static final long serialVersionUID = 1L;

  PermissionDeniedException(Builder builder) {
    super(builder);
  }
}
