package io.serve4j.aws.internal;

import static io.serve4j.aws.internal.AwsCalls.timeout;

import io.serve4j.ErrorCategory;
import io.serve4j.aws.AwsOptions;
import io.serve4j.aws.AwsService;
import io.serve4j.spi.CallContext;
import io.serve4j.spi.ProviderContext;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsAsyncClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.async.SdkAsyncHttpClient;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.applicationautoscaling.ApplicationAutoScalingAsyncClient;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.sagemaker.SageMakerAsyncClient;
import software.amazon.awssdk.services.sagemaker.model.Tag;
import software.amazon.awssdk.services.sagemakerruntime.SageMakerRuntimeAsyncClient;
import software.amazon.awssdk.services.sts.StsAsyncClient;

/**
 * The SDK clients of one provider session and their configuration: region, credentials, HTTP
 * client, endpoint overrides and which clients retry; the staging bucket and resource tags.
 */
public final class AwsClients implements AutoCloseable {
  final AwsOptions options;
  final ProviderContext context;
  final Region region;
  private final AwsCredentialsProvider ownedCredentials;
  private final SdkAsyncHttpClient ownedHttp;
  final SageMakerAsyncClient sm;
  final SageMakerAsyncClient smOnce;
  final SageMakerRuntimeAsyncClient runtime;
  final ApplicationAutoScalingAsyncClient scaling;
  final S3AsyncClient s3;
  final StsAsyncClient sts;
  private final ExecutorService io;
  final S3Staging staging;
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile CompletableFuture<String> bucket;

  /**
   * Opens the SDK clients.
   *
   * @param options the options
   * @param context core's facilities
   */
  public AwsClients(AwsOptions options, ProviderContext context) {
    this.options = Objects.requireNonNull(options, "options");
    this.context = context;
    this.region = options.region().orElseGet(AwsClients::defaultRegion);
    this.ownedCredentials =
        options.credentialsProvider().isPresent()
            ? null
            : DefaultCredentialsProvider.builder().build();
    AwsCredentialsProvider credentials = options.credentialsProvider().orElse(ownedCredentials);
    this.ownedHttp = options.httpClient().isPresent() ? null : NettyNioAsyncHttpClient.create();
    SdkAsyncHttpClient http = options.httpClient().orElse(ownedHttp);
    // Operations (deploy, update, traffic, delete, batch) are not retried by core: their SageMaker,
    // Application Auto Scaling, S3 and STS calls keep the SDK's default retries, so a throttled
    // poll does not fail a deployment. Every call is bounded by the caller's deadline (timeout).
    this.sm =
        configure(SageMakerAsyncClient.builder(), AwsService.SAGEMAKER, credentials, http).build();
    // Core retries predict, describe, list and describeBatchJob itself (RetryPolicy, one retry
    // layer for every provider): the SDK must not retry them again underneath, or attempts
    // multiply. Those hooks use smOnce and runtime, with the SDK's retries off; so does the
    // DeleteEndpoint request (one wire attempt per delete).
    this.smOnce =
        configure(SageMakerAsyncClient.builder(), AwsService.SAGEMAKER, credentials, http)
            .overrideConfiguration(c -> c.retryStrategy(AwsRetryStrategy.doNotRetry()))
            .build();
    this.runtime =
        configure(
                SageMakerRuntimeAsyncClient.builder(),
                AwsService.SAGEMAKER_RUNTIME,
                credentials,
                http)
            .overrideConfiguration(c -> c.retryStrategy(AwsRetryStrategy.doNotRetry()))
            .build();
    this.scaling =
        configure(
                ApplicationAutoScalingAsyncClient.builder(),
                AwsService.APPLICATION_AUTO_SCALING,
                credentials,
                http)
            .build();
    this.s3 =
        configure(S3AsyncClient.builder(), AwsService.S3, credentials, http)
            .forcePathStyle(options.s3PathStyle())
            .overrideConfiguration(
                c -> {
                  if (!options.s3ExpectContinue()) {
                    c.addExecutionInterceptor(new NoExpectContinue());
                  }
                })
            .build();
    this.sts = configure(StsAsyncClient.builder(), AwsService.STS, credentials, http).build();
    AtomicInteger n = new AtomicInteger();
    this.io =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "serve4j-aws-io-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    this.staging = new S3Staging(s3, options, io, this::stagingBucket);
  }

  private static Region defaultRegion() {
    try {
      return new DefaultAwsRegionProviderChain().getRegion();
    } catch (SdkClientException e) {
      throw AwsErrors.clientError(
          ErrorCategory.INVALID_INPUT,
          "no AWS region: set AwsOptions.region, use aws://<region>, or set AWS_REGION");
    }
  }

  private <B extends AwsClientBuilder<B, ?> & AwsAsyncClientBuilder<B, ?>> B configure(
      B builder, AwsService service, AwsCredentialsProvider credentials, SdkAsyncHttpClient http) {
    builder.region(region).credentialsProvider(credentials).httpClient(http);
    URI override = options.endpointOverrides().get(service);
    if (override != null) {
      builder.endpointOverride(override);
    }
    return builder;
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    sm.close();
    smOnce.close();
    runtime.close();
    scaling.close();
    s3.close();
    sts.close();
    if (ownedHttp != null) {
      ownedHttp.close();
    }
    if (ownedCredentials instanceof AutoCloseable c) {
      try {
        c.close();
      } catch (Exception ignored) {
        // nothing to release that matters
      }
    }
    io.shutdownNow();
  }

  List<Tag> tags(Map<String, String> extra) {
    Map<String, String> all = new LinkedHashMap<>(options.tags());
    all.putAll(extra);
    List<Tag> out = new ArrayList<>();
    all.forEach((k, v) -> out.add(Tag.builder().key(k).value(v).build()));
    return out;
  }

  CompletableFuture<String> stagingBucket(CallContext ctx) {
    CompletableFuture<String> b = bucket;
    if (b != null && !b.isCompletedExceptionally()) {
      return b;
    }
    // The bucket, and its owner when serve4j derived the name from the caller's account.
    CompletableFuture<String[]> named;
    if (options.stagingBucket().isPresent()) {
      named = CompletableFuture.completedFuture(new String[] {options.stagingBucket().get(), null});
    } else {
      named =
          AwsErrors.WIRE
              .call(
                  "GetCallerIdentity",
                  () -> sts.getCallerIdentity(r -> r.overrideConfiguration(timeout(ctx))))
              .thenApply(
                  id ->
                      new String[] {"sagemaker-" + region.id() + "-" + id.account(), id.account()});
    }
    if (options.createStagingBucket()) {
      StagingBucket creator = new StagingBucket(s3, options, region);
      b = named.thenCompose(n -> creator.ensure(n[0], n[1], ctx));
    } else {
      b = named.thenApply(n -> n[0]);
    }
    bucket = b;
    return b;
  }
}
