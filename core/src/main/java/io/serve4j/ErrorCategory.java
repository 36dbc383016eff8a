package io.serve4j;

/**
 * What went wrong, portably. Each category has its own {@link ServingException} subclass so that
 * callers can catch exactly what they handle.
 */
public enum ErrorCategory {
  /** The request or spec is malformed or contradicts the model's signature. Not retryable. */
  INVALID_INPUT(false),
  /** The endpoint, deployment, model or job does not exist. Not retryable. */
  NOT_FOUND(false),
  /** The resource exists already or is in a state that forbids the call. Not retryable. */
  CONFLICT(false),
  /** Credentials are missing, invalid or expired. Not retryable. */
  UNAUTHENTICATED(false),
  /** The credentials are valid but not allowed to do this. Not retryable. */
  PERMISSION_DENIED(false),
  /** An account quota or resource limit is exhausted. Not retryable without a change. */
  QUOTA_EXCEEDED(false),
  /** The service asked the caller to slow down; may carry a retry-after. Retryable. */
  THROTTLED(true),
  /** The service or the network is unavailable right now. Retryable. */
  UNAVAILABLE(true),
  /** The call's deadline passed before an answer. Retryable with a new deadline. */
  TIMEOUT(true),
  /** The provider cannot do this at all; raised before any call is made. Not retryable. */
  UNSUPPORTED_CAPABILITY(false),
  /** The model artifact could not be loaded (missing, corrupt, unsupported operator). */
  MODEL_LOAD(false),
  /** The model itself failed while computing a prediction. Not retryable. */
  MODEL_ERROR(false),
  /** Anything else: a bug or an unexpected answer. Not retryable. */
  INTERNAL(false);

  private final boolean retryable;

  ErrorCategory(boolean retryable) {
    this.retryable = retryable;
  }

  /**
   * Returns whether an error of this category may succeed if the same call is made again.
   *
   * @return the default retryability
   */
  public boolean retryable() {
    return retryable;
  }
}
