package io.serve4j.aws;

import static org.assertj.core.api.Assertions.assertThat;

import io.serve4j.EndpointSpec;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.Model;
import io.serve4j.ModelFormat;
import io.serve4j.Payload;
import io.serve4j.ResponseStream;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.http.async.SdkAsyncHttpClient;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sagemakerruntime.SageMakerRuntimeAsyncClient;
import software.amazon.awssdk.services.sagemakerruntime.model.InvokeEndpointWithResponseStreamResponseHandler;
import software.amazon.awssdk.services.sagemakerruntime.model.PayloadPart;
import software.amazon.awssdk.services.sagemakerruntime.model.ResponseStream.EventType;

/**
 * Time to first chunk through serve4j beside the raw SDK call, against the same FakeAws and over
 * one shared Netty HTTP client, interleaved (raw, serve4j, raw, ...) so that both see the same
 * machine. Each call streams 3 chunks with no gap; the time is from the call to the first chunk in
 * the caller's hand, and each stream is then read to its end. Prints p50 / p90 / mean of both and
 * their difference; asserts only that both read what was streamed. Off by default:
 *
 * <pre>{@code
 * ./mvnw -B -o -pl provider-aws test -Dtest=StreamingFirstChunkHarness -Dserve4j.harness=true \
 *     -Dharness.iterations=3000
 * }</pre>
 */
@EnabledIfSystemProperty(named = "serve4j.harness", matches = "true")
class StreamingFirstChunkHarness {
  static {
    // The fake flushes one small event-stream frame at a time: without TCP_NODELAY, Nagle's
    // algorithm and the client's delayed ACK add ~40 ms to every stream, raw SDK and serve4j alike.
    System.setProperty("sun.net.httpserver.nodelay", "true");
  }

  @Test
  void firstChunkThroughServe4jBesideTheRawSdk() throws Exception {
    int iterations = Integer.getInteger("harness.iterations", 3000);
    int warmup = iterations / 3;
    List<String> chunks = List.of("alpha ", "beta ", "gamma");
    try (FakeAws fake = new FakeAws().bucket("models");
        SdkAsyncHttpClient http = NettyNioAsyncHttpClient.create()) {
      SageMakerRuntimeAsyncClient raw =
          SageMakerRuntimeAsyncClient.builder()
              .region(Region.US_EAST_1)
              .credentialsProvider(
                  StaticCredentialsProvider.create(
                      AwsBasicCredentials.create("AKIDTESTTESTTEST", "test-secret-key")))
              .endpointOverride(URI.create(fake.uri().toString()))
              .httpClient(http)
              .build();
      try (ServingClient client =
          Serve4j.builder()
              .options(AwsContractTest.options(fake).httpClient(http).build())
              .build()) {
        client
            .deploy(
                EndpointSpec.of(
                    "llm",
                    Model.builder()
                        .name("llm")
                        .format(ModelFormat.CUSTOM_CONTAINER)
                        .image("123456789012.dkr.ecr.us-east-1.amazonaws.com/llm:1")
                        .build()))
            .await();
        fake.streamScript("llm", chunks, Duration.ZERO, -1);
        InferenceRequest request =
            InferenceRequest.of(Payload.ofText("{\"prompt\":\"hi\"}", "application/json"));
        long[] rawNanos = new long[iterations];
        long[] serve4jNanos = new long[iterations];
        for (int i = 0; i < warmup + iterations; i++) {
          long r = rawFirstChunk(raw, chunks);
          long s = serve4jFirstChunk(client, request, chunks);
          if (i >= warmup) {
            rawNanos[i - warmup] = r;
            serve4jNanos[i - warmup] = s;
          }
        }
        Arrays.sort(rawNanos);
        Arrays.sort(serve4jNanos);
        System.out.printf(
            Locale.ROOT,
            "time to first chunk, %d interleaved calls each (after %d warm-up):%n"
                + "  raw SDK  p50 %7.1f us  p90 %7.1f us  mean %7.1f us%n"
                + "  serve4j  p50 %7.1f us  p90 %7.1f us  mean %7.1f us%n"
                + "  serve4j - raw: p50 %+.1f us, mean %+.1f us; ratio p50 %.3f%n",
            iterations,
            warmup,
            pct(rawNanos, 50),
            pct(rawNanos, 90),
            mean(rawNanos),
            pct(serve4jNanos, 50),
            pct(serve4jNanos, 90),
            mean(serve4jNanos),
            pct(serve4jNanos, 50) - pct(rawNanos, 50),
            mean(serve4jNanos) - mean(rawNanos),
            pct(serve4jNanos, 50) / pct(rawNanos, 50));
      }
      raw.close();
    }
  }

  private static long serve4jFirstChunk(
      ServingClient client, InferenceRequest request, List<String> chunks) {
    long start = System.nanoTime();
    try (ResponseStream stream = client.endpoint("llm").stream(request)) {
      InferenceResponse first = stream.next();
      long t = System.nanoTime() - start;
      StringBuilder all = new StringBuilder(first.payload().orElseThrow().asText());
      stream.forEachRemaining(c -> all.append(c.payload().orElseThrow().asText()));
      assertThat(all.toString()).isEqualTo(String.join("", chunks));
      return t;
    }
  }

  private static long rawFirstChunk(SageMakerRuntimeAsyncClient raw, List<String> chunks)
      throws Exception {
    CompletableFuture<Long> first = new CompletableFuture<>();
    StringBuilder all = new StringBuilder();
    long start = System.nanoTime();
    CompletableFuture<Void> call =
        raw.invokeEndpointWithResponseStream(
            r ->
                r.endpointName("llm")
                    .contentType("application/json")
                    .body(SdkBytes.fromUtf8String("{\"prompt\":\"hi\"}")),
            InvokeEndpointWithResponseStreamResponseHandler.builder()
                .onEventStream(
                    events ->
                        events.subscribe(
                            new Subscriber<>() {
                              @Override
                              public void onSubscribe(Subscription s) {
                                s.request(Long.MAX_VALUE);
                              }

                              @Override
                              public void onNext(
                                  software.amazon.awssdk.services.sagemakerruntime.model
                                          .ResponseStream
                                      e) {
                                if (e.sdkEventType() == EventType.PAYLOAD_PART) {
                                  first.complete(System.nanoTime() - start);
                                  all.append(((PayloadPart) e).bytes().asUtf8String());
                                }
                              }

                              @Override
                              public void onError(Throwable t) {
                                first.completeExceptionally(t);
                              }

                              @Override
                              public void onComplete() {}
                            }))
                .build());
    long t = first.get(10, TimeUnit.SECONDS);
    call.get(10, TimeUnit.SECONDS);
    assertThat(all.toString()).isEqualTo(String.join("", chunks));
    return t;
  }

  private static double pct(long[] sorted, int p) {
    return sorted[Math.min(sorted.length - 1, sorted.length * p / 100)] / 1000.0;
  }

  private static double mean(long[] v) {
    return Arrays.stream(v).average().orElse(0) / 1000.0;
  }
}
