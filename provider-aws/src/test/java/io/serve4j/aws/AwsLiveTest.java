package io.serve4j.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.serve4j.Endpoint;
import io.serve4j.EndpointSpec;
import io.serve4j.EndpointStatus;
import io.serve4j.NotFoundException;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.testkit.ContractModels;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.regions.Region;

/**
 * Against a real AWS account; never in CI. Run with {@code ./mvnw -pl provider-aws verify
 * -Plive-aws} and {@code SERVE4J_AWS_ROLE_ARN}, {@code SERVE4J_AWS_BUCKET}, optionally {@code
 * SERVE4J_AWS_REGION} (default us-east-1), plus credentials from the default chain. Deploys the
 * ReLU model on ml.m5.large with SageMaker's Triton image (about 10 minutes, a few cents), predicts
 * and deletes everything it created.
 */
@Tag("live")
class AwsLiveTest {
  @Test
  @Timeout(1800)
  void deployPredictDelete_onSageMaker() {
    String role = System.getenv("SERVE4J_AWS_ROLE_ARN");
    String bucket = System.getenv("SERVE4J_AWS_BUCKET");
    assumeTrue(role != null && bucket != null, "SERVE4J_AWS_ROLE_ARN / SERVE4J_AWS_BUCKET unset");
    String region = System.getenv().getOrDefault("SERVE4J_AWS_REGION", "us-east-1");
    AwsOptions options =
        AwsOptions.builder()
            .region(Region.of(region))
            .executionRoleArn(role)
            .stagingBucket(bucket)
            .pollInterval(Duration.ofSeconds(30))
            .tag("serve4j-live-test", "true")
            .build();
    String name = "serve4j-live-" + UUID.randomUUID().toString().substring(0, 8);
    try (ServingClient aws =
        Serve4j.builder().options(options).operationTimeout(Duration.ofMinutes(25)).build()) {
      Endpoint e = aws.deploy(EndpointSpec.of(name, ContractModels.reluOnClasspath())).await();
      try {
        assertThat(e.describe().status()).isEqualTo(EndpointStatus.IN_SERVICE);
        float[] y = e.predict(ContractModels.reluRequest(-1, 2)).output("y").asFloats();
        assertThat(y).containsExactly(0f, 2f);
      } finally {
        e.delete().await();
      }
      assertThatThrownBy(e::describe).isInstanceOf(NotFoundException.class);
    }
  }
}
