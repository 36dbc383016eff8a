package io.serve4j.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.serve4j.EndpointSpec;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.TimeoutException;
import io.serve4j.testkit.ContractModels;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Model staging against an S3-compatible endpoint that answers {@code Expect: 100-continue} late
 * ({@link ContinueS3}), through the provider's own Netty client: with the SDK's default the upload
 * never completes; {@code AwsOptions.s3ExpectContinue(false)} makes it work.
 */
class AwsExpectContinueTest {
  private FakeAws fake;
  private ContinueS3 s3;

  @BeforeEach
  void start() {
    fake = new FakeAws().deployTime(Duration.ZERO).minPolls(1);
    s3 = new ContinueS3();
  }

  @AfterEach
  void stop() {
    s3.close();
    fake.close();
  }

  private ServingClient client(boolean expectContinue, Duration timeout) {
    return Serve4j.builder()
        .options(
            AwsContractTest.options(fake)
                .endpointOverride(AwsService.S3, s3.uri())
                .s3ExpectContinue(expectContinue)
                .build())
        .operationTimeout(timeout)
        .build();
  }

  @Test
  void staging_withTheSdkDefaultExpectContinue_neverCompletesTheUpload() {
    try (ServingClient aws = client(true, Duration.ofSeconds(4))) {
      assertThatThrownBy(
              () ->
                  aws.deploy(EndpointSpec.of("c-default", ContractModels.reluOnClasspath()))
                      .await())
          .isInstanceOf(TimeoutException.class);
    }
    assertThat(s3.requests()).anyMatch(r -> r.startsWith("PUT /models/") && r.contains("Expect"));
    assertThat(fake.modelNames()).isEmpty();
  }

  @Test
  void staging_withS3ExpectContinueOff_uploadsAndDeploys() {
    try (ServingClient aws = client(false, Duration.ofSeconds(30))) {
      aws.deploy(EndpointSpec.of("c-off", ContractModels.reluOnClasspath())).await();
    }
    assertThat(s3.requests())
        .filteredOn(r -> r.startsWith("PUT "))
        .hasSize(1)
        .allSatisfy(
            r -> assertThat(r).startsWith("PUT /models/serve4j/relu/").doesNotContain("Expect"));
    assertThat(fake.modelNames()).hasSize(1);
  }
}
