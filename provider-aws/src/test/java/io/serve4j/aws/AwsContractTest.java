package io.serve4j.aws;

import io.serve4j.Model;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.testkit.ContractFixture;
import io.serve4j.testkit.ContractModels;
import io.serve4j.testkit.ServingProviderContract;
import java.time.Duration;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.async.SdkAsyncHttpClient;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;

/** The shared contract, run on the {@code aws} provider against {@link FakeAws}. */
class AwsContractTest extends ServingProviderContract {
  @Override
  protected ContractFixture createFixture() {
    FakeAws fake = new FakeAws().bucket("models");
    // One caller-owned HTTP client for every client the suite opens: serve4j must not close it.
    SdkAsyncHttpClient http = NettyNioAsyncHttpClient.create();
    return new ContractFixture() {
      @Override
      public ServingClient newClient(Serve4j.Builder builder) {
        return builder.options(options(fake).httpClient(http).build()).build();
      }

      @Override
      public Model reluModel() {
        return ContractModels.reluOnClasspath();
      }

      @Override
      public long predictionsReceived() {
        return fake.predictionsReceived();
      }

      @Override
      public Duration minimumDeployTime() {
        return fake.deployTime();
      }

      @Override
      public void close() {
        http.close();
        fake.close();
      }
    };
  }

  /** Options pointing every service at the fake, with static test credentials. */
  static AwsOptions.Builder options(FakeAws fake) {
    return AwsOptions.builder()
        .region(Region.US_EAST_1)
        .credentialsProvider(
            StaticCredentialsProvider.create(
                AwsBasicCredentials.create("AKIDTESTTESTTEST", "test-secret-key-do-not-print")))
        .executionRoleArn("arn:aws:iam::123456789012:role/SageMakerRole")
        .stagingBucket("models")
        .s3PathStyle(true)
        .endpointOverride(fake.uri())
        .pollInterval(Duration.ofMillis(50));
  }
}
