package io.serve4j.azure.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.serve4j.EndpointSpec;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.NotFoundException;
import io.serve4j.Payload;
import io.serve4j.ResponseStream;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.testkit.ContractModels;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A scoring URI answering plain HTTP chunked text (no server-sent events): each body buffer is a
 * chunk with the answer's content type; a missing scoring route is typed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AzureChunkedStreamTest {
  private FakeAzureMl fake;
  private FakeScoringStream scoring;
  private ServingClient client;

  @BeforeAll
  void start() {
    fake = new FakeAzureMl(Duration.ofMillis(50));
    scoring = new FakeScoringStream();
    client =
        Serve4j.builder()
            .options(
                TestSupport.options(
                        fake.base(),
                        new TestSupport.StaticCredential(),
                        TestSupport.insecureHttpClient())
                    .build())
            .build();
  }

  @AfterAll
  void stop() {
    client.close();
    scoring.close();
    fake.close();
  }

  @Test
  void stream_whenAnswerIsChunkedText_yieldsTheBodyIncrementallyWithItsContentType() {
    List<String> words = List.of("alpha ", "beta ", "gamma ", "delta ");
    fake.scoringUris.put("chunked", scoring.scoringUri("chunked"));
    scoring.script("chunked", words, Duration.ofMillis(80), -1, false);
    client.deploy(EndpointSpec.of("chunked", ContractModels.reluOnClasspath())).await();
    List<InferenceResponse> got = new ArrayList<>();
    int producedAtFirst = -1;
    try (ResponseStream chunks =
        client.endpoint("chunked").stream(
            InferenceRequest.of(Payload.ofText("{\"prompt\":\"hi\"}", "application/json")))) {
      for (InferenceResponse c : chunks) {
        if (producedAtFirst < 0) {
          producedAtFirst = scoring.produced("chunked");
        }
        got.add(c);
      }
    }
    assertThat(got.stream().map(c -> c.payload().orElseThrow().asText()).reduce("", String::concat))
        .isEqualTo(String.join("", words));
    assertThat(got).hasSizeGreaterThan(1);
    assertThat(got.get(0).payload().orElseThrow().contentType()).startsWith("text/plain");
    assertThat(producedAtFirst).isLessThan(words.size());
  }

  @Test
  void stream_sseFraming_crlfCommentsMultiLineDataAndEventsSplitAcrossWrites() {
    fake.scoringUris.put("framing", scoring.scoringUri("framing"));
    scoring.scriptRawSse(
        "framing",
        List.of(
            ": keep-alive\r\n\r\n",
            "data: hel",
            "lo wor",
            "ld\r\n\r\ndata: multi\r\n",
            "data: line\r\n\r\nevent: message\ndata:no-space\n\n",
            "data: [DONE]\n\n"),
        Duration.ofMillis(20));
    client.deploy(EndpointSpec.of("framing", ContractModels.reluOnClasspath())).await();
    List<String> got = new ArrayList<>();
    try (ResponseStream chunks =
        client.endpoint("framing").stream(
            InferenceRequest.of(Payload.ofText("{}", "application/json")))) {
      chunks.forEach(c -> got.add(c.payload().orElseThrow().asText()));
    }
    assertThat(got).containsExactly("hello world", "multi\nline", "no-space");
  }

  @Test
  void stream_whenScoringRouteAnswers404_isNotFound() {
    fake.scoringUris.put("noscript", scoring.scoringUri("noscript"));
    client.deploy(EndpointSpec.of("noscript", ContractModels.reluOnClasspath())).await();
    assertThatThrownBy(
            () -> {
              try (ResponseStream chunks =
                  client.endpoint("noscript").stream(
                      InferenceRequest.of(Payload.ofText("{}", "application/json")))) {
                chunks.forEach(c -> {});
              }
            })
        .isInstanceOf(NotFoundException.class);
  }
}
