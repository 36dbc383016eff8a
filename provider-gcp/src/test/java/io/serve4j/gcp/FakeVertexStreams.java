package io.serve4j.gcp;

import com.google.api.HttpBody;
import com.google.cloud.aiplatform.v1.StreamRawPredictRequest;
import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Vertex AI's {@code StreamRawPredict} in {@link FakeVertex}: a gRPC server stream of {@code
 * HttpBody} messages from a script per endpoint. Each message is produced only when gRPC's flow
 * control says the client asked for one ({@code isReady()}; the in-process transport is ready
 * exactly while the client has outstanding demand), one every gap; a cancelled call stops the
 * producer. A script with {@code failAfter} ends the stream with INTERNAL after that many messages,
 * as Vertex does when the model server breaks off.
 */
final class FakeVertexStreams {
  private record Script(List<String> chunks, Duration gap, int failAfter) {}

  private final Map<String, Script> scripts = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> produced = new ConcurrentHashMap<>();
  private final AtomicBoolean failNextOpen = new AtomicBoolean();

  /** Makes the endpoint's next streams yield these chunks. */
  void script(String endpointId, List<String> chunks, Duration gap, int failAfter) {
    scripts.put(endpointId, new Script(List.copyOf(chunks), gap, failAfter));
    produced.put(endpointId, new AtomicInteger());
  }

  /** Chunks produced by the endpoint's current stream. */
  int produced(String endpointId) {
    AtomicInteger n = produced.get(endpointId);
    return n == null ? 0 : n.get();
  }

  /** Fails the next stream with UNAVAILABLE before its first message. */
  void failNextOpen() {
    failNextOpen.set(true);
  }

  void streamRawPredict(StreamRawPredictRequest request, StreamObserver<HttpBody> out) {
    ServerCallStreamObserver<HttpBody> call = (ServerCallStreamObserver<HttpBody>) out;
    String resource = request.getEndpoint();
    String id = resource.substring(resource.lastIndexOf('/') + 1);
    Script script = scripts.get(id);
    if (script == null) {
      out.onError(
          Status.NOT_FOUND.withDescription("Endpoint " + resource + " not found.").asException());
      return;
    }
    if (failNextOpen.getAndSet(false)) {
      out.onError(
          Status.UNAVAILABLE.withDescription("The service is currently unavailable").asException());
      return;
    }
    AtomicInteger count = new AtomicInteger();
    produced.put(id, count);
    AtomicBoolean cancelled = new AtomicBoolean();
    Object ready = new Object();
    call.setOnCancelHandler(
        () -> {
          cancelled.set(true);
          synchronized (ready) {
            ready.notifyAll();
          }
        });
    call.setOnReadyHandler(
        () -> {
          synchronized (ready) {
            ready.notifyAll();
          }
        });
    Thread producer =
        new Thread(
            () -> {
              try {
                for (int i = 0; i < script.chunks().size(); i++) {
                  synchronized (ready) {
                    while (!call.isReady() && !cancelled.get()) {
                      ready.wait(5);
                    }
                  }
                  Thread.sleep(script.gap().toMillis());
                  if (cancelled.get()) {
                    return;
                  }
                  if (i == script.failAfter()) {
                    out.onError(
                        Status.INTERNAL
                            .withDescription("the model server closed the stream: CUDA error")
                            .asException());
                    return;
                  }
                  out.onNext(
                      HttpBody.newBuilder()
                          .setContentType("text/plain")
                          .setData(
                              ByteString.copyFrom(script.chunks().get(i), StandardCharsets.UTF_8))
                          .build());
                  count.incrementAndGet();
                }
                if (!cancelled.get()) {
                  out.onCompleted();
                }
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              } catch (RuntimeException e) {
                // the call was cancelled under the producer
              }
            },
            "fake-vertex-stream-" + id);
    producer.setDaemon(true);
    producer.start();
  }
}
