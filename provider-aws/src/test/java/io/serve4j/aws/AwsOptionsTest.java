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
            .s3ExpectContinue(false)
            .createStagingBucket(true)
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

  @Test
  void optionsFrom_readsEndpointPathStyleExpectContinueAndCreateBucket() {
    AwsOptions o =
        (AwsOptions)
            new AwsProvider()
                .optionsFrom(
                    URI.create(
                        "aws://us-east-1?endpoint=http://localhost:4566&pathStyle=true"
                            + "&expectContinue=false&createBucket=true"
                            + "&role=arn:aws:iam::1:role/a+b"));
    assertThat(o.endpointOverrides())
        .hasSize(AwsService.values().length)
        .allSatisfy((s, u) -> assertThat(u).isEqualTo(URI.create("http://localhost:4566")));
    assertThat(o.s3PathStyle()).isTrue();
    assertThat(o.s3ExpectContinue()).isFalse();
    assertThat(o.createStagingBucket()).isTrue();
    assertThat(o.executionRoleArn()).contains("arn:aws:iam::1:role/a+b");
  }

  @Test
  void optionsFrom_perServiceEndpointWinsOverTheCommonOneInAnyOrder() {
    AwsOptions o =
        (AwsOptions)
            new AwsProvider()
                .optionsFrom(
                    URI.create(
                        "aws://us-east-1?endpoint.s3=https://s3.local:9000"
                            + "&endpoint=http://localhost:4566"
                            + "&endpoint.sagemaker-runtime=http://runtime.local%3A8080"));
    assertThat(o.endpointOverrides())
        .containsEntry(AwsService.S3, URI.create("https://s3.local:9000"))
        .containsEntry(AwsService.SAGEMAKER_RUNTIME, URI.create("http://runtime.local:8080"))
        .containsEntry(AwsService.SAGEMAKER, URI.create("http://localhost:4566"))
        .containsEntry(AwsService.STS, URI.create("http://localhost:4566"));
  }

  @Test
  void optionsFrom_defaultsLeaveExpectContinueOnAndBucketCreationOff() {
    AwsOptions o = (AwsOptions) new AwsProvider().optionsFrom(URI.create("aws://us-east-1"));
    assertThat(o.s3ExpectContinue()).isTrue();
    assertThat(o.createStagingBucket()).isFalse();
    assertThat(o.s3PathStyle()).isFalse();
    assertThat(o.endpointOverrides()).isEmpty();
  }

  @Test
  void optionsFrom_invalidValuesAndUnknownServices_throwInvalidInputNamingTheParameter() {
    for (String bad :
        List.of(
            "endpoint=localhost:4566",
            "endpoint=ftp://h",
            "pathStyle=yes",
            "createBucket=",
            "expectContinue=1",
            "endpoint.ec2=http://h:1")) {
      String key = bad.substring(0, bad.indexOf('='));
      assertThatThrownBy(() -> new AwsProvider().optionsFrom(URI.create("aws://us-east-1?" + bad)))
          .as(bad)
          .isInstanceOf(InvalidInputException.class)
          .hasMessageContaining("'" + key + "'");
    }
  }
}
