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
import java.util.concurrent.atomic.AtomicReference;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Exceptions;
import reactor.core.publisher.Mono;

/**
 * One HTTP exchange over an azure-core pipeline, as a future. Statuses of 400 and above fail with
 * an {@link HttpResponseException}: a {@link ManagementException} carrying the ARM error body for
 * control-plane calls, a plain one for scoring calls. {@link AzureErrors} maps both.
 *
 * <p>A {@link Rest} made {@link #within(Deadline) within} a deadline gives each exchange the time
 * left: as azure-core's per-call response timeout ({@value #RESPONSE_TIMEOUT_KEY} in the call's
 * {@link Context}, which azure-core's Netty client honours in place of its default one) and as a
 * watch of core's deadline watchdog over the whole exchange, azure-core retries and body included.
 * Either way the exchange fails with a {@link TimeoutException} and its connection is released;
 * cancelling the returned future cancels the exchange too.
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
    return send(method, url, body, contentType, headers, AS_IS);
  }

  /**
   * Reads what came back into the caller's result, on the thread the answer arrived on.
   *
   * @param <T> the result
   */
  interface Reader<T> {
    /**
     * Reads a successful answer (status below 400).
     *
     * @param response the answer
     * @return the result; a runtime exception thrown here fails the exchange with it
     */
    T read(Response response);

    /**
     * Hears a failed exchange before its future completes (the default does nothing).
     *
     * @param failure the failure, as the future will carry it
     */
    default void failed(Throwable failure) {}
  }

  private static final Reader<Response> AS_IS = r -> r;

  private static final byte[] EMPTY = new byte[0];

  /**
   * One exchange, read by {@code reader} into the returned future. The future is the exchange's own
   * subscriber, with no operator or stage between the answer and the caller: cancelling it cancels
   * the exchange (reactor-netty lets the connection go), and the watch of the deadline (core's
   * watchdog: nothing is scheduled per exchange) fails it with a {@link TimeoutException} and
   * cancels the exchange, azure-core retries and body included.
   */
  <T> CompletableFuture<T> send(
      HttpMethod method,
      String url,
      byte[] body,
      String contentType,
      Map<String, String> headers,
      Reader<T> reader) {
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
    Exchange<T> exchange;
    if (deadline.isFinite()) {
      Duration left = deadline.remaining();
      if (left.isZero()) {
        return CompletableFuture.failedFuture(timeout(method, url, left));
      }
      exchange = new Exchange<>(this, method, url, reader, left);
      sent = pipeline.send(request, new Context(RESPONSE_TIMEOUT_KEY, left));
    } else {
      exchange = new Exchange<>(this, method, url, reader, null);
      sent = pipeline.send(request);
    }
    sent.flatMap(r -> r.getBodyAsByteArray().defaultIfEmpty(EMPTY).map(b -> exchange.answer(r, b)))
        .subscribe(exchange);
    return exchange;
  }

  /**
   * An exchange in flight: the subscriber of the pipeline's answer, the future its caller holds,
   * and the action of its deadline's watch.
   */
  private static final class Exchange<T> extends CompletableFuture<T>
      implements CoreSubscriber<Response>, Runnable {
    /** Stands for a subscription let go. */
    private static final Subscription GONE =
        new Subscription() {
          @Override
          public void request(long n) {}

          @Override
          public void cancel() {}
        };

    private final Rest rest;
    private final HttpMethod method;
    private final String url;
    private final Reader<T> reader;
    private final Duration bound;
    private final Deadline.Watch watch;
    private final AtomicReference<Subscription> subscription = new AtomicReference<>();

    Exchange(Rest rest, HttpMethod method, String url, Reader<T> reader, Duration bound) {
      this.rest = rest;
      this.method = method;
      this.url = url;
      this.reader = reader;
      this.bound = bound;
      this.watch = bound != null ? rest.deadline.onExpiry(this) : null;
    }

    /** Where the body arrived: a status of 400 or above is the exchange's failure. */
    Response answer(com.azure.core.http.HttpResponse r, byte[] bytes) {
      if (r.getStatusCode() >= 400) {
        throw Exceptions.propagate(rest.failure(method, url, r, bytes));
      }
      return new Response(r.getStatusCode(), r.getHeaders(), bytes);
    }

    @Override
    public void onSubscribe(Subscription s) {
      if (subscription.compareAndSet(null, s)) {
        s.request(Long.MAX_VALUE);
      } else {
        s.cancel(); // cancelled or timed out before the pipeline subscribed
      }
    }

    @Override
    public void onNext(Response response) {
      if (isDone()) {
        return;
      }
      T value;
      try {
        value = reader.read(response);
      } catch (RuntimeException e) {
        fail(e);
        return;
      }
      unwatch();
      complete(value);
    }

    @Override
    public void onError(Throwable t) {
      fail(Exceptions.unwrap(t));
    }

    @Override
    public void onComplete() {
      if (!isDone()) {
        // The body is defaulted, so the exchange cannot end empty; never leave a caller hanging.
        fail(new IllegalStateException(method + " " + pathOf(url) + " ended without an answer"));
      }
    }

    /** The deadline passed. */
    @Override
    public void run() {
      if (isDone()) {
        return;
      }
      TimeoutException e = timeout(method, url, bound);
      reader.failed(e);
      if (completeExceptionally(e)) {
        letGo();
      }
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      boolean cancelled = super.cancel(mayInterruptIfRunning);
      if (cancelled) {
        unwatch();
        letGo();
      }
      return cancelled;
    }

    private void fail(Throwable e) {
      unwatch();
      if (!isDone()) {
        reader.failed(e);
        completeExceptionally(e);
      }
    }

    private void unwatch() {
      if (watch != null) {
        watch.cancel();
      }
    }

    private void letGo() {
      Subscription s = subscription.getAndSet(GONE);
      if (s != null) {
        s.cancel();
      }
    }
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
