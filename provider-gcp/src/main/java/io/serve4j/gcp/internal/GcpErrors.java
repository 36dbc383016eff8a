package io.serve4j.gcp.internal;

import com.google.api.gax.grpc.GrpcStatusCode;
import com.google.api.gax.rpc.ApiException;
import com.google.api.gax.rpc.ErrorDetails;
import com.google.api.gax.rpc.StatusCode;
import com.google.cloud.BaseServiceException;
import com.google.protobuf.util.Durations;
import com.google.rpc.QuotaFailure;
import io.serve4j.ErrorCategory;
import io.serve4j.ServingException;
import io.serve4j.gcp.GcpProvider;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * The provider's one error mapper: gax {@link ApiException} status codes (Vertex AI) and Cloud
 * Storage HTTP codes to serve4j categories, keeping the cause, the status and the request id.
 */
public final class GcpErrors {
  private GcpErrors() {}

  /**
   * Maps a gRPC status code of the Vertex AI API to a category.
   *
   * @param code the gax status code
   * @param detailText text of the error and its quota details, to tell quotas from rate limits
   * @return the category
   */
  public static ErrorCategory category(StatusCode.Code code, String detailText) {
    return switch (code) {
      case INVALID_ARGUMENT, OUT_OF_RANGE -> ErrorCategory.INVALID_INPUT;
      case NOT_FOUND -> ErrorCategory.NOT_FOUND;
      case ALREADY_EXISTS, ABORTED, FAILED_PRECONDITION -> ErrorCategory.CONFLICT;
      case PERMISSION_DENIED -> ErrorCategory.PERMISSION_DENIED;
      case UNAUTHENTICATED -> ErrorCategory.UNAUTHENTICATED;
      case RESOURCE_EXHAUSTED ->
          isQuota(detailText) ? ErrorCategory.QUOTA_EXCEEDED : ErrorCategory.THROTTLED;
      case UNAVAILABLE, CANCELLED -> ErrorCategory.UNAVAILABLE;
      case DEADLINE_EXCEEDED -> ErrorCategory.TIMEOUT;
      case UNIMPLEMENTED -> ErrorCategory.UNSUPPORTED_CAPABILITY;
      case INTERNAL, UNKNOWN, DATA_LOSS, OK -> ErrorCategory.INTERNAL;
    };
  }

  /**
   * Maps an HTTP status (Cloud Storage) to a category.
   *
   * @param status the HTTP status
   * @return the category
   */
  public static ErrorCategory category(int status) {
    return switch (status) {
      case 400, 411, 416 -> ErrorCategory.INVALID_INPUT;
      case 401 -> ErrorCategory.UNAUTHENTICATED;
      case 403 -> ErrorCategory.PERMISSION_DENIED;
      case 404, 410 -> ErrorCategory.NOT_FOUND;
      case 409, 412 -> ErrorCategory.CONFLICT;
      case 408, 504 -> ErrorCategory.TIMEOUT;
      case 429 -> ErrorCategory.THROTTLED;
      case 500, 502, 503 -> ErrorCategory.UNAVAILABLE;
      default -> ErrorCategory.INTERNAL;
    };
  }

  /**
   * RESOURCE_EXHAUSTED is a quota (a limit that needs a change, e.g. GPUs per region) unless the
   * text speaks of a rate (requests per minute), which is throttling.
   */
  private static boolean isQuota(String text) {
    String t = text == null ? "" : text.toLowerCase(Locale.ROOT);
    boolean rate =
        t.contains("per minute")
            || t.contains("per_minute")
            || t.contains("per second")
            || t.contains("rate limit")
            || t.contains("rate_limit")
            || t.contains("too many requests");
    return !rate && (t.contains("quota") || t.contains("limit"));
  }

  /**
   * Turns any failure into a {@link ServingException}; a {@code ServingException} or a {@link
   * CancellationException} passes through unchanged.
   *
   * @param error the failure, possibly wrapped in a CompletionException
   * @param requestId our request id, used when the service gave none
   * @return the typed exception (or the cancellation)
   */
  public static RuntimeException map(Throwable error, String requestId) {
    Throwable t = unwrap(error);
    if (t instanceof ServingException se) {
      return se;
    }
    if (t instanceof CancellationException ce) {
      return ce;
    }
    if (t instanceof ApiException api) {
      return fromApi(api, requestId);
    }
    if (t instanceof BaseServiceException storage) {
      int code = storage.getCode();
      return ServingException.builder(category(code))
          .fromService()
          .providerId(GcpProvider.ID)
          .requestId(requestId)
          .statusCode(code)
          .cause(storage)
          .message("Cloud Storage answered " + code + ": " + storage.getMessage())
          .build();
    }
    return ServingException.builder(ErrorCategory.INTERNAL)
        .providerId(GcpProvider.ID)
        .requestId(requestId)
        .cause(t)
        .message("unexpected failure: " + t)
        .build();
  }

  private static ServingException fromApi(ApiException api, String requestId) {
    StatusCode.Code code = api.getStatusCode().getCode();
    ErrorDetails details = api.getErrorDetails();
    StringBuilder text = new StringBuilder(String.valueOf(api.getMessage()));
    Duration retryAfter = null;
    String serviceRequestId = null;
    if (details != null) {
      QuotaFailure quota = details.getQuotaFailure();
      if (quota != null) {
        text.append(" quota");
        quota.getViolationsList().forEach(v -> text.append(' ').append(v.getDescription()));
      }
      if (details.getErrorInfo() != null) {
        text.append(' ').append(details.getErrorInfo().getReason());
      }
      if (details.getRetryInfo() != null && details.getRetryInfo().hasRetryDelay()) {
        retryAfter = Duration.ofMillis(Durations.toMillis(details.getRetryInfo().getRetryDelay()));
      }
      if (details.getRequestInfo() != null && !details.getRequestInfo().getRequestId().isEmpty()) {
        serviceRequestId = details.getRequestInfo().getRequestId();
      }
    }
    ErrorCategory category = category(code, text.toString());
    if (category == ErrorCategory.QUOTA_EXCEEDED && retryAfter != null) {
      category = ErrorCategory.THROTTLED;
    }
    ServingException.Builder b =
        ServingException.builder(category)
            .fromService()
            .providerId(GcpProvider.ID)
            .requestId(serviceRequestId != null ? serviceRequestId : requestId)
            .cause(api)
            .retryAfter(retryAfter)
            .message("Vertex AI answered " + code + ": " + api.getMessage());
    if (api.getStatusCode() instanceof GrpcStatusCode grpc) {
      b.statusCode(grpc.getTransportCode().value());
    } else {
      b.statusCode(code.getHttpStatusCode());
    }
    return b.build();
  }

  /**
   * Strips CompletionException and ExecutionException wrappers.
   *
   * @param error a failure
   * @return the innermost meaningful cause
   */
  public static Throwable unwrap(Throwable error) {
    Throwable t = error;
    while ((t instanceof CompletionException || t instanceof ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }
}
