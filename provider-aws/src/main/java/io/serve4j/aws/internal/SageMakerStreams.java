package io.serve4j.aws.internal;

import io.serve4j.EndpointDescription;
import io.serve4j.ErrorCategory;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.Payload;
import io.serve4j.ServingException;
import io.serve4j.aws.AwsProvider;
import io.serve4j.spi.CallContext;
import io.serve4j.spi.StreamingInference;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.sagemakerruntime.SageMakerRuntimeAsyncClient;
import software.amazon.awssdk.services.sagemakerruntime.model.InternalStreamFailureException;
import software.amazon.awssdk.services.sagemakerruntime.model.InvokeEndpointWithResponseStreamRequest;
import software.amazon.awssdk.services.sagemakerruntime.model.InvokeEndpointWithResponseStreamResponse;
import software.amazon.awssdk.services.sagemakerruntime.model.InvokeEndpointWithResponseStreamResponseHandler;
import software.amazon.awssdk.services.sagemakerruntime.model.ModelStreamErrorException;
import software.amazon.awssdk.services.sagemakerruntime.model.PayloadPart;
import software.amazon.awssdk.services.sagemakerruntime.model.ResponseStream;

/**
 * Streaming inference: {@code InvokeEndpointWithResponseStream}, whose answer is an AWS
 * event-stream of {@code PayloadPart} events; each becomes one chunk with the container's content
 * type. The SDK's event publisher is relayed with the caller's demand; cancelling cancels it and
 * the HTTP call. {@code ModelStreamError} (the container failed mid-stream) is a MODEL_ERROR with
 * the container's error code; {@code InternalStreamFailure} is UNAVAILABLE.
 */
public final class SageMakerStreams implements StreamingInference {
  private final SageMakerRuntimeAsyncClient runtime;

  /**
   * Creates the part over the session's clients.
   *
   * @param clients the SDK clients
   */
  public SageMakerStreams(AwsClients clients) {
    this.runtime = clients.runtime;
  }

  @Override
  public Flow.Publisher<InferenceResponse> stream(
      String endpoint, EndpointDescription known, InferenceRequest request, CallContext ctx) {
    return subscriber -> {
      Relay relay = new Relay(subscriber, endpoint);
      subscriber.onSubscribe(relay);
      InvokeEndpointWithResponseStreamRequest invoke;
      try {
        invoke = request(endpoint, request);
      } catch (RuntimeException e) {
        relay.fail(e);
        return;
      }
      CompletableFuture<Void> call =
          runtime.invokeEndpointWithResponseStream(
              invoke,
              InvokeEndpointWithResponseStreamResponseHandler.builder()
                  .onResponse(relay::response)
                  .onEventStream(events -> events.subscribe(relay))
                  .onError(relay::fail)
                  .build());
      relay.call(call);
      call.whenComplete(
          (v, e) -> {
            if (e != null) {
              relay.fail(e);
            }
          });
    };
  }

  private static InvokeEndpointWithResponseStreamRequest request(
      String endpoint, InferenceRequest request) {
    if (request.targetModel().isPresent()) {
      throw AwsErrors.clientError(
          ErrorCategory.UNSUPPORTED_CAPABILITY,
          "InvokeEndpointWithResponseStream has no TargetModel parameter, so a stream cannot name"
              + " a model of a multi-model endpoint; use predict for model '"
              + request.targetModel().get()
              + "' on endpoint '"
              + endpoint
              + "'");
    }
    InvocationCodec.Body body = InvocationCodec.Body.of(request);
    InvokeEndpointWithResponseStreamRequest.Builder b =
        InvokeEndpointWithResponseStreamRequest.builder()
            .endpointName(endpoint)
            .contentType(body.contentType())
            .body(SdkBytes.fromByteArray(body.bytes()))
            .customAttributes(InvocationCodec.customAttributes(request))
            .inferenceId(InvocationCodec.inferenceId(request));
    request.targetDeployment().ifPresent(b::targetVariant);
    return b.build();
  }

  /** Types the stream's own error events; everything else goes through the provider's mapper. */
  static Throwable typed(Throwable t, String endpoint) {
    Throwable e = io.serve4j.spi.Wire.unwrap(t);
    if (e instanceof ModelStreamErrorException m) {
      return ServingException.builder(ErrorCategory.MODEL_ERROR)
          .providerId(AwsProvider.ID)
          .fromService()
          .statusCode(m.statusCode() > 0 ? m.statusCode() : 424)
          .requestId(m.requestId())
          .message(
              "the model behind endpoint '"
                  + endpoint
                  + "' failed mid-stream (ModelStreamError"
                  + (m.errorCode() != null ? " " + m.errorCode() : "")
                  + "): "
                  + m.getMessage())
          .cause(m)
          .build();
    }
    if (e instanceof InternalStreamFailureException f) {
      return ServingException.builder(ErrorCategory.UNAVAILABLE)
          .providerId(AwsProvider.ID)
          .fromService()
          .requestId(f.requestId())
          .message(
              "SageMaker's stream from endpoint '"
                  + endpoint
                  + "' failed (InternalStreamFailure): "
                  + f.getMessage())
          .cause(f)
          .build();
    }
    return e;
  }

  /**
   * The caller's subscription and the SDK's event subscriber. Demand asked before the event stream
   * starts is passed on when it starts; a non-payload event is replaced by asking for one more, so
   * that the caller's demand counts chunks.
   */
  private static final class Relay implements Flow.Subscription, Subscriber<ResponseStream> {
    private final Flow.Subscriber<? super InferenceResponse> downstream;
    private final String endpoint;
    private final AtomicBoolean terminated = new AtomicBoolean();
    private Subscription events; // guarded by this
    private CompletableFuture<Void> call; // guarded by this
    private long pending; // guarded by this
    private boolean cancelled; // guarded by this
    private volatile String contentType = "application/octet-stream";

    Relay(Flow.Subscriber<? super InferenceResponse> downstream, String endpoint) {
      this.downstream = downstream;
      this.endpoint = endpoint;
    }

    void response(InvokeEndpointWithResponseStreamResponse r) {
      if (r.contentType() != null) {
        contentType = r.contentType();
      }
    }

    void call(CompletableFuture<Void> call) {
      boolean cancel;
      synchronized (this) {
        this.call = call;
        cancel = cancelled;
      }
      if (cancel) {
        call.cancel(true);
      }
    }

    void fail(Throwable t) {
      if (terminated.compareAndSet(false, true)) {
        downstream.onError(typed(t, endpoint));
      }
    }

    @Override
    public void request(long n) {
      Subscription s;
      synchronized (this) {
        if (cancelled) {
          return;
        }
        s = events;
        if (s == null) {
          pending = pending + n < 0 ? Long.MAX_VALUE : pending + n;
          return;
        }
      }
      s.request(n);
    }

    @Override
    public void cancel() {
      Subscription s;
      CompletableFuture<Void> c;
      synchronized (this) {
        cancelled = true;
        s = events;
        c = call;
      }
      terminated.set(true);
      if (s != null) {
        s.cancel();
      }
      if (c != null) {
        c.cancel(true);
      }
    }

    @Override
    public void onSubscribe(Subscription s) {
      long ask;
      boolean cancel;
      synchronized (this) {
        cancel = cancelled || events != null;
        if (!cancel) {
          events = s;
        }
        ask = pending;
        pending = 0;
      }
      if (cancel) {
        s.cancel();
      } else if (ask > 0) {
        s.request(ask);
      }
    }

    @Override
    public void onNext(ResponseStream event) {
      if (terminated.get()) {
        return;
      }
      if (event instanceof PayloadPart part) {
        byte[] bytes = part.bytes() == null ? new byte[0] : part.bytes().asByteArray();
        downstream.onNext(
            InferenceResponse.builder().payload(Payload.of(bytes, contentType)).build());
        return;
      }
      Subscription s;
      synchronized (this) {
        s = events;
      }
      if (s != null) {
        s.request(1);
      }
    }

    @Override
    public void onError(Throwable t) {
      fail(t);
    }

    @Override
    public void onComplete() {
      if (terminated.compareAndSet(false, true)) {
        downstream.onComplete();
      }
    }
  }
}
