package io.serve4j.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.serve4j.EndpointSpec;
import io.serve4j.Model;
import io.serve4j.NotFoundException;
import io.serve4j.PermissionDeniedException;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.testkit.ContractModels;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.regions.Region;

/** The staging bucket: a clear NotFound by default, created on request with its protections. */
class AwsStagingBucketTest {
  private static final String KEY = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd";
  private static final String DEFAULT_BUCKET = "sagemaker-eu-west-1-" + FakeAws.ACCOUNT;
  private FakeAws fake;

  @BeforeEach
  void start() {
    fake = new FakeAws().deployTime(Duration.ZERO).minPolls(1);
  }

  @AfterEach
  void stop() {
    fake.close();
  }

  private ServingClient client(AwsOptions.Builder options) {
    return Serve4j.builder()
        .options(options.build())
        .operationTimeout(Duration.ofSeconds(30))
        .build();
  }

  private static Model freshRelu() {
    return ContractModels.reluOnClasspath().toBuilder()
        .version(UUID.randomUUID().toString().substring(0, 8))
        .build();
  }

  private long calls(String method, String path, String query) {
    return fake.calls(
            c ->
                c.target() == null
                    && c.method().equals(method)
                    && c.path().equals(path)
                    && java.util.Objects.equals(c.query(), query))
        .size();
  }

  @Test
  void deploy_whenTheBucketIsMissingAndCreationNotAsked_failsNotFoundAndCreatesNothing() {
    try (ServingClient aws = client(AwsContractTest.options(fake).stagingBucket("absent"))) {
      assertThatThrownBy(() -> aws.deploy(EndpointSpec.of("b-none", freshRelu())).await())
          .isInstanceOf(NotFoundException.class)
          .hasMessageContaining("absent")
          .hasMessageContaining("NoSuchBucket");
    }
    assertThat(fake.hasBucket("absent")).isFalse();
    assertThat(calls("PUT", "/absent", null)).isZero();
    assertThat(fake.modelNames()).isEmpty();
  }

  @Test
  void deploy_withCreateStagingBucket_createsSageMakersDefaultBucketBlockedAndKmsEncrypted() {
    AwsOptions.Builder options =
        AwsContractTest.options(fake)
            .region(Region.EU_WEST_1)
            .stagingBucket(null)
            .kmsKeyId(KEY)
            .createStagingBucket(true);
    try (ServingClient aws = client(options)) {
      aws.deploy(EndpointSpec.of("b-create", freshRelu())).await();
      aws.deploy(EndpointSpec.of("b-again", freshRelu())).await();
    }
    assertThat(fake.hasBucket(DEFAULT_BUCKET)).isTrue();
    assertThat(
            fake.calls(
                c -> c.target() == null && c.path().equals("/") && c.method().equals("POST")))
        .hasSize(1); // GetCallerIdentity, once per client
    assertThat(fake.bucketSetting(DEFAULT_BUCKET, "CreateBucket"))
        .contains("<LocationConstraint>eu-west-1</LocationConstraint>");
    assertThat(fake.bucketSetting(DEFAULT_BUCKET, "PutPublicAccessBlock"))
        .contains("<BlockPublicAcls>true</BlockPublicAcls>")
        .contains("<IgnorePublicAcls>true</IgnorePublicAcls>")
        .contains("<BlockPublicPolicy>true</BlockPublicPolicy>")
        .contains("<RestrictPublicBuckets>true</RestrictPublicBuckets>");
    assertThat(fake.bucketSetting(DEFAULT_BUCKET, "PutBucketEncryption"))
        .contains("<SSEAlgorithm>aws:kms</SSEAlgorithm>")
        .contains("<KMSMasterKeyID>" + KEY + "</KMSMasterKeyID>")
        .contains("<BucketKeyEnabled>true</BucketKeyEnabled>");
    // checked and created once per client, then used by both deployments
    assertThat(calls("HEAD", "/" + DEFAULT_BUCKET, null)).isEqualTo(1);
    assertThat(calls("PUT", "/" + DEFAULT_BUCKET, null)).isEqualTo(1);
    assertThat(fake.objectKeys()).filteredOn(k -> k.startsWith(DEFAULT_BUCKET + "/")).hasSize(2);
  }

  @Test
  void deploy_withCreateStagingBucketAndNoKmsKey_setsNoEncryptionAndNoLocationInUsEast1() {
    try (ServingClient aws =
        client(AwsContractTest.options(fake).stagingBucket("fresh").createStagingBucket(true))) {
      aws.deploy(EndpointSpec.of("b-plain", freshRelu())).await();
    }
    assertThat(fake.hasBucket("fresh")).isTrue();
    assertThat(fake.bucketSetting("fresh", "CreateBucket")).doesNotContain("LocationConstraint");
    assertThat(fake.bucketSetting("fresh", "PutPublicAccessBlock")).isNotNull();
    assertThat(fake.bucketSetting("fresh", "PutBucketEncryption")).isNull();
  }

  @Test
  void deploy_whenTheNewBucketCannotBeEncrypted_deletesItAndFailsTyped() {
    fake.failS3("PutBucketEncryption", 403, "AccessDenied", "Access Denied");
    AwsOptions.Builder options =
        AwsContractTest.options(fake)
            .stagingBucket("fresh")
            .kmsKeyId(KEY)
            .createStagingBucket(true);
    try (ServingClient aws = client(options)) {
      assertThatThrownBy(() -> aws.deploy(EndpointSpec.of("b-denied", freshRelu())).await())
          .isInstanceOf(PermissionDeniedException.class)
          .hasMessageContaining("PutBucketEncryption fresh")
          .hasMessageContaining("AccessDenied");
    }
    assertThat(fake.hasBucket("fresh")).isFalse();
    assertThat(calls("DELETE", "/fresh", null)).isEqualTo(1);
    assertThat(fake.modelNames()).isEmpty();
  }

  @Test
  void deploy_withCreateStagingBucket_whenTheBucketExists_usesItAsItIs() {
    fake.bucket("models");
    try (ServingClient aws =
        client(AwsContractTest.options(fake).kmsKeyId(KEY).createStagingBucket(true))) {
      aws.deploy(EndpointSpec.of("b-exists", freshRelu())).await();
    }
    assertThat(calls("HEAD", "/models", null)).isEqualTo(1);
    assertThat(calls("PUT", "/models", null)).isZero();
    assertThat(fake.bucketSetting("models", "PutBucketEncryption")).isNull();
  }

  @Test
  void deploy_withCreateStagingBucket_whenAnotherAccountHoldsTheDefaultName_refusesToStage() {
    fake.foreignBucket(DEFAULT_BUCKET);
    AwsOptions.Builder options =
        AwsContractTest.options(fake)
            .region(Region.EU_WEST_1)
            .stagingBucket(null)
            .createStagingBucket(true);
    try (ServingClient aws = client(options)) {
      assertThatThrownBy(() -> aws.deploy(EndpointSpec.of("b-foreign", freshRelu())).await())
          .isInstanceOf(PermissionDeniedException.class)
          .hasMessageContaining("staging bucket " + DEFAULT_BUCKET + " exists but is not owned by")
          .hasMessageContaining(FakeAws.ACCOUNT);
    }
    assertThat(fake.calls(c -> "HEAD".equals(c.method()) && c.path().equals("/" + DEFAULT_BUCKET)))
        .singleElement()
        .satisfies(
            c -> assertThat(c.header("x-amz-expected-bucket-owner")).isEqualTo(FakeAws.ACCOUNT));
    assertThat(fake.objectKeys()).isEmpty();
    assertThat(fake.modelNames()).isEmpty();
  }
}
