package io.serve4j.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.serve4j.Capability;
import io.serve4j.InvalidInputException;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;

class AwsOptionsTest {
  private static final String ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE";
  private static final String SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
  private static final String TOKEN = "FQoGZXIvYXdzEXAMPLESESSIONTOKEN";

  @Test
  void toString_neverContainsCredentialsOrKmsKey() {
    AwsOptions o =
        AwsOptions.builder()
            .region(Region.EU_WEST_1)
            .credentialsProvider(
                StaticCredentialsProvider.create(
                    AwsSessionCredentials.create(ACCESS_KEY, SECRET, TOKEN)))
            .kmsKeyId("arn:aws:kms:eu-west-1:1:key/secret-key-id")
            .executionRoleArn("arn:aws:iam::1:role/R")
            .build();
    assertThat(o.toString())
        .doesNotContain(ACCESS_KEY)
        .doesNotContain(SECRET)
        .doesNotContain(TOKEN)
        .doesNotContain("secret-key-id")
        .contains("eu-west-1")
        .contains("StaticCredentialsProvider");
  }

  @Test
  void toBuilder_roundTripsEverySetting() {
    AwsOptions o =
        AwsOptions.builder()
            .region(Region.US_WEST_2)
            .credentialsProvider(
                StaticCredentialsProvider.create(AwsBasicCredentials.create("a", "b")))
            .executionRoleArn("arn:aws:iam::1:role/R")
            .stagingBucket("b")
            .stagingPrefix("p")
            .endpointOverride(AwsService.S3, URI.create("http://localhost:1"))
            .s3PathStyle(true)
            .kmsKeyId("k")
            .vpcConfig(new AwsVpcConfig(List.of("sg-1"), List.of("subnet-1")))
            .tag("team", "risk")
            .pollInterval(Duration.ofSeconds(3))
            .updatePolicy(AwsUpdatePolicy.canary(10, Duration.ofMinutes(5)))
            .dataCapture(new AwsDataCapture(URI.create("s3://b/capture"), 20))
            .onnxImage("img")
            .multipart(100, 50)
            .build();
    AwsOptions copy = o.toBuilder().build();
    assertThat(copy).usingRecursiveComparison().isEqualTo(o);
    assertThat(o.toBuilder().region(Region.US_EAST_1).build().region()).contains(Region.US_EAST_1);
    assertThat(o.region()).contains(Region.US_WEST_2);
  }

  @Test
  void defaults_areDocumented() {
    AwsOptions o = AwsOptions.builder().build();
    assertThat(o.region()).isEmpty();
    assertThat(o.credentialsProvider()).isEmpty();
    assertThat(o.stagingPrefix()).isEqualTo("serve4j");
    assertThat(o.pollInterval()).isEqualTo(Duration.ofSeconds(15));
    assertThat(o.providerId()).isEqualTo("aws");
  }

  @Test
  void optionsFrom_readsRegionRoleBucketAndPrefix() {
    AwsOptions o =
        (AwsOptions)
            new AwsProvider()
                .optionsFrom(
                    URI.create(
                        "aws://eu-central-1?role=arn:aws:iam::1:role/R&bucket=models&prefix=p"));
    assertThat(o.region()).contains(Region.EU_CENTRAL_1);
    assertThat(o.executionRoleArn()).contains("arn:aws:iam::1:role/R");
    assertThat(o.stagingBucket()).contains("models");
    assertThat(o.stagingPrefix()).isEqualTo("p");
  }

  @Test
  void optionsFrom_unknownParameter_throwsInvalidInputNamingIt() {
    assertThatThrownBy(
            () -> new AwsProvider().optionsFrom(URI.create("aws://us-east-1?colour=red")))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("colour");
  }

  @Test
  void serve4jClient_byUri_findsTheProviderThroughServiceLoader() {
    assertThat(Serve4j.providers()).contains("aws");
    try (ServingClient c = Serve4j.client(URI.create("aws://us-east-1"))) {
      assertThat(c.providerId()).isEqualTo("aws");
      assertThat(c.capabilities())
          .contains(Capability.TRAFFIC_SPLIT, Capability.AUTOSCALING, Capability.BATCH_JOBS)
          .contains(Capability.ASYNC_INFERENCE, Capability.STREAMING)
          .doesNotContain(Capability.TPU);
    }
  }

  @Test
  void pollInterval_mustBePositive() {
    assertThatThrownBy(() -> AwsOptions.builder().pollInterval(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
