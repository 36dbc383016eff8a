package io.serve4j.aws.internal;

import io.serve4j.ErrorCategory;
import io.serve4j.ServingException;
import io.serve4j.aws.AwsProvider;
import io.serve4j.spi.Redactor;
import io.serve4j.spi.StatusCategories;
import io.serve4j.spi.Wire;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkServiceException;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.services.sagemakerruntime.model.ModelErrorException;

/**
 * The one mapper from AWS SDK exceptions to {@link ServingException}s. Keeps the cause, the HTTP
 * status, the AWS request id and the retry-after hint; messages carry what AWS said, never
 * credentials.
 */
public final class AwsErrors {
  /** Core's guard with this provider's mapper: names the wire calls of multi-step hooks. */
  static final Wire WIRE = Wire.of(AwsProvider.ID, AwsErrors::mapper);

  private AwsErrors() {}

  /**
   * Maps a failure of one AWS call through core's guard ({@link Wire#map}).
   *
   * @param what the call, e.g. {@code "InvokeEndpoint on endpoint 'fraud'"}
   * @param error what the SDK threw or completed the future with
   * @return the typed exception; ServingExceptions and cancellations pass through unchanged
   */
  public static RuntimeException map(String what, Throwable error) {
    return WIRE.map(what, error);
  }

  /**
   * The provider's {@link io.serve4j.spi.ErrorMapper}: one AWS SDK failure to a typed error.
   *
   * @param what the call
   * @param t the failure, unwrapped, not yet typed
   * @return the typed exception with {@code t} as its cause
   */
  public static ServingException mapper(String what, Throwable t) {
    if (t instanceof AwsServiceException ase) {
      return service(what, ase);
    }
    if (t instanceof SdkServiceException sse) {
      ServingException.Builder b =
          base(categoryOf(null, sse.statusCode(), null), what, unexplained(sse, null), sse)
              .fromService()
              .statusCode(sse.statusCode());
      if (sse.requestId() != null) {
        b.requestId(sse.requestId());
      }
      return b.build();
    }
    if (t instanceof ApiCallTimeoutException || t instanceof ApiCallAttemptTimeoutException) {
      return base(ErrorCategory.TIMEOUT, what, "timed out before AWS answered", t).build();
    }
    if (t instanceof SdkClientException sce) {
      String m =
          sce.getMessage() != null
              ? sce.getMessage()
              : sce.getCause() != null ? sce.getCause().toString() : "SDK client error";
      ErrorCategory c =
          m.contains("Unable to load credentials") || m.contains("credentials")
              ? ErrorCategory.UNAUTHENTICATED
              : m.contains("Unable to load region")
                  ? ErrorCategory.INVALID_INPUT
                  : ErrorCategory.UNAVAILABLE;
      return base(c, what, m, t).build();
    }
    if (t instanceof IOException || t instanceof UncheckedIOException) {
      return base(ErrorCategory.UNAVAILABLE, what, t.toString(), t).build();
    }
    return base(ErrorCategory.INTERNAL, what, t.toString(), t).build();
  }

  private static ServingException service(String what, AwsServiceException e) {
    AwsErrorDetails details = e.awsErrorDetails();
    String code = details != null ? details.errorCode() : null;
    String message = details != null ? details.errorMessage() : null;
    ErrorCategory category = categoryOf(code, e.statusCode(), message);
    String text =
        message == null || message.isBlank()
            ? unexplained(e, details)
            : (code != null ? code + ": " : "") + message;
    if (e instanceof ModelErrorException me) {
      category = ErrorCategory.MODEL_ERROR;
      text =
          "the model container answered "
              + me.originalStatusCode()
              + ": "
              + me.originalMessage()
              + (me.logStreamArn() != null ? " (logs: " + me.logStreamArn() + ")" : "");
    }
    ServingException.Builder b =
        base(category, what, text, e).fromService().statusCode(e.statusCode());
    String hint = invocationHint(what, code, message);
    if (hint != null) {
      b.message(hint + " (SageMaker said: " + Redactor.redact(message) + ")");
    }
    if (e.requestId() != null) {
      b.requestId(e.requestId());
    }
    if (category == ErrorCategory.THROTTLED) {
      retryAfter(e).ifPresent(b::retryAfter);
    }
    if (e.retryable() && !category.retryable() && category != ErrorCategory.MODEL_ERROR) {
      b.retryable(true);
    }
    return b.build();
  }

  /**
   * What is known of a service failure that carries no AWS error message (an HTML page from a
   * proxy, an empty body, an interim {@code 100 Continue} taken as the answer): the HTTP status,
   * the error code if any, what the body was, and the AWS request ids.
   *
   * @param e the failure
   * @param details its AWS error details, or null
   * @return the text, never containing "null"
   */
  static String unexplained(SdkServiceException e, AwsErrorDetails details) {
    StringBuilder b = new StringBuilder("HTTP ").append(e.statusCode());
    if (details != null && details.errorCode() != null && !details.errorCode().isBlank()) {
      b.append(", error code ").append(details.errorCode());
    }
    b.append(", no AWS error message: ").append(body(details));
    if (e.statusCode() == 100) {
      b.append(
          "; an interim 100 Continue was taken as the answer, as some S3-compatible endpoints"
              + " send it (see AwsOptions.s3ExpectContinue)");
    }
    if (e.requestId() != null) {
      b.append("; request id ").append(e.requestId());
    }
    if (e.extendedRequestId() != null) {
      b.append(", extended request id ").append(e.extendedRequestId());
    }
    if (e.requestId() == null && e.extendedRequestId() == null) {
      b.append("; no AWS request id (the answer may not come from AWS)");
    }
    return b.toString();
  }

  /**
   * What the body of an answer without an AWS message was. The SDK keeps the raw body for some
   * protocols only (not for S3's), so the headers speak when it did not.
   */
  private static String body(AwsErrorDetails details) {
    byte[] raw =
        details == null || details.rawResponse() == null
            ? null
            : details.rawResponse().asByteArrayUnsafe();
    SdkHttpResponse http = details == null ? null : details.sdkHttpResponse();
    String contentType =
        http == null ? null : http.firstMatchingHeader("Content-Type").orElse(null);
    String length = http == null ? null : http.firstMatchingHeader("Content-Length").orElse(null);
    if (raw != null && raw.length > 0) {
      String head =
          new String(raw, 0, Math.min(raw.length, 512), StandardCharsets.UTF_8)
              .toLowerCase(Locale.ROOT);
      boolean html = head.contains("<html") || head.contains("<!doctype html");
      return nonAws(html ? "an HTML page" : raw.length + " bytes", contentType);
    }
    if ("0".equals(length) || (contentType == null && length == null)) {
      return "empty response body";
    }
    boolean html = contentType != null && contentType.toLowerCase(Locale.ROOT).contains("html");
    return nonAws(
        (html ? "an HTML page" : "not an AWS error")
            + (length != null ? ", " + length + " bytes" : ""),
        contentType);
  }

  private static String nonAws(String kind, String contentType) {
    return "non-AWS response body ("
        + kind
        + (contentType != null ? ", content type " + contentType : "")
        + ")";
  }

  /**
   * The mapping table: AWS error code, HTTP status and message to a category.
   *
   * @param code the AWS error code, or null
   * @param status the HTTP status
   * @param message the AWS message, or null
   * @return the category
   */
  static ErrorCategory categoryOf(String code, int status, String message) {
    String m = message == null ? "" : message.toLowerCase(Locale.ROOT);
    if (code != null) {
      switch (code) {
        case "ModelError":
          return ErrorCategory.MODEL_ERROR;
        case "ModelNotReadyException":
        case "ServiceUnavailable":
        case "ServiceUnavailableException":
        case "InternalFailure":
        case "InternalServerError":
        case "InternalError":
        case "InternalServiceException":
        case "ConcurrentModificationException":
          return ErrorCategory.UNAVAILABLE;
        case "ThrottlingException":
        case "Throttling":
        case "TooManyRequestsException":
        case "RequestLimitExceeded":
        case "SlowDown":
        case "ProvisionedThroughputExceededException":
          return ErrorCategory.THROTTLED;
        case "AccessDenied":
        case "AccessDeniedException":
        case "AuthorizationError":
        case "NotAuthorized":
          return ErrorCategory.PERMISSION_DENIED;
        case "UnrecognizedClientException":
        case "InvalidClientTokenId":
        case "ExpiredToken":
        case "ExpiredTokenException":
        case "SignatureDoesNotMatch":
        case "InvalidSignatureException":
        case "MissingAuthenticationToken":
        case "IncompleteSignature":
          return ErrorCategory.UNAUTHENTICATED;
        case "ResourceLimitExceeded":
        case "LimitExceededException":
        case "ServiceQuotaExceededException":
          return ErrorCategory.QUOTA_EXCEEDED;
        case "ResourceInUse":
        case "ResourceInUseException":
        case "ConflictException":
        case "ConflictError":
        case "BucketAlreadyExists":
        case "BucketAlreadyOwnedByYou":
          return ErrorCategory.CONFLICT;
        case "ResourceNotFound":
        case "ResourceNotFoundException":
        case "ObjectNotFoundException":
        case "NoSuchKey":
        case "NoSuchBucket":
        case "NoSuchUpload":
        case "NotFound":
          return ErrorCategory.NOT_FOUND;
        case "ValidationException":
        case "ValidationError":
        case "InvalidParameterValue":
        case "InvalidParameterException":
        case "InvalidRequest":
        case "InvalidArgument":
        case "FailedDependencyException":
          return validation(m);
        default:
          break;
      }
    }
    // Core's one status table; AWS overrides only the generic 4xx, whose message tells a missing
    // or busy resource from a bad request (SageMaker answers 400 "Could not find endpoint").
    ErrorCategory byStatus = StatusCategories.ofHttp(status);
    return byStatus == ErrorCategory.INVALID_INPUT ? validation(m) : byStatus;
  }

  private static ErrorCategory validation(String lowerMessage) {
    if (lowerMessage.contains("could not find")
        || lowerMessage.contains("does not exist")
        || lowerMessage.contains("not found")) {
      return ErrorCategory.NOT_FOUND;
    }
    if (lowerMessage.contains("already exist") || lowerMessage.contains("in use")) {
      return ErrorCategory.CONFLICT;
    }
    return ErrorCategory.INVALID_INPUT;
  }

  private static Optional<Duration> retryAfter(AwsServiceException e) {
    AwsErrorDetails d = e.awsErrorDetails();
    if (d == null || d.sdkHttpResponse() == null) {
      return Optional.empty();
    }
    return d.sdkHttpResponse()
        .firstMatchingHeader("Retry-After")
        .flatMap(
            v -> {
              try {
                return Optional.of(Duration.ofSeconds(Long.parseLong(v.trim())));
              } catch (NumberFormatException nfe) {
                return Optional.empty();
              }
            });
  }

  private static ServingException.Builder base(
      ErrorCategory category, String what, String message, Throwable cause) {
    return ServingException.builder(category)
        .providerId(AwsProvider.ID)
        .message(what + " failed: " + Redactor.redact(message))
        .cause(cause);
  }

  /**
   * Builds a service-side error of the provider.
   *
   * @param category the category
   * @param message the message
   * @return the exception
   */
  static ServingException error(ErrorCategory category, String message) {
    return ServingException.builder(category)
        .fromService()
        .providerId(AwsProvider.ID)
        .message(message)
        .build();
  }

  /**
   * Builds a client-side error (nothing was sent).
   *
   * @param category the category
   * @param message the message
   * @return the exception
   */
  static ServingException clientError(ErrorCategory category, String message) {
    return ServingException.builder(category).providerId(AwsProvider.ID).message(message).build();
  }

  /**
   * Whether SageMaker Runtime refused an invocation because the endpoint is of the other kind:
   * {@code InvokeEndpoint} on an asynchronous endpoint, or {@code InvokeEndpointAsync} on a
   * real-time one. Both are a 400 validation error whose message names asynchronous inference; the
   * exact wording is not documented, so this matches on "async" in the service's message (not in
   * serve4j's own text).
   *
   * @param code the AWS error code
   * @param message the AWS message
   * @return true for such a refusal
   */
  static boolean isInvocationStyleMismatch(String code, String message) {
    return ("ValidationError".equals(code) || "ValidationException".equals(code))
        && message != null
        && message.toLowerCase(Locale.ROOT).contains("async")
        && categoryOf(code, 400, message) == ErrorCategory.INVALID_INPUT;
  }

  /**
   * What to say instead of an invocation-style refusal ({@link #isInvocationStyleMismatch}) of
   * {@code InvokeEndpoint} (the endpoint is asynchronous) or {@code InvokeEndpointAsync} (it is
   * real-time); null for any other failure.
   */
  private static String invocationHint(String what, String code, String message) {
    if (!what.startsWith("InvokeEndpoint") || !isInvocationStyleMismatch(code, message)) {
      return null;
    }
    int at = what.indexOf("endpoint '");
    String endpoint = at >= 0 ? what.substring(at) : "the endpoint";
    return what.startsWith("InvokeEndpointAsync")
        ? endpoint + " is real-time: use Endpoint.predict, not submit"
        : endpoint + " is asynchronous: use Endpoint.submit, not predict";
  }

  /**
   * Whether a failure is the service saying "not found".
   *
   * @param error the failure
   * @return true for NOT_FOUND
   */
  static boolean isNotFound(Throwable error) {
    return Wire.unwrap(error) instanceof ServingException se
        && se.category() == ErrorCategory.NOT_FOUND;
  }
}
