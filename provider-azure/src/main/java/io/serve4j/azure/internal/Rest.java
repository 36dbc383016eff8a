package io.serve4j.azure.internal;

import com.azure.core.exception.HttpResponseException;
import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.HttpHeaders;
import com.azure.core.http.HttpMethod;
import com.azure.core.http.HttpPipeline;
import com.azure.core.http.HttpRequest;
import com.azure.core.management.exception.ManagementError;
import com.azure.core.management.exception.ManagementException;
import com.azure.core.util.Context;
import com.azure.json.JsonProviders;
import com.azure.json.JsonReader;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.serve4j.spi.Deadline;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import reactor.core.publisher.Mono;

/**
 * One HTTP exchange over an azure-core pipeline, as a future. Statuses of 400 and above fail with
 * an {@link HttpResponseException}: a {@link ManagementException} carrying the ARM error body for
 * control-plane calls, a plain one for scoring calls. {@link AzureErrors} maps both.
 *
 * <p>A {@link Rest} made {@link #within(Deadline) within} a deadline gives each exchange the time
 * left: as azure-core's per-call response timeout ({@value #RESPONSE_TIMEOUT_KEY} in the call's
 * {@link Context}, which azure-core's Netty client honours in place of its default one) and as a
 * reactor timeout over the whole exchange, azure-core retries and body included, driven by a watch
 * of core's deadline watchdog. Either way the exchange fails with a {@link TimeoutException} and
 * its connection is released; cancelling the returned future cancels the exchange too.
 */
final class Rest {
  static final ObjectMapper JSON = new ObjectMapper();

  /** What came back. */
  record Response(int status, HttpHeaders headers, byte[] body) {
    JsonNode json() {
      if (body.length == 0) {
        return MissingNode.getInstance();
      }
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new UncheckedIOException("response is not JSON", e);
      }
    }

    String header(String name) {
      return headers.getValue(HttpHeaderName.fromString(name));
    }

    String header(HttpHeaderName name) {
      return headers.getValue(name);
    }
  }

  /** azure-core's {@link Context} key for a per-call response timeout ({@link Duration}). */
  static final String RESPONSE_TIMEOUT_KEY = "azure-response-timeout";

  private final HttpPipeline pipeline;
  private final boolean arm;
  private final Deadline deadline;

  Rest(HttpPipeline pipeline, boolean arm) {
    this(pipeline, arm, Deadline.none());
  }

  private Rest(HttpPipeline pipeline, boolean arm, Deadline deadline) {
    this.pipeline = pipeline;
    this.arm = arm;
    this.deadline = deadline;
  }

  /**
   * The same pipeline, with every exchange bounded by a deadline.
   *
   * @param deadline the caller's deadline
   * @return a view sharing this pipeline
   */
  Rest within(Deadline deadline) {
    return deadline.isFinite() ? new Rest(pipeline, arm, deadline) : this;
  }

  /** The pipeline itself, for exchanges whose body is read as it arrives (streams). */
  HttpPipeline pipeline() {
    return pipeline;
  }

  CompletableFuture<Response> send(HttpMethod method, String url, Object jsonBody) {
    byte[] body;
    try {
      body = jsonBody == null ? null : JSON.writeValueAsBytes(jsonBody);
    } catch (IOException e) {
      return CompletableFuture.failedFuture(e);
    }
    return send(method, url, body, "application/json", Map.of());
  }

  CompletableFuture<Response> send(
      HttpMethod method, String url, byte[] body, String contentType, Map<String, String> headers) {
    HttpRequest request;
    try {
      request = new HttpRequest(method, url);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    headers.forEach(request::setHeader);
    if (body != null) {
      request.setHeader(HttpHeaderName.CONTENT_TYPE, contentType);
      request.setBody(body);
    } else if (method == HttpMethod.POST || method == HttpMethod.PUT) {
      request.setHeader(HttpHeaderName.CONTENT_LENGTH, "0");
    }
    Mono<com.azure.core.http.HttpResponse> sent;
    Duration left = null;
    if (deadline.isFinite()) {
      left = deadline.remaining();
      if (left.isZero()) {
        return CompletableFuture.failedFuture(timeout(method, url, left));
      }
      sent = pipeline.send(request, new Context(RESPONSE_TIMEOUT_KEY, left));
    } else {
      sent = pipeline.send(request);
    }
    Mono<Response> exchange =
        sent.flatMap(
            r ->
                r.getBodyAsByteArray()
                    .defaultIfEmpty(new byte[0])
                    .flatMap(
                        bytes -> {
                          if (r.getStatusCode() >= 400) {
                            return Mono.error(failure(method, url, r, bytes));
                          }
                          return Mono.just(new Response(r.getStatusCode(), r.getHeaders(), bytes));
                        }));
    if (left != null) {
      Duration bound = left;
      exchange = exchange.timeout(expiry(deadline), Mono.error(() -> timeout(method, url, bound)));
    }
    return exchange.toFuture();
  }

  /**
   * Emits when the deadline passes, from a watch of core's deadline watchdog ({@link
   * Deadline#onExpiry}), released when the exchange ends first. {@code Mono.timeout(Duration)}
   * instead scheduled a task on reactor's parallel scheduler per exchange, a thread wake-up per
   * call, though nearly every exchange ends long before its deadline.
   */
  private static Mono<Long> expiry(Deadline deadline) {
    return Mono.create(
        sink -> {
          Deadline.Watch watch = deadline.onExpiry(() -> sink.success(0L));
          sink.onDispose(watch::cancel);
        });
  }

  private static TimeoutException timeout(HttpMethod method, String url, Duration left) {
    return new TimeoutException(
        method + " " + pathOf(url) + " did not answer within the " + left.toMillis() + " ms left");
  }

  private HttpResponseException failure(
      HttpMethod method, String url, com.azure.core.http.HttpResponse r, byte[] bytes) {
    String where = method + " " + pathOf(url);
    String text = new String(bytes, StandardCharsets.UTF_8);
    if (arm) {
      ManagementError error = armError(bytes);
      String message =
          where
              + " -> HTTP "
              + r.getStatusCode()
              + (error != null ? " " + error.getCode() + ": " + error.getMessage() : "");
      return new ManagementException(message, r.buffer(), error);
    }
    // Scoring: the body is the model server's; kept (abbreviated) for the message.
    return new HttpResponseException(
        where + " -> HTTP " + r.getStatusCode(), r.buffer(), abbreviate(text));
  }

  /**
   * Parses the ARM error body {@code {"error": {"code", "message", "details": [...]}}}.
   *
   * @param bytes the body
   * @return the error, or null if the body is not one
   */
  static ManagementError armError(byte[] bytes) {
    if (bytes == null || bytes.length == 0) {
      return null;
    }
    try {
      JsonNode root = JSON.readTree(bytes);
      JsonNode error = root.has("error") ? root.get("error") : root;
      if (error == null || !error.isObject() || !error.has("code")) {
        return null;
      }
      try (JsonReader reader = JsonProviders.createReader(JSON.writeValueAsBytes(error))) {
        return ManagementError.fromJson(reader);
      }
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** Path and query of a URL without the host, for messages. */
  static String pathOf(String url) {
    int scheme = url.indexOf("://");
    int slash = scheme < 0 ? -1 : url.indexOf('/', scheme + 3);
    return slash < 0 ? url : url.substring(slash);
  }

  private static String abbreviate(String s) {
    return s.length() > 2000 ? s.substring(0, 2000) + "..." : s;
  }
}
