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
import io.serve4j.spi.Redactor;
import io.serve4j.spi.StatusCategories;
import io.serve4j.spi.Wire;
import java.io.IOException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
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
 * 502 from a scoring URI (the model container failed)     MODEL_ERROR
 * any other status                                         core's StatusCategories table
 *                                                          (429 THROTTLED + Retry-After)
 * ClientAuthenticationException (no credential)            UNAUTHENTICATED, client side
 * IOException (connection refused, reset)                  UNAVAILABLE, client side
 * TimeoutException (the call's deadline reached the wire)  TIMEOUT, client side
 * a 200 whose body is not OIP JSON (OipJson)               INTERNAL, service side, "malformed"
 * </pre>
 */
public final class AzureErrors {
  /** Core's guard with this provider's mapper: names the wire calls of multi-step hooks. */
  static final Wire WIRE = Wire.of(AzureProvider.ID, AzureErrors::mapper);

  private AzureErrors() {}

  /**
   * The provider's {@link io.serve4j.spi.ErrorMapper}: a failure while predicting ({@code what}
   * starts with "predict") is read on the scoring plane, any other on the control plane.
   *
   * @param what what serve4j was doing
   * @param error the failure, unwrapped, not yet typed
   * @return the typed error
   */
  public static ServingException mapper(String what, Throwable error) {
    return map(
        error,
        what.startsWith("predict") || what.startsWith("stream") ? Plane.SCORING : Plane.CONTROL,
        what);
  }

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
    Throwable e = Wire.unwrap(error);
    if (e instanceof ServingException s) {
      return s;
    }
    if (e instanceof HttpResponseException h && h.getResponse() != null) {
      return fromHttp(h, plane, what);
    }
    if (e instanceof ClientAuthenticationException) {
      return base(ErrorCategory.UNAUTHENTICATED, e)
          .message(what + ": could not get an Entra ID token: " + Redactor.redact(e.getMessage()))
          .build();
    }
    if (e instanceof TimeoutException) {
      return base(ErrorCategory.TIMEOUT, e).message(what + " timed out").build();
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
    // Azure's own meaning: a 502 from a scoring URI is the model container failing.
    if (status == 502 && plane == Plane.SCORING) {
      return ErrorCategory.MODEL_ERROR;
    }
    return StatusCategories.ofHttp(status);
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
    return operationFailed(what, status, error, otherwise, null);
  }

  /**
   * Builds the error for a long-running operation that ended Failed or Canceled, with the service's
   * request id of the call that started it (what Azure support asks for).
   *
   * @param what what was being done
   * @param status the terminal status
   * @param error the operation's {@code error} object, or null
   * @param otherwise the category when the code says nothing more specific
   * @param requestId {@code x-ms-request-id} (or correlation / client request id), or null
   * @return the typed error
   */
  public static ServingException operationFailed(
      String what,
      String status,
      ManagementError error,
      ErrorCategory otherwise,
      String requestId) {
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
    ServingException.Builder b =
        ServingException.builder(category).providerId(AzureProvider.ID).fromService();
    if (requestId != null) {
      b.requestId(requestId);
    }
    return b.message(
            what
                + " ended "
                + status
                + (error != null
                    ? ": " + error.getCode() + ": " + Redactor.redact(error.getMessage())
                    : "")
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
        sb.append(": ").append(Redactor.excerpt(s, 500));
      }
    }
    // The service's text may echo keys, tokens or SAS signatures: core's redactor strips them.
    return Redactor.redact(sb.toString());
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
}
