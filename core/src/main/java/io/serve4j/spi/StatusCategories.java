package io.serve4j.spi;

import io.serve4j.ErrorCategory;

/**
 * The one table from HTTP statuses and gRPC codes to {@link ErrorCategory}: the same status means
 * the same category on every provider. A provider's {@link ErrorMapper} starts here and overrides
 * only codes that mean something specific on its cloud (a vendor error code, or a status that means
 * a model failure on a scoring route).
 *
 * <pre>
 * HTTP                                  category
 * 401                                   UNAUTHENTICATED
 * 403                                   PERMISSION_DENIED
 * 404, 410                              NOT_FOUND
 * 408, 504                              TIMEOUT
 * 409, 412                              CONFLICT
 * 424 (a dependency: the model failed)  MODEL_ERROR
 * 429                                   THROTTLED
 * 501                                   UNSUPPORTED_CAPABILITY
 * any other 4xx (400, 413, 415, 422...) INVALID_INPUT
 * any other 5xx (500, 502, 503...)      UNAVAILABLE
 * anything else (not an error status)   INTERNAL
 *
 * gRPC                                               category
 * INVALID_ARGUMENT, OUT_OF_RANGE                     INVALID_INPUT
 * NOT_FOUND                                          NOT_FOUND
 * ALREADY_EXISTS, ABORTED, FAILED_PRECONDITION       CONFLICT
 * PERMISSION_DENIED                                  PERMISSION_DENIED
 * UNAUTHENTICATED                                    UNAUTHENTICATED
 * RESOURCE_EXHAUSTED                                 THROTTLED
 * UNAVAILABLE, CANCELLED (by the server)             UNAVAILABLE
 * DEADLINE_EXCEEDED                                  TIMEOUT
 * UNIMPLEMENTED                                      UNSUPPORTED_CAPABILITY
 * INTERNAL, UNKNOWN, DATA_LOSS, OK, other            INTERNAL
 * </pre>
 */
public final class StatusCategories {
  private StatusCategories() {}

  /**
   * Maps an HTTP status.
   *
   * @param status the HTTP status
   * @return the category
   */
  public static ErrorCategory ofHttp(int status) {
    return switch (status) {
      case 401 -> ErrorCategory.UNAUTHENTICATED;
      case 403 -> ErrorCategory.PERMISSION_DENIED;
      case 404, 410 -> ErrorCategory.NOT_FOUND;
      case 408, 504 -> ErrorCategory.TIMEOUT;
      case 409, 412 -> ErrorCategory.CONFLICT;
      case 424 -> ErrorCategory.MODEL_ERROR;
      case 429 -> ErrorCategory.THROTTLED;
      case 501 -> ErrorCategory.UNSUPPORTED_CAPABILITY;
      default ->
          status >= 400 && status < 500
              ? ErrorCategory.INVALID_INPUT
              : status >= 500 && status < 600 ? ErrorCategory.UNAVAILABLE : ErrorCategory.INTERNAL;
    };
  }

  /**
   * Maps a gRPC status code by its number (0 OK ... 16 UNAUTHENTICATED).
   *
   * @param code the gRPC code value
   * @return the category
   */
  public static ErrorCategory ofGrpc(int code) {
    return switch (code) {
      case 3, 11 -> ErrorCategory.INVALID_INPUT; // INVALID_ARGUMENT, OUT_OF_RANGE
      case 5 -> ErrorCategory.NOT_FOUND;
      case 6, 9, 10 -> ErrorCategory.CONFLICT; // ALREADY_EXISTS, FAILED_PRECONDITION, ABORTED
      case 7 -> ErrorCategory.PERMISSION_DENIED;
      case 16 -> ErrorCategory.UNAUTHENTICATED;
      case 8 -> ErrorCategory.THROTTLED; // RESOURCE_EXHAUSTED
      case 14, 1 -> ErrorCategory.UNAVAILABLE; // UNAVAILABLE, CANCELLED
      case 4 -> ErrorCategory.TIMEOUT; // DEADLINE_EXCEEDED
      case 12 -> ErrorCategory.UNSUPPORTED_CAPABILITY; // UNIMPLEMENTED
      default -> ErrorCategory.INTERNAL; // OK, UNKNOWN, INTERNAL, DATA_LOSS
    };
  }
}
