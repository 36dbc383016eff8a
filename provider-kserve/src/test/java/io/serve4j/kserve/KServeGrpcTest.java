package io.serve4j.kserve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.serve4j.EndpointSpec;
import io.serve4j.ErrorCategory;
import io.serve4j.InferenceResponse;
import io.serve4j.InvalidInputException;
import io.serve4j.RetryPolicy;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.ServingException;
import io.serve4j.testkit.ContractModels;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Predictions over OIP v2 gRPC against {@link FakeKServe#grpc}: serve4j-server's gRPC port behind a
 * fault-injecting front. What the shared suites do not pin: the request id as metadata, each gRPC
 * status the service may send mapped to its category with core's retry policy applied, the channel
 * closed with the client.
 */
class KServeGrpcTest {
  private static FakeKServe kserve;

  @BeforeAll
  static void deploy() {
    kserve = FakeKServe.grpc(Duration.ofMillis(50));
    try (ServingClient c = Serve4j.client(kserve.options().build())) {
      c.deploy(EndpointSpec.of("relu", ContractModels.relu(URI.create("s3://models/triton-repo"))))
          .await(Duration.ofSeconds(30));
    }
  }

  @AfterAll
  static void close() {
    kserve.close();
  }

  private static ServingClient client(int attempts) {
    return Serve4j.builder()
        .options(kserve.options().build())
        .retryPolicy(
            RetryPolicy.builder()
                .maxAttempts(attempts)
                .initialBackoff(Duration.ofMillis(20))
                .maxBackoff(Duration.ofMillis(100))
                .build())
        .build();
  }

  private static InferenceResponse predict(ServingClient c, float a, float b) {
    return c.endpoint("relu").predict(ContractModels.reluRequest(a, b));
  }

  @Test
  void predict_answersOverGrpc_withTheRequestIdAsMetadata() {
    try (ServingClient c = client(1)) {
      kserve.lastRequestId = null;
      long before = kserve.predictionsReceived();
      InferenceResponse r = predict(c, -3, 4);
      assertThat(r.output("y").asFloats()).containsExactly(0f, 4f);
      assertThat(kserve.predictionsReceived() - before).isEqualTo(1);
      assertThat(kserve.lastRequestId).isNotBlank();
    }
  }

  @Test
  void invalidArgument_isInvalidInput_andNotRetried() {
    try (ServingClient c = client(3)) {
      predict(c, 1, 1);
      long before = kserve.predictionsReceived();
      kserve.grpcFront().failNext(Status.INVALID_ARGUMENT.withDescription("bad tensor 'x'"));
      assertThatThrownBy(() -> predict(c, 1, 2))
          .isInstanceOf(InvalidInputException.class)
          .hasMessageContaining("INVALID_ARGUMENT")
          .hasMessageContaining("bad tensor 'x'")
          .satisfies(
              e -> {
                ServingException se = (ServingException) e;
                assertThat(se.origin()).isEqualTo(ServingException.Origin.SERVICE);
                assertThat(se.statusCode()).hasValue(Status.Code.INVALID_ARGUMENT.value());
              });
      assertThat(kserve.predictionsReceived() - before).isEqualTo(1);
    }
  }

  @Test
  void deadlineExceededFromTheService_isTimeout() {
    try (ServingClient c = client(1)) {
      predict(c, 1, 1);
      kserve.grpcFront().failNext(Status.DEADLINE_EXCEEDED.withDescription("model too slow"));
      assertThatThrownBy(() -> predict(c, 1, 2))
          .isInstanceOf(ServingException.class)
          .satisfies(
              e -> assertThat(((ServingException) e).category()).isEqualTo(ErrorCategory.TIMEOUT));
    }
  }

  @Test
  void resourceExhausted_isThrottled_andRetriedByCore() {
    try (ServingClient c = client(3)) {
      predict(c, 1, 1);
      long before = kserve.predictionsReceived();
      kserve.grpcFront().failNext(Status.RESOURCE_EXHAUSTED.withDescription("queue full"));
      assertThat(predict(c, 2, -1).output("y").asFloats()).containsExactly(2f, 0f);
      assertThat(kserve.predictionsReceived() - before).isEqualTo(2);
    }
    try (ServingClient c = client(1)) {
      kserve.grpcFront().failNext(Status.RESOURCE_EXHAUSTED.withDescription("queue full"));
      assertThatThrownBy(() -> predict(c, 1, 2)).isInstanceOf(io.serve4j.ThrottledException.class);
    }
  }

  @Test
  void unavailable_isRetriedByCore_thenUnavailableWhenItPersists() {
    try (ServingClient c = client(2)) {
      predict(c, 1, 1);
      kserve.grpcFront().failNext(Status.UNAVAILABLE.withDescription("draining"));
      assertThat(predict(c, 5, 6).output("y").asFloats()).containsExactly(5f, 6f);
    }
    try (ServingClient c = client(1)) {
      kserve.grpcFront().failNext(Status.UNAVAILABLE.withDescription("draining"));
      assertThatThrownBy(() -> predict(c, 1, 2))
          .isInstanceOf(ServingException.class)
          .satisfies(
              e -> {
                ServingException se = (ServingException) e;
                assertThat(se.category()).isEqualTo(ErrorCategory.UNAVAILABLE);
                assertThat(se.retryable()).isTrue();
              });
    }
  }

  @Test
  void close_shutsTheChannelDown() throws Exception {
    FakeOipGrpc front = kserve.grpcFront();
    int idle = settledTransports(front);
    ServingClient c = client(1);
    predict(c, 1, 1);
    assertThat(front.openTransports()).isEqualTo(idle + 1);
    c.close();
    for (int i = 0; i < 100 && front.openTransports() > idle; i++) {
      Thread.sleep(20);
    }
    assertThat(front.openTransports())
        .as("connections left open by a closed client")
        .isEqualTo(idle);
  }

  /**
   * The open transports once earlier tests' closed clients have finished closing theirs (a channel
   * shuts down asynchronously: counted too early, one closing meanwhile made "idle + 1" read 1).
   */
  private static int settledTransports(FakeOipGrpc front) throws InterruptedException {
    int last = front.openTransports();
    int still = 0;
    for (int i = 0; i < 100 && still < 5; i++) {
      Thread.sleep(20);
      int now = front.openTransports();
      still = now == last ? still + 1 : 0;
      last = now;
    }
    return last;
  }

  @Test
  void unreachableTarget_isUnavailable_clientSide() {
    try (ServingClient c =
        Serve4j.builder()
            .options(kserve.options().grpcTarget("127.0.0.1:9").build())
            .retryPolicy(RetryPolicy.none())
            .build()) {
      assertThatThrownBy(() -> predict(c, 1, 2))
          .isInstanceOf(ServingException.class)
          .satisfies(
              e -> {
                ServingException se = (ServingException) e;
                assertThat(se.category()).isEqualTo(ErrorCategory.UNAVAILABLE);
                assertThat(se.origin()).isEqualTo(ServingException.Origin.CLIENT);
              });
    }
  }
}
