package io.serve4j.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.serve4j.ErrorCategory;
import io.serve4j.InferenceResponse;
import io.serve4j.ServingException;
import io.serve4j.Tensor;
import io.serve4j.spi.Deadline;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import org.junit.jupiter.api.Test;

/**
 * A stream's deadline is watched by core and by the provider's wire (e.g. a gRPC deadline of the
 * time left), which end at the same moment. Whichever notices first, the caller sees the call's own
 * timeout, as a unary call does: a provider's DEADLINE_EXCEEDED that arrived first reached callers
 * as "Vertex AI answered DEADLINE_EXCEEDED" (GcpStreamingTest failed so under load).
 */
class StreamCallDeadlineTest {
  private static final Flow.Subscription NOTHING =
      new Flow.Subscription() {
        @Override
        public void request(long n) {}

        @Override
        public void cancel() {}
      };

  private final List<InferenceResponse> chunks = new CopyOnWriteArrayList<>();
  private final List<Throwable> errors = new CopyOnWriteArrayList<>();
  private final ServingException own =
      ServingException.builder(ErrorCategory.TIMEOUT)
          .message("the stream from endpoint 'e' did not finish before its deadline")
          .build();
  private final ServingException service =
      ServingException.builder(ErrorCategory.TIMEOUT)
          .origin(ServingException.Origin.SERVICE)
          .message("the service answered DEADLINE_EXCEEDED")
          .build();

  private StreamCall call() {
    Flow.Subscriber<InferenceResponse> downstream =
        new Flow.Subscriber<>() {
          @Override
          public void onSubscribe(Flow.Subscription s) {
            s.request(Long.MAX_VALUE);
          }

          @Override
          public void onNext(InferenceResponse item) {
            chunks.add(item);
          }

          @Override
          public void onError(Throwable t) {
            errors.add(t);
          }

          @Override
          public void onComplete() {}
        };
    StreamCall call = new StreamCall(downstream, t -> (ServingException) t, () -> own);
    downstream.onSubscribe(call);
    return call;
  }

  /** One chunk, then the service's error, both before core adopts the attempt. */
  private StreamCall.Attempt chunkThen(StreamCall call, ServingException error) {
    StreamCall.Attempt a = call.attempt();
    a.onSubscribe(NOTHING);
    a.onNext(
        InferenceResponse.builder()
            .output(Tensor.ofFloats("y", new long[] {1}, new float[] {1}))
            .build());
    a.onError(error);
    return a;
  }

  private static Deadline expired() throws InterruptedException {
    Deadline d = Deadline.after(Duration.ofNanos(1));
    while (!d.isExpired()) {
      Thread.sleep(1);
    }
    return d;
  }

  @Test
  void aServiceTimeoutOnceTheDeadlineHasPassed_isTheCallsOwnTimeout() throws Exception {
    StreamCall call = call();
    call.adopt(chunkThen(call, service), expired());
    assertThat(errors).hasSize(1);
    assertThat(errors.get(0))
        .isInstanceOf(ServingException.class)
        .hasMessageContaining("did not finish before its deadline")
        .hasCause(service);
    assertThat(((ServingException) errors.get(0)).category()).isEqualTo(ErrorCategory.TIMEOUT);
  }

  @Test
  void aServiceTimeoutBeforeTheDeadline_isTheServicesOwn() {
    StreamCall call = call();
    call.adopt(chunkThen(call, service), Deadline.after(Duration.ofMinutes(1)));
    assertThat(errors).containsExactly(service);
  }

  @Test
  void anotherServiceErrorAfterTheDeadline_isKept() throws Exception {
    ServingException unavailable =
        ServingException.builder(ErrorCategory.UNAVAILABLE)
            .origin(ServingException.Origin.SERVICE)
            .message("the service is unavailable")
            .build();
    StreamCall call = call();
    call.adopt(chunkThen(call, unavailable), expired());
    assertThat(errors).containsExactly(unavailable);
  }
}
