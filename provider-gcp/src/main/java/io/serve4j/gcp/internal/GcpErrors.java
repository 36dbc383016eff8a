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
import io.serve4j.spi.Redactor;
import io.serve4j.spi.StatusCategories;
import io.serve4j.spi.Wire;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CancellationException;

/**
 * The provider's one error mapper: gax {@link ApiException} status codes (Vertex AI) and Cloud
 * Storage HTTP codes to serve4j categories, keeping the cause, the status and the request id.
 */
public final class GcpErrors {
  /** Core's guard with this provider's mapper. */
  static final Wire WIRE = Wire.of(GcpProvider.ID, GcpErrors::mapper);

  private GcpErrors() {}

  /**
   * The provider's {@link io.serve4j.spi.ErrorMapper}.
   *
   * @param what what serve4j was doing
   * @param error the failure, unwrapped, not yet typed
   * @return the typed error
   */
  public static ServingException mapper(String what, Throwable error) {
    return (ServingException) map(error, null);
  }

  /**
   * Maps a gRPC status code of the Vertex AI API to a category.
   *
   * @param code the gax status code
   * @param detailText text of the error and its quota details, to tell quotas from rate limits
   * @return the category
   */
  public static ErrorCategory category(StatusCode.Code code, String detailText) {
    // Google's own meaning: RESOURCE_EXHAUSTED that names a quota (not a rate) is a quota.
    if (code == StatusCode.Code.RESOURCE_EXHAUSTED && isQuota(detailText)) {
      return ErrorCategory.QUOTA_EXCEEDED;
    }
    return StatusCategories.ofGrpc(grpcValue(code));
  }

  /** The gRPC code number of a gax code (gax's enum lists them in gRPC order). */
  private static int grpcValue(StatusCode.Code code) {
    return io.grpc.Status.Code.valueOf(code.name()).value();
  }

  /**
   * Maps an HTTP status (Cloud Storage) to a category.
   *
   * @param status the HTTP status
   * @return the category
   */
  public static ErrorCategory category(int status) {
    return StatusCategories.ofHttp(status);
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
    Throwable t = Wire.unwrap(error);
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
          .message("Cloud Storage answered " + code + ": " + Redactor.redact(storage.getMessage()))
          .build();
    }
    return ServingException.builder(ErrorCategory.INTERNAL)
        .providerId(GcpProvider.ID)
        .requestId(requestId)
        .cause(t)
        .message("unexpected failure: " + Redactor.redact(String.valueOf(t)))
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
            .message("Vertex AI answered " + code + ": " + Redactor.redact(api.getMessage()));
    if (api.getStatusCode() instanceof GrpcStatusCode grpc) {
      b.statusCode(grpc.getTransportCode().value());
    } else {
      b.statusCode(code.getHttpStatusCode());
    }
    return b.build();
  }
}
