package io.serve4j.azure.internal;

import com.azure.core.exception.ClientAuthenticationException;
import com.azure.core.exception.HttpResponseException;
import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.HttpHeaders;
import com.azure.core.management.exception.ManagementError;
import com.azure.core.management.exception.ManagementException;
import io.serve4j.ErrorCategory;
import io.serve4j.ServingException;
import io.serve4j.azure.AzureProvider;
import java.io.IOException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/**
 * The provider's one error mapper: from azure-core's {@link HttpResponseException} (with the ARM
 * error body of a {@link ManagementException}) and transport failures to serve4j's typed errors,
 * keeping the cause, the HTTP status, {@code x-ms-request-id} and {@code Retry-After}.
 *
 * <p>The table (status, then ARM error code):
 *
 * <pre>
 * any status with a code naming quota (QuotaExceeded, InsufficientQuota...) QUOTA_EXCEEDED
 * 400 BadRequest / ValidationError / 413 / 415 / 422       INVALID_INPUT
 * 401                                                      UNAUTHENTICATED
 * 403                                                      PERMISSION_DENIED
 * 404                                                      NOT_FOUND
 * 408, 504                                                 TIMEOUT
 * 409, 412                                                 CONFLICT
 * 424 (scoring: the model container failed)                MODEL_ERROR
 * 429                                                      THROTTLED (+ Retry-After)
 * 500 on the control plane, 502, 503                       UNAVAILABLE (scoring 502: MODEL_ERROR)
 * other 4xx / 5xx                                          INVALID_INPUT / UNAVAILABLE
 * ClientAuthenticationException (no credential)            UNAUTHENTICATED, client side
 * IOException (connection refused, reset)                  UNAVAILABLE, client side
 * TimeoutException (the call's deadline reached the wire)  TIMEOUT, client side
 * a 200 whose body is not OIP JSON (OipJson)               INTERNAL, service side, "malformed"
 * </pre>
 */
public final class AzureErrors {
  private AzureErrors() {}

  /** Where a failure happened, which changes what some statuses mean. */
  public enum Plane {
    /** ARM: {@code management.azure.com}. */
    CONTROL,
    /** An endpoint's scoring URI. */
    SCORING
  }

  /**
   * Maps any failure.
   *
   * @param error what went wrong (unwrapped from completion wrappers here)
   * @param plane which API
   * @param what what serve4j was doing, e.g. {@code "create endpoint 'fraud'"}
   * @return the typed error; a {@link ServingException} is returned as-is
   */
  public static ServingException map(Throwable error, Plane plane, String what) {
    Throwable e = unwrap(error);
    if (e instanceof ServingException s) {
      return s;
    }
    if (e instanceof HttpResponseException h && h.getResponse() != null) {
      return fromHttp(h, plane, what);
    }
    if (e instanceof ClientAuthenticationException) {
      return base(ErrorCategory.UNAUTHENTICATED, e)
          .message(what + ": could not get an Entra ID token: " + e.getMessage())
          .build();
    }
    if (e instanceof TimeoutException) {
      return base(ErrorCategory.TIMEOUT, e).message(what + " timed out").build();
    }
    if (e instanceof CancellationException) {
      return base(ErrorCategory.TIMEOUT, e).message(what + " was cancelled").build();
    }
    if (e instanceof IOException || e.getCause() instanceof IOException) {
      return base(ErrorCategory.UNAVAILABLE, e)
          .message(what + ": could not reach Azure: " + e)
          .build();
    }
    return base(ErrorCategory.INTERNAL, e).message(what + " failed: " + e).build();
  }

  private static ServingException fromHttp(HttpResponseException h, Plane plane, String what) {
    int status = h.getResponse().getStatusCode();
    HttpHeaders headers = h.getResponse().getHeaders();
    // An ARM failure met while serving a prediction (describe, listKeys) is a control-plane one.
    Plane effective = h instanceof ManagementException ? Plane.CONTROL : plane;
    ManagementError armError =
        h instanceof ManagementException m && m.getValue() != null ? m.getValue() : null;
    String code = armError != null ? armError.getCode() : null;
    ErrorCategory category = category(status, code, detailCodes(armError), effective);
    ServingException.Builder b =
        base(category, h).fromService().statusCode(status).message(message(what, h, armError));
    String requestId = requestId(headers);
    if (requestId != null) {
      b.requestId(requestId);
    }
    if (category == ErrorCategory.THROTTLED || status == 503) {
      Duration after = retryAfter(headers);
      if (after != null) {
        b.retryAfter(after);
      }
    }
    return b.build();
  }

  /**
   * The mapping table.
   *
   * @param status HTTP status
   * @param code ARM error code or null
   * @param detailCodes codes of the error's details
   * @param plane which API
   * @return the category
   */
  public static ErrorCategory category(
      int status, String code, List<String> detailCodes, Plane plane) {
    if (isQuota(code) || detailCodes.stream().anyMatch(AzureErrors::isQuota)) {
      return ErrorCategory.QUOTA_EXCEEDED;
    }
    return switch (status) {
      case 400, 413, 415, 422 -> ErrorCategory.INVALID_INPUT;
      case 401 -> ErrorCategory.UNAUTHENTICATED;
      case 403 -> ErrorCategory.PERMISSION_DENIED;
      case 404 -> ErrorCategory.NOT_FOUND;
      case 408, 504 -> ErrorCategory.TIMEOUT;
      case 409, 412 -> ErrorCategory.CONFLICT;
      case 424 -> ErrorCategory.MODEL_ERROR;
      case 429 -> ErrorCategory.THROTTLED;
      case 502 -> plane == Plane.SCORING ? ErrorCategory.MODEL_ERROR : ErrorCategory.UNAVAILABLE;
      case 500, 503 -> ErrorCategory.UNAVAILABLE;
      default -> status >= 500 ? ErrorCategory.UNAVAILABLE : ErrorCategory.INVALID_INPUT;
    };
  }

  /**
   * Builds the error for a long-running operation that ended Failed or Canceled.
   *
   * @param what what was being done
   * @param status the terminal status
   * @param error the operation's {@code error} object, or null
   * @param otherwise the category when the code says nothing more specific
   * @return the typed error
   */
  public static ServingException operationFailed(
      String what, String status, ManagementError error, ErrorCategory otherwise) {
    String code = error != null ? error.getCode() : null;
    ErrorCategory category;
    if (isQuota(code) || detailCodes(error).stream().anyMatch(AzureErrors::isQuota)) {
      category = ErrorCategory.QUOTA_EXCEEDED;
    } else if ("Canceled".equalsIgnoreCase(status)) {
      category = ErrorCategory.CONFLICT;
    } else if (code != null
        && (code.equalsIgnoreCase("BadArgument")
            || code.equalsIgnoreCase("ValidationError")
            || code.equalsIgnoreCase("InvalidRequestContent"))) {
      category = ErrorCategory.INVALID_INPUT;
    } else {
      category = otherwise;
    }
    return ServingException.builder(category)
        .providerId(AzureProvider.ID)
        .fromService()
        .message(
            what
                + " ended "
                + status
                + (error != null ? ": " + error.getCode() + ": " + error.getMessage() : "")
                + details(error))
        .build();
  }

  private static boolean isQuota(String code) {
    return code != null && code.toLowerCase(Locale.ROOT).contains("quota");
  }

  private static List<String> detailCodes(ManagementError error) {
    List<String> codes = new ArrayList<>();
    if (error != null && error.getDetails() != null) {
      for (ManagementError d : error.getDetails()) {
        if (d.getCode() != null) {
          codes.add(d.getCode());
        }
      }
    }
    return codes;
  }

  private static String message(String what, HttpResponseException h, ManagementError error) {
    StringBuilder sb = new StringBuilder(what).append(": ");
    if (error != null) {
      sb.append("HTTP ")
          .append(h.getResponse().getStatusCode())
          .append(' ')
          .append(error.getCode())
          .append(": ")
          .append(error.getMessage())
          .append(details(error));
    } else {
      sb.append(h.getMessage());
      Object body = h.getValue();
      if (body instanceof String s && !s.isBlank()) {
        sb.append(": ").append(s.length() > 500 ? s.substring(0, 500) + "..." : s);
      }
    }
    return sb.toString();
  }

  private static String details(ManagementError error) {
    if (error == null || error.getDetails() == null || error.getDetails().isEmpty()) {
      return "";
    }
    StringBuilder sb = new StringBuilder(" (details: ");
    for (ManagementError d : error.getDetails()) {
      sb.append(d.getCode()).append(": ").append(d.getMessage()).append("; ");
    }
    sb.setLength(sb.length() - 2);
    return sb.append(')').toString();
  }

  static String requestId(HttpHeaders headers) {
    for (String name :
        List.of(
            "x-ms-request-id",
            "x-ms-correlation-request-id",
            "x-request-id",
            "x-ms-client-request-id")) {
      String v = headers.getValue(HttpHeaderName.fromString(name));
      if (v != null && !v.isBlank()) {
        return v;
      }
    }
    return null;
  }

  /**
   * Reads {@code retry-after-ms}, {@code x-ms-retry-after-ms} or {@code Retry-After} (seconds or an
   * HTTP date).
   *
   * @param headers response headers
   * @return the delay, or null
   */
  static Duration retryAfter(HttpHeaders headers) {
    for (String name : List.of("retry-after-ms", "x-ms-retry-after-ms")) {
      String v = headers.getValue(HttpHeaderName.fromString(name));
      if (v != null) {
        try {
          return Duration.ofMillis(Long.parseLong(v.trim()));
        } catch (NumberFormatException ignored) {
          // fall through to Retry-After
        }
      }
    }
    String v = headers.getValue(HttpHeaderName.RETRY_AFTER);
    if (v == null) {
      return null;
    }
    try {
      return Duration.ofSeconds(Long.parseLong(v.trim()));
    } catch (NumberFormatException e) {
      try {
        OffsetDateTime at = OffsetDateTime.parse(v.trim(), DateTimeFormatter.RFC_1123_DATE_TIME);
        Duration d = Duration.between(OffsetDateTime.now(), at);
        return d.isNegative() ? Duration.ZERO : d;
      } catch (RuntimeException ignored) {
        return null;
      }
    }
  }

  private static ServingException.Builder base(ErrorCategory category, Throwable cause) {
    return ServingException.builder(category).providerId(AzureProvider.ID).cause(cause);
  }

  static Throwable unwrap(Throwable e) {
    Throwable t = e;
    while ((t instanceof CompletionException || t instanceof ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }
}
