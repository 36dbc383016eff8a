package io.serve4j.gcp.internal;

import static io.serve4j.gcp.internal.VertexCalls.callContext;

import com.google.api.HttpBody;
import com.google.api.gax.rpc.ApiException;
import com.google.api.gax.rpc.ResponseObserver;
import com.google.api.gax.rpc.StatusCode;
import com.google.api.gax.rpc.StreamController;
import com.google.cloud.aiplatform.v1.StreamRawPredictRequest;
import com.google.protobuf.ByteString;
import io.serve4j.EndpointDescription;
import io.serve4j.ErrorCategory;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.Payload;
import io.serve4j.ServingException;
import io.serve4j.gcp.GcpProvider;
import io.serve4j.protocol.OipJson;
import io.serve4j.spi.CallContext;
import io.serve4j.spi.Redactor;
import io.serve4j.spi.StreamingInference;
import io.serve4j.spi.Wire;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Streaming inference on Vertex AI: {@code StreamRawPredict}, a gRPC server stream of {@code
 * google.api.HttpBody} messages. A raw payload request is sent as it is and each message becomes a
 * raw chunk; a tensor request is sent as Open Inference Protocol JSON and each message is decoded
 * as one OIP response.
 *
 * <p>The gRPC call runs with gax's automatic inbound flow control disabled: the caller's demand is
 * passed on as {@code request(n)} on the call, so the server sends no more messages than asked for
 * (gRPC flow control), and {@code cancel()} cancels the call. A status the server ends the stream
 * with after chunks have arrived is typed as the model failing mid-stream when it is INTERNAL or
 * UNKNOWN (the container broke off), otherwise by the provider's mapper.
 */
final class VertexStreams implements StreamingInference {
  private final VertexClients vertex;
  private final VertexNames names;

  VertexStreams(VertexClients vertex, VertexNames names) {
    this.vertex = vertex;
    this.names = names;
  }

  @Override
  public Flow.Publisher<InferenceResponse> stream(
      String endpoint, EndpointDescription known, InferenceRequest request, CallContext ctx) {
    return subscriber -> {
      Relay relay = new Relay(subscriber, endpoint, request);
      subscriber.onSubscribe(relay);
      StreamRawPredictRequest call;
      try {
        call = request(endpoint, request);
      } catch (RuntimeException e) {
        relay.onError(e);
        return;
      }
      try {
        vertex.predictions.streamRawPredictCallable().call(call, relay, callContext(ctx));
      } catch (RuntimeException e) {
        relay.onError(e);
      }
    };
  }

  private StreamRawPredictRequest request(String endpoint, InferenceRequest request) {
    if (request.targetDeployment().isPresent()) {
      throw ServingException.builder(ErrorCategory.UNSUPPORTED_CAPABILITY)
          .providerId(GcpProvider.ID)
          .message(
              "Vertex AI routes predictions by the endpoint's traffic split; it cannot pin a"
                  + " request to deployment '"
                  + request.targetDeployment().get()
                  + "'")
          .build();
    }
    byte[] body;
    String contentType;
    if (request.payload().isPresent()) {
      body = request.payload().get().bytes();
      contentType = request.payload().get().contentType();
    } else {
      body = OipJson.writeRequest(request);
      contentType = "application/json";
    }
    return StreamRawPredictRequest.newBuilder()
        .setEndpoint(names.endpointName(endpoint))
        .setHttpBody(
            HttpBody.newBuilder().setContentType(contentType).setData(ByteString.copyFrom(body)))
        .build();
  }

  /** Types a status that ended the stream after chunks: INTERNAL / UNKNOWN is the model failing. */
  static Throwable typed(Throwable t, String endpoint, boolean midStream) {
    Throwable e = Wire.unwrap(t);
    if (midStream
        && e instanceof ApiException api
        && (api.getStatusCode().getCode() == StatusCode.Code.INTERNAL
            || api.getStatusCode().getCode() == StatusCode.Code.UNKNOWN)) {
      return ServingException.builder(ErrorCategory.MODEL_ERROR)
          .providerId(GcpProvider.ID)
          .fromService()
          .statusCode(api.getStatusCode().getCode().getHttpStatusCode())
          .message(
              "the model behind endpoint '"
                  + endpoint
                  + "' failed mid-stream ("
                  + api.getStatusCode().getCode()
                  + "): "
                  + Redactor.redact(api.getMessage()))
          .cause(api)
          .build();
    }
    return e;
  }

  /**
   * The caller's subscription and gax's response observer. Demand asked before the call starts is
   * passed on when it starts.
   */
  private static final class Relay implements Flow.Subscription, ResponseObserver<HttpBody> {
    private final Flow.Subscriber<? super InferenceResponse> downstream;
    private final String endpoint;
    private final InferenceRequest request;
    private final AtomicBoolean terminated = new AtomicBoolean();
    private StreamController controller; // guarded by this
    private long pending; // guarded by this
    private boolean cancelled; // guarded by this
    private volatile boolean received;

    Relay(
        Flow.Subscriber<? super InferenceResponse> downstream,
        String endpoint,
        InferenceRequest request) {
      this.downstream = downstream;
      this.endpoint = endpoint;
      this.request = request;
    }

    @Override
    public void request(long n) {
      StreamController c;
      synchronized (this) {
        if (cancelled) {
          return;
        }
        c = controller;
        if (c == null) {
          pending = pending + n < 0 ? Long.MAX_VALUE : pending + n;
          return;
        }
      }
      ask(c, n);
    }

    private static void ask(StreamController c, long n) {
      c.request((int) Math.min(n, Integer.MAX_VALUE));
    }

    @Override
    public void cancel() {
      StreamController c;
      synchronized (this) {
        cancelled = true;
        c = controller;
      }
      terminated.set(true);
      if (c != null) {
        c.cancel();
      }
    }

    @Override
    public void onStart(StreamController c) {
      c.disableAutoInboundFlowControl();
      long ask;
      boolean cancel;
      synchronized (this) {
        controller = c;
        cancel = cancelled;
        ask = pending;
        pending = 0;
      }
      if (cancel) {
        c.cancel();
      } else if (ask > 0) {
        ask(c, ask);
      }
    }

    @Override
    public void onResponse(HttpBody body) {
      if (terminated.get()) {
        return;
      }
      received = true;
      InferenceResponse chunk;
      try {
        chunk = chunk(body);
      } catch (RuntimeException e) {
        StreamController c;
        synchronized (this) {
          c = controller;
        }
        if (c != null) {
          c.cancel();
        }
        onError(e);
        return;
      }
      downstream.onNext(chunk);
    }

    private InferenceResponse chunk(HttpBody body) {
      if (request.payload().isPresent()) {
        String type =
            body.getContentType().isEmpty() ? "application/octet-stream" : body.getContentType();
        return InferenceResponse.builder()
            .payload(Payload.of(body.getData().toByteArray(), type))
            .build();
      }
      InferenceResponse r = OipJson.readResponse(body.getData().toByteArray());
      return r.id().isEmpty() && request.id().isPresent()
          ? r.toBuilder().id(request.id().get()).build()
          : r;
    }

    @Override
    public void onError(Throwable t) {
      if (terminated.compareAndSet(false, true)) {
        downstream.onError(typed(t, endpoint, received));
      }
    }

    @Override
    public void onComplete() {
      if (terminated.compareAndSet(false, true)) {
        downstream.onComplete();
      }
    }
  }
}
