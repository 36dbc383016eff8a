package io.serve4j.aws.internal;

import static io.serve4j.aws.internal.AwsCalls.timeout;

import io.serve4j.ErrorCategory;
import io.serve4j.ServingException;
import io.serve4j.aws.AwsOptions;
import io.serve4j.spi.CallContext;
import io.serve4j.spi.Wire;
import java.util.concurrent.CompletableFuture;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.BucketLocationConstraint;
import software.amazon.awssdk.services.s3.model.CreateBucketConfiguration;
import software.amazon.awssdk.services.s3.model.CreateBucketRequest;
import software.amazon.awssdk.services.s3.model.PublicAccessBlockConfiguration;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;
import software.amazon.awssdk.services.s3.model.ServerSideEncryptionByDefault;
import software.amazon.awssdk.services.s3.model.ServerSideEncryptionConfiguration;
import software.amazon.awssdk.services.s3.model.ServerSideEncryptionRule;

/**
 * Creates the staging bucket when {@link AwsOptions#createStagingBucket()} asks for it: {@code
 * HeadBucket}; if missing, {@code CreateBucket} in the client's region, {@code
 * PutPublicAccessBlock} (all four blocks on) and, with a KMS key, {@code PutBucketEncryption}
 * (SSE-KMS with that key, S3 Bucket Key on). If a setting cannot be applied, the bucket just
 * created is deleted again, so a failure leaves no bucket without its protections. A bucket that
 * exists (or that another caller creates meanwhile) is used as it is.
 */
final class StagingBucket {
  private final S3AsyncClient s3;
  private final AwsOptions options;
  private final Region region;

  StagingBucket(S3AsyncClient s3, AwsOptions options, Region region) {
    this.s3 = s3;
    this.options = options;
    this.region = region;
  }

  /**
   * Makes sure the bucket exists.
   *
   * @param bucket the bucket name
   * @param owner the account that must own it (SageMaker's default bucket name is predictable:
   *     another account may hold it), or null when the caller named the bucket
   * @param ctx the caller's context: its deadline bounds each call
   * @return the bucket name once it exists
   */
  CompletableFuture<String> ensure(String bucket, String owner, CallContext ctx) {
    String what = "HeadBucket " + bucket;
    return AwsErrors.WIRE
        .call(
            what,
            () ->
                s3.headBucket(
                    r ->
                        r.bucket(bucket)
                            .expectedBucketOwner(owner)
                            .overrideConfiguration(timeout(ctx))))
        .<CompletableFuture<String>>handle(
            (r, e) -> {
              if (e == null) {
                return CompletableFuture.completedFuture(bucket);
              }
              if (!AwsErrors.isNotFound(e)) {
                RuntimeException failure = AwsErrors.map(what, e);
                if (owner != null
                    && failure instanceof ServingException se
                    && se.category() == ErrorCategory.PERMISSION_DENIED) {
                  throw se.toBuilder()
                      .message(
                          "staging bucket "
                              + bucket
                              + " exists but is not owned by account "
                              + owner
                              + " (or this caller may not read it): nothing is staged to it; set"
                              + " AwsOptions.stagingBucket to a bucket of yours ("
                              + se.getMessage()
                              + ")")
                      .build();
                }
                throw failure;
              }
              return create(bucket, owner, ctx);
            })
        .thenCompose(f -> f);
  }

  private CompletableFuture<String> create(String bucket, String owner, CallContext ctx) {
    AwsCalls.checkCancelled(ctx);
    CreateBucketRequest.Builder create =
        CreateBucketRequest.builder().bucket(bucket).overrideConfiguration(timeout(ctx));
    if (!Region.US_EAST_1.equals(region)) {
      // us-east-1 takes no location constraint; every other region needs its own.
      create.createBucketConfiguration(
          CreateBucketConfiguration.builder()
              .locationConstraint(BucketLocationConstraint.fromValue(region.id()))
              .build());
    }
    String what = "CreateBucket " + bucket;
    return AwsErrors.WIRE
        .call(what, () -> s3.createBucket(create.build()))
        .<CompletableFuture<String>>handle(
            (r, e) -> {
              if (e == null) {
                return configure(bucket, owner, ctx);
              }
              if (Wire.unwrap(e) instanceof ServingException se
                  && se.category() == ErrorCategory.CONFLICT
                  && se.getMessage().contains("BucketAlreadyOwnedByYou")) {
                // created meanwhile by another caller of this account: used as it is
                return CompletableFuture.completedFuture(bucket);
              }
              throw AwsErrors.map(what, e);
            })
        .thenCompose(f -> f);
  }

  private CompletableFuture<String> configure(String bucket, String owner, CallContext ctx) {
    CompletableFuture<?> blocked =
        AwsErrors.WIRE.call(
            "PutPublicAccessBlock " + bucket,
            () ->
                s3.putPublicAccessBlock(
                    r ->
                        r.bucket(bucket)
                            .expectedBucketOwner(owner)
                            .publicAccessBlockConfiguration(
                                PublicAccessBlockConfiguration.builder()
                                    .blockPublicAcls(true)
                                    .ignorePublicAcls(true)
                                    .blockPublicPolicy(true)
                                    .restrictPublicBuckets(true)
                                    .build())
                            .overrideConfiguration(timeout(ctx))));
    CompletableFuture<?> encrypted =
        options.kmsKeyId().isEmpty()
            ? blocked
            : blocked.thenCompose(
                x ->
                    AwsErrors.WIRE.call(
                        "PutBucketEncryption " + bucket,
                        () ->
                            s3.putBucketEncryption(
                                r ->
                                    r.bucket(bucket)
                                        .expectedBucketOwner(owner)
                                        .serverSideEncryptionConfiguration(
                                            ServerSideEncryptionConfiguration.builder()
                                                .rules(
                                                    ServerSideEncryptionRule.builder()
                                                        .applyServerSideEncryptionByDefault(
                                                            ServerSideEncryptionByDefault.builder()
                                                                .sseAlgorithm(
                                                                    ServerSideEncryption.AWS_KMS)
                                                                .kmsMasterKeyID(
                                                                    options.kmsKeyId().get())
                                                                .build())
                                                        .bucketKeyEnabled(true)
                                                        .build())
                                                .build())
                                        .overrideConfiguration(timeout(ctx)))));
    return encrypted
        .<CompletableFuture<String>>handle(
            (r, e) -> {
              if (e == null) {
                return CompletableFuture.completedFuture(bucket);
              }
              RuntimeException failure = AwsErrors.map("configuring new bucket " + bucket, e);
              // Undo: a bucket without its protections must not stay behind.
              return AwsErrors.WIRE
                  .call(
                      "DeleteBucket " + bucket,
                      () ->
                          s3.deleteBucket(
                              d ->
                                  d.bucket(bucket)
                                      .overrideConfiguration(AwsCalls.cleanupTimeout())))
                  .<String>handle(
                      (d, de) -> {
                        if (de != null) {
                          failure.addSuppressed(Wire.unwrap(de));
                        }
                        throw failure;
                      });
            })
        .thenCompose(f -> f);
  }
}
