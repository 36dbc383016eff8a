package io.serve4j.aws;

import static org.assertj.core.api.Assertions.assertThat;

import io.serve4j.Endpoint;
import io.serve4j.EndpointSpec;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.testkit.ContractModels;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A client opened from an {@code aws://} URI alone, pointed at an emulator ({@link FakeAws}) with
 * {@code endpoint} and {@code pathStyle}; credentials from the SDK's default chain (its {@code
 * aws.accessKeyId} / {@code aws.secretAccessKey} system properties, set for this class).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AwsUriTest {
  private FakeAws fake;

  @BeforeAll
  void start() {
    System.setProperty("aws.accessKeyId", "AKIDURITESTURITEST");
    System.setProperty("aws.secretAccessKey", "uri-test-secret-do-not-print");
    fake = new FakeAws().bucket("models").deployTime(Duration.ZERO).minPolls(1);
  }

  @AfterAll
  void stop() {
    fake.close();
    System.clearProperty("aws.accessKeyId");
    System.clearProperty("aws.secretAccessKey");
  }

  @Test
  void clientFromUri_withEndpointAndPathStyle_deploysAndPredictsAgainstTheEmulator() {
    URI uri =
        URI.create(
            // localhost, not 127.0.0.1: S3 addresses an IP endpoint path-style by itself
            "aws://us-east-1?endpoint=http://localhost:"
                + fake.uri().getPort()
                + "&pathStyle=true&bucket=models"
                + "&role=arn:aws:iam::123456789012:role/SageMakerRole");
    try (ServingClient aws = Serve4j.client(uri)) {
      Endpoint e =
          aws.deploy(EndpointSpec.of("uri-test", ContractModels.reluOnClasspath())).await();
      assertThat(e.predict(ContractModels.reluRequest(-1, 3)).output("y").asFloats())
          .containsExactly(0f, 3f);
    }
    // path-style: the bucket is the first path segment, on the emulator's own host
    assertThat(fake.calls(c -> "PUT".equals(c.method()) && c.target() == null))
        .isNotEmpty()
        .allSatisfy(
            c -> {
              assertThat(c.path()).startsWith("/models/serve4j/relu/");
              assertThat(c.header("Host")).isEqualTo("localhost:" + fake.uri().getPort());
            });
    assertThat(fake.calls("SageMaker.CreateModel")).hasSize(1);
    assertThat(fake.calls("SageMaker.CreateEndpoint")).hasSize(1);
    assertThat(fake.predictionsReceived()).isEqualTo(1);
  }
}
