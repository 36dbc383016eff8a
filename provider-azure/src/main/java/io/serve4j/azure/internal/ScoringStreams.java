package io.serve4j.azure.internal;

import static io.serve4j.azure.internal.Workspace.ONLINE;

import com.azure.core.exception.HttpResponseException;
import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.HttpMethod;
import com.azure.core.http.HttpRequest;
import com.azure.core.http.HttpResponse;
import com.azure.core.util.Context;
import io.serve4j.EndpointDescription;
import io.serve4j.ErrorCategory;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.Payload;
import io.serve4j.ServingException;
import io.serve4j.azure.AzureProvider;
import io.serve4j.protocol.OipJson;
import io.serve4j.spi.CallContext;
import io.serve4j.spi.Deadline;
import io.serve4j.spi.Redactor;
import io.serve4j.spi.StreamingInference;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import reactor.core.Disposable;

/**
 * Streaming predictions from an online endpoint's scoring URI: the POST of {@link Scoring}, with
 * the answer's body read as azure-core's {@code Flux<ByteBuffer>} as it arrives instead of
 * buffered.
 *
 * <ul>
 *   <li>A {@code text/event-stream} answer is parsed as server-sent events: each event's {@code
 *       data} is one chunk (a {@code data: [DONE]} end marker is dropped); an {@code event: error}
 *       ends the stream with a MODEL_ERROR carrying the event's data.
 *   <li>Any other answer (HTTP chunked) yields one chunk per body buffer the transport delivers,
 *       with the answer's content type.
 *   <li>A raw payload request is posted as it is; a tensor request as Open Inference Protocol JSON,
 *       and each event is then decoded as one OIP response.
 * </ul>
 *
 * Demand: the body is read one buffer at a time, only while the caller has unmet demand and no
 * parsed chunk is waiting. Cancelling disposes the exchange or cancels the body subscription, which
 * lets go of the connection. A status of 400 and above fails like a prediction ({@link
 * AzureErrors}).
 */
public final class ScoringStreams implements StreamingInference {
  private final Workspace ws;
  private final EndpointDescriptions descriptions;

  /**
   * Creates the streaming part of a workspace.
   *
   * @param ws the workspace
   */
  public ScoringStreams(Workspace ws) {
    this.ws = ws;
    this.descriptions = new EndpointDescriptions(ws);
  }

  @Override
  public Flow.Publisher<InferenceResponse> stream(
      String endpoint, EndpointDescription known, InferenceRequest request, CallContext ctx) {
    return subscriber -> {
      Relay relay = new Relay(subscriber, endpoint, request);
      subscriber.onSubscribe(relay);
      Deadline deadline = ctx.deadline();
      CompletableFuture<EndpointDescription> description =
          known != null
              ? CompletableFuture.completedFuture(known)
              : descriptions.describe(endpoint, ws.armOnce.within(deadline));
      CompletableFuture<Void> opened =
          description
              .thenApply(Scoring.Info::of)
              .thenCompose(
                  info ->
                      ws.auth
                          .authorization(ONLINE, endpoint, info.authMode(), deadline)
                          .thenAccept(header -> relay.open(send(info, header, request, ctx))));
      relay.opening(opened);
      opened.whenComplete(
          (v, e) -> {
            if (e != null) {
              relay.fail(e);
            }
          });
    };
  }

  private reactor.core.publisher.Mono<HttpResponse> send(
      Scoring.Info info, String authorization, InferenceRequest request, CallContext ctx) {
    HttpRequest http = new HttpRequest(HttpMethod.POST, info.scoringUri());
    http.setHeader(HttpHeaderName.AUTHORIZATION, authorization);
    http.setHeader(HttpHeaderName.fromString("x-ms-client-request-id"), ctx.requestId());
    http.setHeader(HttpHeaderName.ACCEPT, "text/event-stream, */*");
    request
        .targetDeployment()
        .ifPresent(d -> http.setHeader(HttpHeaderName.fromString(Scoring.DEPLOYMENT_HEADER), d));
    if (request.payload().isPresent()) {
      Payload p = request.payload().get();
      http.setHeader(HttpHeaderName.CONTENT_TYPE, p.contentType());
      http.setBody(p.bytes());
    } else {
      http.setHeader(HttpHeaderName.CONTENT_TYPE, "application/json");
      http.setBody(OipJson.writeRequest(request));
    }
    Duration left = ctx.deadline().remaining();
    return ws.scoring
        .pipeline()
        .send(
            http,
            new Context(Rest.RESPONSE_TIMEOUT_KEY, left.isZero() ? Duration.ofMillis(1) : left));
  }

  /** Types an SSE {@code error} event: the model failed mid-stream. */
  static ServingException inStreamError(String endpoint, String data) {
    String text = data.length() > 2000 ? data.substring(0, 2000) + "..." : data;
    return ServingException.builder(ErrorCategory.MODEL_ERROR)
        .providerId(AzureProvider.ID)
        .fromService()
        .message(
            "the model behind endpoint '"
                + endpoint
                + "' failed mid-stream (server-sent event 'error'): "
                + Redactor.redact(text))
        .build();
  }

  /**
   * The caller's subscription, and the subscriber of the answer's body. Parsed chunks wait in a
   * queue; the body is asked for one more buffer only when the queue is empty and the caller wants
   * more. Signals to the caller are serialized by a work-in-progress counter.
   */
  private static final class Relay implements Flow.Subscription, Subscriber<ByteBuffer> {
    private final Flow.Subscriber<? super InferenceResponse> downstream;
    private final String endpoint;
    private final InferenceRequest request;
    private final AtomicInteger wip = new AtomicInteger();

    // Guarded by this.
    private final ArrayDeque<InferenceResponse> queue = new ArrayDeque<>();
    private long demand;
    private boolean asked; // a body buffer was requested and has not arrived
    private boolean upstreamDone;
    private Throwable error;
    private boolean cancelled;
    private boolean terminated;
    private CompletableFuture<?> opening;
    private Disposable exchange;
    private HttpResponse response;
    private Subscription body;

    // Only touched from the body's signals (serial).
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private final StringBuilder data = new StringBuilder();
    private String event = "";
    private boolean sse;
    private boolean hasData;
    private String contentType = "application/octet-stream";

    Relay(
        Flow.Subscriber<? super InferenceResponse> downstream,
        String endpoint,
        InferenceRequest request) {
      this.downstream = downstream;
      this.endpoint = endpoint;
      this.request = request;
    }

    void opening(CompletableFuture<?> f) {
      boolean cancel;
      synchronized (this) {
        opening = f;
        cancel = cancelled;
      }
      if (cancel) {
        f.cancel(true);
      }
    }

    /** Sends the POST; the answer's headers decide how its body is read. */
    void open(reactor.core.publisher.Mono<HttpResponse> send) {
      Disposable d = send.subscribe(this::answered, this::fail);
      boolean cancel;
      synchronized (this) {
        exchange = d;
        cancel = cancelled;
      }
      if (cancel) {
        d.dispose();
      }
    }

    private void answered(HttpResponse r) {
      synchronized (this) {
        response = r;
        if (cancelled) {
          r.close();
          return;
        }
      }
      if (r.getStatusCode() >= 400) {
        r.getBodyAsByteArray()
            .defaultIfEmpty(new byte[0])
            .subscribe(
                bytes -> {
                  String text = new String(bytes, StandardCharsets.UTF_8);
                  fail(
                      new HttpResponseException(
                          "POST "
                              + Rest.pathOf(r.getRequest().getUrl().toString())
                              + " -> HTTP "
                              + r.getStatusCode(),
                          r,
                          text.length() > 2000 ? text.substring(0, 2000) + "..." : text));
                },
                this::fail);
        return;
      }
      String type = r.getHeaderValue(HttpHeaderName.CONTENT_TYPE);
      if (type != null && !type.isBlank()) {
        contentType = type;
      }
      sse = contentType.toLowerCase(Locale.ROOT).startsWith("text/event-stream");
      r.getBody().subscribe(this);
    }

    void fail(Throwable t) {
      synchronized (this) {
        if (terminated || error != null || cancelled) {
          return;
        }
        error = t; // chunks already parsed go first
        upstreamDone = true;
      }
      drain();
    }

    @Override
    public void request(long n) {
      if (n <= 0) {
        cancel();
        fail(new IllegalArgumentException("request(" + n + "): demand must be positive"));
        return;
      }
      synchronized (this) {
        demand = demand + n < 0 ? Long.MAX_VALUE : demand + n;
      }
      drain();
    }

    @Override
    public void cancel() {
      CompletableFuture<?> o;
      Disposable d;
      Subscription b;
      HttpResponse r;
      synchronized (this) {
        if (cancelled) {
          return;
        }
        cancelled = true;
        queue.clear();
        o = opening;
        d = exchange;
        b = body;
        r = response;
      }
      if (o != null) {
        o.cancel(true);
      }
      if (b != null) {
        b.cancel();
      }
      if (d != null) {
        d.dispose();
      }
      if (r != null) {
        r.close();
      }
    }

    @Override
    public void onSubscribe(Subscription s) {
      boolean cancel;
      synchronized (this) {
        cancel = cancelled || body != null;
        if (!cancel) {
          body = s;
        }
      }
      if (cancel) {
        s.cancel();
        return;
      }
      drain();
    }

    @Override
    public void onNext(ByteBuffer buffer) {
      byte[] bytes = new byte[buffer.remaining()];
      buffer.get(bytes);
      ArrayDeque<InferenceResponse> parsed = new ArrayDeque<>();
      Throwable failure = null;
      try {
        if (sse) {
          failure = parseSse(bytes, parsed);
        } else if (bytes.length > 0) {
          parsed.add(chunk(bytes, contentType));
        }
      } catch (RuntimeException e) {
        failure = e;
      }
      synchronized (this) {
        asked = false;
        if (cancelled || terminated) {
          return;
        }
        queue.addAll(parsed);
      }
      if (failure != null) {
        cancelBody();
        fail(failure);
        return;
      }
      drain();
    }

    private void cancelBody() {
      Subscription b;
      synchronized (this) {
        b = body;
      }
      if (b != null) {
        b.cancel();
      }
    }

    /** Feeds bytes to the SSE parser; returns the error event's failure, if one ended it. */
    private Throwable parseSse(byte[] bytes, ArrayDeque<InferenceResponse> out) {
      for (byte b : bytes) {
        if (b != '\n') {
          line.write(b);
          continue;
        }
        String l = line.toString(StandardCharsets.UTF_8);
        line.reset();
        if (l.endsWith("\r")) {
          l = l.substring(0, l.length() - 1);
        }
        if (l.isEmpty()) {
          Throwable t = dispatch(out);
          if (t != null) {
            return t;
          }
          continue;
        }
        if (l.startsWith(":")) {
          continue; // comment / keep-alive
        }
        int colon = l.indexOf(':');
        String field = colon < 0 ? l : l.substring(0, colon);
        String value = colon < 0 ? "" : l.substring(colon + 1);
        if (value.startsWith(" ")) {
          value = value.substring(1);
        }
        if (field.equals("data")) {
          if (data.length() > 0) {
            data.append('\n');
          }
          data.append(value);
          hasData = true;
        } else if (field.equals("event")) {
          event = value;
        }
      }
      return null;
    }

    private Throwable dispatch(ArrayDeque<InferenceResponse> out) {
      String e = event;
      String d = data.toString();
      boolean any = hasData;
      event = "";
      data.setLength(0);
      hasData = false;
      if (e.equals("error")) {
        return inStreamError(endpoint, d);
      }
      if (!any || d.equals("[DONE]")) {
        return null;
      }
      out.add(chunk(d.getBytes(StandardCharsets.UTF_8), "text/plain; charset=utf-8"));
      return null;
    }

    private InferenceResponse chunk(byte[] bytes, String type) {
      if (request.payload().isPresent()) {
        return InferenceResponse.builder().payload(Payload.of(bytes, type)).build();
      }
      InferenceResponse r = OipJson.readResponse(bytes);
      return r.id().isEmpty() && request.id().isPresent()
          ? r.toBuilder().id(request.id().get()).build()
          : r;
    }

    @Override
    public void onError(Throwable t) {
      synchronized (this) {
        asked = false;
      }
      fail(t);
    }

    @Override
    public void onComplete() {
      ArrayDeque<InferenceResponse> parsed = new ArrayDeque<>();
      Throwable failure = null;
      if (sse && (hasData || event.equals("error"))) {
        try {
          failure = dispatch(parsed); // an event not ended by a blank line
        } catch (RuntimeException e) {
          failure = e;
        }
      }
      synchronized (this) {
        asked = false;
        queue.addAll(parsed);
        upstreamDone = true;
        if (failure != null && error == null) {
          error = failure;
        }
      }
      drain();
    }

    /** Emits what is queued as demand allows, asks the body for more, ends the stream. */
    private void drain() {
      if (wip.getAndIncrement() != 0) {
        return;
      }
      int missed = 1;
      while (true) {
        while (true) {
          InferenceResponse next = null;
          Throwable end = null;
          boolean complete = false;
          Subscription ask = null;
          synchronized (this) {
            if (cancelled || terminated) {
              queue.clear();
              break;
            }
            if (error != null && queue.isEmpty()) {
              end = error;
              terminated = true;
            }
            if (end == null && demand > 0 && !queue.isEmpty()) {
              next = queue.poll();
              demand--;
            } else if (end == null && queue.isEmpty() && upstreamDone && error == null) {
              complete = true;
              terminated = true;
            } else if (end == null
                && demand > 0
                && queue.isEmpty()
                && !asked
                && !upstreamDone
                && body != null) {
              asked = true;
              ask = body;
            }
          }
          if (end != null) {
            downstream.onError(end);
            break;
          }
          if (complete) {
            downstream.onComplete();
            break;
          }
          if (next != null) {
            downstream.onNext(next);
            continue;
          }
          if (ask != null) {
            ask.request(1);
          }
          break;
        }
        missed = wip.addAndGet(-missed);
        if (missed == 0) {
          return;
        }
      }
    }
  }
}
