package io.serve4j.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.serve4j.Endpoint;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.Payload;
import io.serve4j.ResponseStream;
import io.serve4j.RetryPolicy;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.ServingException;
import io.serve4j.TimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * What every provider with {@link io.serve4j.Capability#STREAMING} guarantees, against its fake:
 *
 * <ul>
 *   <li>chunks arrive in order and incrementally: the first reaches the caller before the fake has
 *       produced the last;
 *   <li>demand is honoured end to end: a subscriber that asks for one chunk does not make the fake
 *       produce the whole stream;
 *   <li>closing (cancelling) mid-stream stops the producer;
 *   <li>a deadline passing mid-stream is a {@link TimeoutException} and stops the producer;
 *   <li>the cloud's in-stream error event reaches the caller typed, after the chunks before it;
 *   <li>a retryable failure before the first chunk is retried; none after it.
 * </ul>
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class StreamingContract {
  private static final Duration GAP = Duration.ofMillis(60);

  private StreamingFixture fixture;
  private ServingClient client;

  /**
   * Creates the provider's fixture; called once per test class.
   *
   * @return the fixture
   */
  protected abstract StreamingFixture createFixture();

  @BeforeAll
  void start() {
    fixture = createFixture();
    client =
        fixture.newClient(
            Serve4j.builder()
                .predictTimeout(Duration.ofSeconds(20))
                .retryPolicy(
                    RetryPolicy.builder()
                        .maxAttempts(3)
                        .initialBackoff(Duration.ofMillis(10))
                        .maxBackoff(Duration.ofMillis(50))
                        .build()));
  }

  @AfterAll
  void stop() {
    if (client != null) {
      client.close();
    }
    if (fixture != null) {
      fixture.close();
    }
  }

  private static List<String> words(int n) {
    return IntStream.range(0, n).mapToObj(i -> "chunk-" + i + " ").toList();
  }

  private static InferenceRequest prompt() {
    return InferenceRequest.of(Payload.ofText("{\"prompt\":\"hello\"}", "application/json"));
  }

  private static String text(InferenceResponse chunk) {
    return chunk.payload().map(Payload::asText).orElseGet(chunk::toString);
  }

  @Test
  void chunksArriveInOrderAndIncrementally() {
    List<String> expected = words(6);
    String name = fixture.streamingEndpoint(client, expected, GAP, -1);
    Endpoint endpoint = client.endpoint(name);
    List<String> got = new ArrayList<>();
    int producedAtFirst = -1;
    try (ResponseStream chunks = endpoint.stream(prompt())) {
      for (InferenceResponse chunk : chunks) {
        if (producedAtFirst < 0) {
          producedAtFirst = fixture.produced(name);
        }
        got.add(text(chunk));
      }
    }
    assertThat(String.join("", got)).isEqualTo(String.join("", expected));
    assertThat(producedAtFirst)
        .as("chunks produced when the first reached the caller")
        .isLessThan(expected.size());
  }

  @Test
  void demandIsHonouredEndToEnd() throws Exception {
    List<String> expected = words(40);
    String name = fixture.streamingEndpoint(client, expected, Duration.ofMillis(5), -1);
    List<String> received = new CopyOnWriteArrayList<>();
    CompletableFuture<Void> done = new CompletableFuture<>();
    List<Flow.Subscription> held = new CopyOnWriteArrayList<>();
    client
        .endpoint(name)
        .streamAsync(prompt())
        .subscribe(
            new Flow.Subscriber<>() {
              @Override
              public void onSubscribe(Flow.Subscription s) {
                held.add(s);
                s.request(1);
              }

              @Override
              public void onNext(InferenceResponse item) {
                received.add(text(item));
              }

              @Override
              public void onError(Throwable t) {
                done.completeExceptionally(t);
              }

              @Override
              public void onComplete() {
                done.complete(null);
              }
            });
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (received.isEmpty() && System.nanoTime() < until) {
      Thread.sleep(10);
    }
    Thread.sleep(500); // the fake could produce all 40 chunks in 200 ms if it were not held back
    assertThat(received).as("chunks delivered for a demand of 1").containsExactly(expected.get(0));
    if (fixture.producerFollowsDemand()) {
      assertThat(fixture.produced(name)).isLessThan(expected.size() / 2);
    }
    held.get(0).request(2);
    until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (received.size() < 3 && System.nanoTime() < until) {
      Thread.sleep(10);
    }
    Thread.sleep(200);
    assertThat(received).containsExactlyElementsOf(expected.subList(0, 3));
    assertThat(done).isNotDone();
    held.get(0).cancel();
  }

  @Test
  void closingMidStreamStopsTheProducer() throws Exception {
    List<String> expected = words(30);
    String name = fixture.streamingEndpoint(client, expected, GAP, -1);
    List<String> got = new ArrayList<>();
    try (ResponseStream chunks = client.endpoint(name).stream(prompt())) {
      got.add(text(chunks.next()));
      got.add(text(chunks.next()));
    }
    int atClose = fixture.produced(name);
    Thread.sleep(GAP.toMillis() * 8);
    int later = fixture.produced(name);
    assertThat(got).containsExactly(expected.get(0), expected.get(1));
    assertThat(later).as("chunks produced after the close").isLessThanOrEqualTo(atClose + 2);
    assertThat(later).isLessThan(expected.size());
  }

  @Test
  void deadlineMidStreamIsATimeoutAndStopsTheProducer() throws Exception {
    List<String> expected = words(40);
    String name = fixture.streamingEndpoint(client, expected, Duration.ofMillis(100), -1);
    InferenceRequest request = prompt().toBuilder().timeout(Duration.ofMillis(700)).build();
    List<String> got = new ArrayList<>();
    try (ResponseStream chunks = client.endpoint(name).stream(request)) {
      assertThatThrownBy(
              () -> {
                for (InferenceResponse chunk : chunks) {
                  got.add(text(chunk));
                }
              })
          .isInstanceOf(TimeoutException.class)
          .hasMessageContaining(name);
    }
    assertThat(got).isNotEmpty().hasSizeLessThan(expected.size());
    int atTimeout = fixture.produced(name);
    Thread.sleep(500);
    assertThat(fixture.produced(name)).isLessThanOrEqualTo(atTimeout + 2);
  }

  @Test
  void inStreamErrorIsTypedAfterTheChunksBeforeIt() {
    List<String> expected = words(5);
    String name = fixture.streamingEndpoint(client, expected, Duration.ofMillis(10), 2);
    List<String> got = new ArrayList<>();
    try (ResponseStream chunks = client.endpoint(name).stream(prompt())) {
      assertThatThrownBy(
              () -> {
                for (InferenceResponse chunk : chunks) {
                  got.add(text(chunk));
                }
              })
          .isInstanceOfSatisfying(
              ServingException.class,
              e -> {
                assertThat(e.category()).isEqualTo(fixture.inStreamErrorCategory());
                assertThat(e.requestId()).isPresent();
              });
    }
    assertThat(got).containsExactly(expected.get(0), expected.get(1));
  }

  @Test
  void aRetryableFailureBeforeTheFirstChunkIsRetried() {
    List<String> expected = words(3);
    String name = fixture.streamingEndpoint(client, expected, Duration.ofMillis(10), -1);
    fixture.failNextOpen(name);
    List<String> got = new ArrayList<>();
    try (ResponseStream chunks = client.endpoint(name).stream(prompt())) {
      chunks.forEach(c -> got.add(text(c)));
    }
    assertThat(got).containsExactlyElementsOf(expected);
  }
}
