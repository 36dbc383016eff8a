package io.serve4j.kserve.internal;

import io.fabric8.kubernetes.client.KubernetesClientException;
import io.serve4j.ErrorCategory;
import io.serve4j.ServingException;
import io.serve4j.kserve.KserveProvider;
import io.serve4j.protocol.OipJson;
import io.serve4j.spi.Redactor;
import io.serve4j.spi.StatusCategories;
import io.serve4j.spi.Wire;
import java.io.IOException;
import java.net.http.HttpHeaders;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Function;

/**
 * The provider's one error mapper, from the fabric8 client's and the JDK HTTP client's failures to
 * serve4j's typed errors, cause kept.
 *
 * <pre>
 * KubernetesClientException with an HTTP code   core's StatusCategories (409 CONFLICT, 404
 *                                               NOT_FOUND, 403 PERMISSION_DENIED...), service side,
 *                                               the API server's Status message (redacted)
 * KubernetesClientException without a code      UNAVAILABLE, client side (API server unreachable)
 * HttpTimeoutException (predict deadline)       TIMEOUT, client side
 * IOException (connection refused, reset)       UNAVAILABLE, client side
 * a non-200 OIP answer (see {@link #oip})       StatusCategories, service side, the OIP error
 *                                               body's text, Retry-After on 429 / 503
 * a 200 whose body is not OIP JSON              OipJson's INTERNAL "malformed" error
 * a gRPC status (see {@link #grpc})              StatusCategories.ofGrpc: INVALID_ARGUMENT
 *                                               INVALID_INPUT, RESOURCE_EXHAUSTED THROTTLED,
 *                                               UNAVAILABLE, DEADLINE_EXCEEDED TIMEOUT...; the
 *                                               status description (redacted), retry-after
 * anything else                                 INTERNAL
 * </pre>
 */
public final class KServeErrors {
  /** Core's guard with this mapper, to name inner wire calls. */
  public static final Wire WIRE = Wire.of(KserveProvider.ID, KServeErrors::map);

  private KServeErrors() {}

  /**
   * Maps one failure.
   *
   * @param what what serve4j was doing
   * @param error the failure, unwrapped
   * @return the typed error
   */
  public static ServingException map(String what, Throwable error) {
    Throwable e = Wire.unwrap(error);
    if (e instanceof ServingException s) {
      return s;
    }
    if (e instanceof KubernetesClientException k) {
      int code = k.getCode();
      if (code <= 0) {
        return base(ErrorCategory.UNAVAILABLE, e)
            .message(
                what
                    + ": could not reach the Kubernetes API server: "
                    + Redactor.redact(String.valueOf(rootMessage(k))))
            .build();
      }
      String msg =
          k.getStatus() != null && k.getStatus().getMessage() != null
              ? k.getStatus().getMessage()
              : k.getMessage();
      return base(StatusCategories.ofHttp(code), e)
          .fromService()
          .statusCode(code)
          .message(what + " failed (HTTP " + code + "): " + Redactor.redact(msg))
          .build();
    }
    if (e instanceof io.grpc.StatusRuntimeException g) {
      return grpc(what, g.getStatus(), g.getTrailers());
    }
    if (e instanceof io.grpc.StatusException g) {
      return grpc(what, g.getStatus(), g.getTrailers());
    }
    if (e instanceof HttpTimeoutException) {
      return base(ErrorCategory.TIMEOUT, e).message(what + " timed out").build();
    }
    if (e instanceof IOException || e.getCause() instanceof IOException) {
      return base(ErrorCategory.UNAVAILABLE, e)
          .message(what + ": could not reach the service: " + Redactor.redact(e.toString()))
          .build();
    }
    return base(ErrorCategory.INTERNAL, e)
        .message(what + " failed: " + Redactor.redact(e.toString()))
        .build();
  }

  /**
   * The error of a non-200 Open Inference Protocol answer.
   *
   * @param what what serve4j was doing
   * @param status the HTTP status
   * @param headers the answer's headers
   * @param body the answer's body
   * @return the typed error
   */
  public static ServingException oip(String what, int status, HttpHeaders headers, byte[] body) {
    ErrorCategory category = StatusCategories.ofHttp(status);
    String text =
        OipJson.readError(body)
            .orElseGet(
                () -> {
                  String s = new String(body, StandardCharsets.UTF_8);
                  return s.length() > 200 ? s.substring(0, 200) + "..." : s;
                });
    return refused(
        ServingException.builder(category).fromService().statusCode(status),
        what,
        "HTTP " + status,
        text,
        name -> headers.firstValue(name).orElse(null),
        status == 429 || status == 503);
  }

  /**
   * The error of a failed gRPC call. A status the client made up (no connection: UNAVAILABLE with a
   * cause; its own deadline: DEADLINE_EXCEEDED) is client side, any other the service's. {@code
   * retry-after} trailers (seconds) are read on RESOURCE_EXHAUSTED and UNAVAILABLE.
   *
   * @param what what serve4j was doing
   * @param status the status
   * @param trailers the trailers, or null
   * @return the typed error
   */
  public static ServingException grpc(
      String what, io.grpc.Status status, io.grpc.Metadata trailers) {
    io.grpc.Status.Code code = status.getCode();
    ErrorCategory category = StatusCategories.ofGrpc(code.value());
    boolean clientSide =
        code == io.grpc.Status.Code.DEADLINE_EXCEEDED
            || code == io.grpc.Status.Code.CANCELLED
            || (code == io.grpc.Status.Code.UNAVAILABLE && status.getCause() != null);
    String description =
        status.getDescription() != null
            ? status.getDescription()
            : status.getCause() != null ? status.getCause().toString() : "";
    ServingException.Builder b = ServingException.builder(category);
    if (status.getCause() != null) {
      b.cause(status.getCause());
    }
    if (!clientSide) {
      b.fromService().statusCode(code.value());
    }
    return refused(
        b,
        what,
        "gRPC " + code,
        description,
        name ->
            trailers == null
                ? null
                : trailers.get(
                    io.grpc.Metadata.Key.of(name, io.grpc.Metadata.ASCII_STRING_MARSHALLER)),
        code == io.grpc.Status.Code.RESOURCE_EXHAUSTED || code == io.grpc.Status.Code.UNAVAILABLE);
  }

  /**
   * The error of a refused prediction, either wire's: the status and its text (redacted) in the
   * message, the request id the answer carried and, when {@code mayRetryAfter}, its {@code
   * retry-after} in seconds (an HTTP date is ignored).
   *
   * @param b the error, its category (and its status if the service's) set
   * @param what what serve4j was doing
   * @param status the status as the wire names it ({@code HTTP 429}, {@code gRPC UNAVAILABLE})
   * @param text the answer's error text
   * @param header the answer's header (or trailer) of a name, or null
   * @param mayRetryAfter whether to read {@code retry-after}
   * @return the typed error
   */
  private static ServingException refused(
      ServingException.Builder b,
      String what,
      String status,
      String text,
      Function<String, String> header,
      boolean mayRetryAfter) {
    b.providerId(KserveProvider.ID)
        .message(what + " failed (" + status + "): " + Redactor.redact(text));
    String id = header.apply(OipRest.REQUEST_ID);
    if (id != null) {
      b.requestId(id);
    }
    String after = mayRetryAfter ? header.apply("retry-after") : null;
    if (after != null) {
      seconds(after).ifPresent(b::retryAfter);
    }
    return b.build();
  }

  private static Optional<Duration> seconds(String v) {
    try {
      double s = Double.parseDouble(v.trim());
      return s >= 0 ? Optional.of(Duration.ofMillis(Math.round(s * 1000))) : Optional.empty();
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  private static String rootMessage(Throwable t) {
    Throwable r = t;
    while (r.getCause() != null && r.getCause() != r) {
      r = r.getCause();
    }
    return r == t ? t.getMessage() : r.toString();
  }

  private static ServingException.Builder base(ErrorCategory c, Throwable cause) {
    return ServingException.builder(c).providerId(KserveProvider.ID).cause(cause);
  }
}
