package io.serve4j.aws.internal;

import io.serve4j.Accelerator;
import io.serve4j.AsyncInference;
import io.serve4j.BatchJobDescription;
import io.serve4j.BatchJobSpec;
import io.serve4j.BatchJobStatus;
import io.serve4j.DeploymentDescription;
import io.serve4j.DeploymentSpec;
import io.serve4j.DeviceKind;
import io.serve4j.EndpointDescription;
import io.serve4j.EndpointSpec;
import io.serve4j.EndpointStatus;
import io.serve4j.ErrorCategory;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.Mirror;
import io.serve4j.Model;
import io.serve4j.ModelFormat;
import io.serve4j.Payload;
import io.serve4j.ScalingMetric;
import io.serve4j.aws.AwsOptions;
import io.serve4j.aws.AwsParameters;
import io.serve4j.aws.AwsService;
import io.serve4j.aws.AwsUpdatePolicy;
import io.serve4j.protocol.OipJson;
import io.serve4j.spi.BatchJobs;
import io.serve4j.spi.CallContext;
import io.serve4j.spi.EndpointLifecycle;
import io.serve4j.spi.Inference;
import io.serve4j.spi.Polling;
import io.serve4j.spi.ProviderContext;
import io.serve4j.spi.QueuedInference;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
import software.amazon.awssdk.awscore.client.builder.AwsAsyncClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.async.SdkAsyncHttpClient;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.applicationautoscaling.ApplicationAutoScalingAsyncClient;
import software.amazon.awssdk.services.applicationautoscaling.model.CustomizedMetricSpecification;
import software.amazon.awssdk.services.applicationautoscaling.model.MetricDimension;
import software.amazon.awssdk.services.applicationautoscaling.model.MetricStatistic;
import software.amazon.awssdk.services.applicationautoscaling.model.MetricType;
import software.amazon.awssdk.services.applicationautoscaling.model.PolicyType;
import software.amazon.awssdk.services.applicationautoscaling.model.PredefinedMetricSpecification;
import software.amazon.awssdk.services.applicationautoscaling.model.ScalableDimension;
import software.amazon.awssdk.services.applicationautoscaling.model.ScalableTarget;
import software.amazon.awssdk.services.applicationautoscaling.model.ServiceNamespace;
import software.amazon.awssdk.services.applicationautoscaling.model.TargetTrackingScalingPolicyConfiguration;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.sagemaker.SageMakerAsyncClient;
import software.amazon.awssdk.services.sagemaker.model.Alarm;
import software.amazon.awssdk.services.sagemaker.model.AsyncInferenceConfig;
import software.amazon.awssdk.services.sagemaker.model.AsyncInferenceOutputConfig;
import software.amazon.awssdk.services.sagemaker.model.AutoRollbackConfig;
import software.amazon.awssdk.services.sagemaker.model.BatchStrategy;
import software.amazon.awssdk.services.sagemaker.model.BlueGreenUpdatePolicy;
import software.amazon.awssdk.services.sagemaker.model.CapacitySize;
import software.amazon.awssdk.services.sagemaker.model.CapacitySizeType;
import software.amazon.awssdk.services.sagemaker.model.CaptureMode;
import software.amazon.awssdk.services.sagemaker.model.CaptureOption;
import software.amazon.awssdk.services.sagemaker.model.ContainerDefinition;
import software.amazon.awssdk.services.sagemaker.model.DataCaptureConfig;
import software.amazon.awssdk.services.sagemaker.model.DeploymentConfig;
import software.amazon.awssdk.services.sagemaker.model.DescribeEndpointConfigResponse;
import software.amazon.awssdk.services.sagemaker.model.DescribeEndpointResponse;
import software.amazon.awssdk.services.sagemaker.model.DescribeModelResponse;
import software.amazon.awssdk.services.sagemaker.model.DescribeTransformJobResponse;
import software.amazon.awssdk.services.sagemaker.model.DesiredWeightAndCapacity;
import software.amazon.awssdk.services.sagemaker.model.EndpointSummary;
import software.amazon.awssdk.services.sagemaker.model.ListEndpointsResponse;
import software.amazon.awssdk.services.sagemaker.model.ProductionVariant;
import software.amazon.awssdk.services.sagemaker.model.ProductionVariantSummary;
import software.amazon.awssdk.services.sagemaker.model.S3DataType;
import software.amazon.awssdk.services.sagemaker.model.SplitType;
import software.amazon.awssdk.services.sagemaker.model.Tag;
import software.amazon.awssdk.services.sagemaker.model.TrafficRoutingConfig;
import software.amazon.awssdk.services.sagemaker.model.TrafficRoutingConfigType;
import software.amazon.awssdk.services.sagemaker.model.TransformJobStatus;
import software.amazon.awssdk.services.sagemaker.model.VpcConfig;
import software.amazon.awssdk.services.sagemakerruntime.SageMakerRuntimeAsyncClient;
import software.amazon.awssdk.services.sagemakerruntime.model.InvokeEndpointAsyncRequest;
import software.amazon.awssdk.services.sagemakerruntime.model.InvokeEndpointAsyncResponse;
import software.amazon.awssdk.services.sagemakerruntime.model.InvokeEndpointRequest;
import software.amazon.awssdk.services.sagemakerruntime.model.InvokeEndpointResponse;
import software.amazon.awssdk.services.sts.StsAsyncClient;

/**
 * The {@code aws} provider's hooks on SageMaker. Every call is asynchronous through the SDK's async
 * clients; waits use {@link Polling} with the caller's deadline and cancellation.
 */
public final class AwsProviderClient
    implements EndpointLifecycle, Inference, BatchJobs, QueuedInference, AutoCloseable {
  static final String ENV_MODEL = "SERVE4J_MODEL";
  static final String ENV_MODEL_VERSION = "SERVE4J_MODEL_VERSION";
  static final String ENV_TRITON_MODEL = "SAGEMAKER_TRITON_DEFAULT_MODEL_NAME";
  private static final String JSON = "application/json";

  /** RequestTTLSeconds of InvokeEndpointAsync: how long a request may wait in the queue. */
  static final int MIN_REQUEST_TTL_SECONDS = 60;

  static final int MAX_REQUEST_TTL_SECONDS = 21_600;

  /** InvocationTimeoutSeconds of InvokeEndpointAsync: how long the container may work on it. */
  static final int MAX_INVOCATION_TIMEOUT_SECONDS = 3_600;

  /** Results of asynchronous inferences are looked for at least this often. */
  static final Duration MAX_RESULT_POLL_INTERVAL = Duration.ofSeconds(2);

  /** How much of a container's failure text goes into the exception message. */
  static final int MAX_FAILURE_TEXT = 2_000;

  private final AwsOptions options;
  private final ProviderContext context;
  private final Region region;
  private final AwsCredentialsProvider ownedCredentials;
  private final SdkAsyncHttpClient ownedHttp;
  private final SageMakerAsyncClient sm;
  private final SageMakerAsyncClient smOnce;
  private final SageMakerRuntimeAsyncClient runtime;
  private final ApplicationAutoScalingAsyncClient scaling;
  private final S3AsyncClient s3;
  private final StsAsyncClient sts;
  private final ExecutorService io;
  private final S3Staging staging;
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile CompletableFuture<String> bucket;

  /**
   * Opens the SDK clients.
   *
   * @param options the options
   * @param context core's facilities
   */
  public AwsProviderClient(AwsOptions options, ProviderContext context) {
    this.options = Objects.requireNonNull(options, "options");
    this.context = context;
    this.region = options.region().orElseGet(AwsProviderClient::defaultRegion);
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

  // ---------------------------------------------------------------- endpoints

  @Override
  public CompletableFuture<EndpointDescription> createEndpoint(EndpointSpec spec, CallContext ctx) {
    Plan plan;
    try {
      plan = plan(spec);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    String name = spec.name();
    List<String> madeModels = new ArrayList<>();
    AtomicBoolean madeConfig = new AtomicBoolean();
    ctx.progress("checking that endpoint " + name + " is free", 0.0);
    CompletableFuture<Void> created =
        describeRaw(name, ctx)
            .handle(
                (d, e) -> {
                  if (e == null) {
                    throw AwsErrors.error(
                        ErrorCategory.CONFLICT,
                        "endpoint '"
                            + name
                            + "' already exists ("
                            + d.endpointStatusAsString()
                            + ")");
                  }
                  if (!AwsErrors.isNotFound(e)) {
                    throw AwsErrors.map("DescribeEndpoint", e);
                  }
                  return (Void) null;
                })
            .thenCompose(x -> createModels(plan, madeModels, ctx))
            .thenCompose(x -> createConfig(plan, ctx))
            .thenCompose(
                x -> {
                  madeConfig.set(true);
                  checkCancelled(ctx);
                  ctx.progress("creating endpoint " + name, 0.3);
                  return AwsErrors.WIRE.call(
                      "CreateEndpoint " + name,
                      () ->
                          sm.createEndpoint(
                              r ->
                                  r.endpointName(name)
                                      .endpointConfigName(plan.configName)
                                      .tags(tags(spec.tags()))
                                      .overrideConfiguration(timeout(ctx))));
                })
            .handle(
                (r, e) -> {
                  if (e != null) {
                    cleanUp(madeConfig.get() ? plan.configName : null, madeModels);
                    throw AwsErrors.map("CreateEndpoint " + name, e);
                  }
                  return (Void) null;
                });
    return created
        .thenCompose(x -> awaitStable(name, ctx))
        .thenCompose(d -> requireInService(d, plan.configName))
        .thenCompose(x -> registerAutoscaling(plan, ctx))
        .thenCompose(x -> describeInOperation(name, ctx));
  }

  @Override
  public CompletableFuture<EndpointDescription> updateEndpoint(EndpointSpec spec, CallContext ctx) {
    Plan plan;
    try {
      plan = plan(spec);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    String name = spec.name();
    List<String> madeModels = new ArrayList<>();
    return describeRaw(name, ctx)
        .thenCompose(
            current ->
                describeConfig(current.endpointConfigName(), ctx)
                    .thenCompose(
                        oldConfig ->
                            createModels(plan, madeModels, ctx)
                                .thenCompose(x -> createConfig(plan, ctx))
                                .whenComplete(
                                    (x, e) -> {
                                      if (e != null) {
                                        cleanUp(null, madeModels);
                                      }
                                    })
                                // SageMaker updates autoscaled variants only once deregistered.
                                .thenCompose(
                                    x -> deregisterAutoscaling(name, variantNames(oldConfig), ctx))
                                .thenCompose(
                                    x -> {
                                      ctx.progress("updating endpoint " + name, 0.3);
                                      return AwsErrors.WIRE.call(
                                          "UpdateEndpoint " + name,
                                          () ->
                                              sm.updateEndpoint(
                                                  r -> {
                                                    r.endpointName(name)
                                                        .endpointConfigName(plan.configName)
                                                        .overrideConfiguration(timeout(ctx));
                                                    options
                                                        .updatePolicy()
                                                        .ifPresent(
                                                            p -> r.deploymentConfig(deployment(p)));
                                                  }));
                                    })
                                .thenCompose(x -> awaitStable(name, ctx))
                                .thenCompose(d -> requireInService(d, plan.configName))
                                .thenCompose(x -> registerAutoscaling(plan, ctx))
                                .thenApply(
                                    x -> {
                                      cleanUp(
                                          oldConfig.endpointConfigName(), modelNames(oldConfig));
                                      return x;
                                    })))
        .thenCompose(x -> describeInOperation(name, ctx));
  }

  @Override
  public CompletableFuture<EndpointDescription> updateTraffic(
      String endpoint, Map<String, Integer> traffic, Mirror mirror, CallContext ctx) {
    return describeRaw(endpoint, ctx)
        .thenCompose(current -> describeConfig(current.endpointConfigName(), ctx))
        .thenCompose(
            config -> {
              Mirror now = mirrorOf(config).orElse(null);
              if (!Objects.equals(now, mirror)) {
                throw AwsErrors.clientError(
                    ErrorCategory.INVALID_INPUT,
                    "SageMaker changes a shadow variant only with a new endpoint config: use"
                        + " Endpoint.update to change the mirror of '"
                        + endpoint
                        + "'");
              }
              List<DesiredWeightAndCapacity> weights = new ArrayList<>();
              for (ProductionVariant v : config.productionVariants()) {
                weights.add(
                    DesiredWeightAndCapacity.builder()
                        .variantName(v.variantName())
                        .desiredWeight((float) (int) traffic.getOrDefault(v.variantName(), 0))
                        .build());
              }
              return AwsErrors.WIRE.call(
                  "UpdateEndpointWeightsAndCapacities " + endpoint,
                  () ->
                      sm.updateEndpointWeightsAndCapacities(
                          r ->
                              r.endpointName(endpoint)
                                  .desiredWeightsAndCapacities(weights)
                                  .overrideConfiguration(timeout(ctx))));
            })
        .thenCompose(x -> awaitStable(endpoint, ctx))
        .thenCompose(d -> requireInService(d, null))
        .thenCompose(x -> describeInOperation(endpoint, ctx));
  }

  @Override
  public CompletableFuture<Void> deleteEndpoint(String endpoint, CallContext ctx) {
    return describeRaw(endpoint, ctx)
        .thenCompose(
            current ->
                describeConfig(current.endpointConfigName(), ctx)
                    .handle((c, e) -> e == null ? c : null)
                    .thenCompose(
                        config ->
                            deregisterAutoscaling(
                                    endpoint,
                                    config == null ? List.of() : variantNames(config),
                                    ctx)
                                .thenCompose(
                                    x ->
                                        AwsErrors.WIRE.call(
                                            "DeleteEndpoint " + endpoint,
                                            () ->
                                                smOnce.deleteEndpoint(
                                                    r ->
                                                        r.endpointName(endpoint)
                                                            .overrideConfiguration(timeout(ctx)))))
                                .thenCompose(x -> awaitGone(endpoint, ctx))
                                .thenCompose(
                                    x ->
                                        deleteQuietly(
                                            current.endpointConfigName(),
                                            config == null ? List.of() : modelNames(config),
                                            ctx))));
  }

  @Override
  public CompletableFuture<EndpointDescription> describeEndpoint(String endpoint, CallContext ctx) {
    // Core retries describe: no SDK retries underneath.
    return describe(smOnce, endpoint, ctx);
  }

  /** Describes an endpoint from inside an operation, with the SDK's retries. */
  private CompletableFuture<EndpointDescription> describeInOperation(
      String endpoint, CallContext ctx) {
    return describe(sm, endpoint, ctx);
  }

  private CompletableFuture<EndpointDescription> describe(
      SageMakerAsyncClient client, String endpoint, CallContext ctx) {
    return describeRaw(client, endpoint, ctx)
        .thenCompose(
            e ->
                describeConfig(client, e.endpointConfigName(), ctx)
                    .thenCompose(
                        c -> {
                          List<CompletableFuture<DescribeModelResponse>> models = new ArrayList<>();
                          List<ProductionVariant> all = allVariants(c);
                          for (ProductionVariant v : all) {
                            models.add(
                                AwsErrors.WIRE
                                    .call(
                                        "DescribeModel " + v.modelName(),
                                        () ->
                                            client.describeModel(
                                                r ->
                                                    r.modelName(v.modelName())
                                                        .overrideConfiguration(timeout(ctx))))
                                    .handle((m, err) -> m));
                          }
                          return CompletableFuture.allOf(models.toArray(CompletableFuture[]::new))
                              .thenApply(
                                  x ->
                                      toDescription(
                                          e,
                                          c,
                                          models.stream().map(CompletableFuture::join).toList()));
                        }));
  }

  @Override
  public CompletableFuture<List<EndpointDescription>> listEndpoints(CallContext ctx) {
    List<EndpointDescription> out = new ArrayList<>();
    return listPage(null, out, ctx).thenApply(x -> List.copyOf(out));
  }

  private CompletableFuture<Void> listPage(
      String token, List<EndpointDescription> out, CallContext ctx) {
    return AwsErrors.WIRE
        .call(
            "ListEndpoints",
            () ->
                smOnce.listEndpoints(
                    r -> r.nextToken(token).maxResults(100).overrideConfiguration(timeout(ctx))))
        .thenCompose(
            (ListEndpointsResponse page) -> {
              for (EndpointSummary s : page.endpoints()) {
                out.add(
                    EndpointDescription.builder()
                        .name(s.endpointName())
                        .status(status(s.endpointStatusAsString()))
                        .url(invocationUrl(s.endpointName()))
                        .detail("endpointArn", s.endpointArn())
                        .build());
              }
              if (page.nextToken() == null || page.nextToken().isEmpty()) {
                return CompletableFuture.completedFuture(null);
              }
              return listPage(page.nextToken(), out, ctx);
            });
  }

  // ---------------------------------------------------------------- invoke

  @Override
  public CompletableFuture<InferenceResponse> predict(
      String endpoint, EndpointDescription known, InferenceRequest request, CallContext ctx) {
    InvokeEndpointRequest.Builder b =
        InvokeEndpointRequest.builder().endpointName(endpoint).overrideConfiguration(timeout(ctx));
    Object attributes = request.parameters().get(AwsParameters.CUSTOM_ATTRIBUTES);
    Body body;
    try {
      body = Body.of(request);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    b.contentType(body.contentType()).body(SdkBytes.fromByteArray(body.bytes()));
    if (request.payload().isEmpty()) {
      b.accept(JSON);
    }
    if (attributes != null) {
      b.customAttributes(String.valueOf(attributes));
    }
    request.targetDeployment().ifPresent(b::targetVariant);
    request.id().filter(id -> id.length() <= 64).ifPresent(b::inferenceId);
    InvokeEndpointRequest invoke = b.build();
    CompletableFuture<InferenceResponse> call =
        AwsErrors.WIRE
            .call(
                "InvokeEndpoint on endpoint '" + endpoint + "'",
                () -> runtime.invokeEndpoint(invoke))
            .thenApply(r -> toResponse(request, r));
    return call;
  }

  /**
   * What InvokeEndpoint and InvokeEndpointAsync send: a raw payload as it is, else the request as
   * Open Inference Protocol JSON without the custom-attributes parameter (sent as a header).
   */
  private record Body(byte[] bytes, String contentType) {
    static Body of(InferenceRequest request) {
      if (request.payload().isPresent()) {
        Payload p = request.payload().get();
        return new Body(p.bytes(), p.contentType());
      }
      boolean attributes = request.parameters().containsKey(AwsParameters.CUSTOM_ATTRIBUTES);
      return new Body(
          OipJson.writeRequest(attributes ? withoutAttributes(request) : request), JSON);
    }
  }

  private static InferenceRequest withoutAttributes(InferenceRequest request) {
    InferenceRequest.Builder b = InferenceRequest.builder().inputs(request.inputs());
    request.id().ifPresent(b::id);
    request.outputs().forEach(b::output);
    request.targetDeployment().ifPresent(b::targetDeployment);
    request
        .parameters()
        .forEach(
            (k, v) -> {
              if (!k.equals(AwsParameters.CUSTOM_ATTRIBUTES)) {
                b.parameter(k, v);
              }
            });
    return b.build();
  }

  private static InferenceResponse toResponse(InferenceRequest request, InvokeEndpointResponse r) {
    byte[] body = r.body() == null ? new byte[0] : r.body().asByteArray();
    InferenceResponse.Builder b;
    if (request.payload().isPresent()) {
      b =
          InferenceResponse.builder()
              .payload(
                  Payload.of(
                      body,
                      r.contentType() != null ? r.contentType() : "application/octet-stream"));
    } else {
      b = OipJson.readResponse(body).toBuilder();
    }
    if (r.invokedProductionVariant() != null) {
      b.deployment(r.invokedProductionVariant());
    }
    if (r.customAttributes() != null) {
      b.parameter(AwsParameters.CUSTOM_ATTRIBUTES, r.customAttributes());
    }
    return b.build();
  }

  // ---------------------------------------------------------------- asynchronous inference

  /**
   * Stages the request to S3 as the OIP JSON {@code predict} sends (a raw payload as it is), calls
   * {@code InvokeEndpointAsync}, then polls S3 for the result or the failure SageMaker writes,
   * within the caller's deadline and until cancelled. The staged input is deleted afterwards.
   */
  @Override
  public CompletableFuture<InferenceResponse> submitInference(
      String endpoint, InferenceRequest request, CallContext ctx) {
    if (request.targetDeployment().isPresent()) {
      return CompletableFuture.failedFuture(
          AwsErrors.clientError(
              ErrorCategory.INVALID_INPUT,
              "InvokeEndpointAsync cannot pin a deployment (an asynchronous SageMaker endpoint has"
                  + " exactly one); drop targetDeployment from the request to endpoint '"
                  + endpoint
                  + "'"));
    }
    String inferenceId =
        request.id().filter(AwsProviderClient::isInferenceId).orElse(ctx.requestId());
    Object attributes = request.parameters().get(AwsParameters.CUSTOM_ATTRIBUTES);
    byte[] body;
    String contentType;
    try {
      Body encoded = Body.of(request);
      body = encoded.bytes();
      contentType = encoded.contentType();
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    ctx.progress("staging the input of inference " + inferenceId, 0.0);
    CompletableFuture<URI> staged =
        stagingBucket(ctx)
            .thenCompose(
                bucket -> {
                  String key =
                      asyncPrefix(endpoint)
                          + "input/"
                          + safe(inferenceId)
                          + (contentType.startsWith(JSON) ? ".json" : ".bin");
                  return staging
                      .put(bucket, key, body, contentType, ctx)
                      .thenApply(x -> URI.create("s3://" + bucket + "/" + key));
                });
    CompletableFuture<InferenceResponse> result =
        staged
            .thenCompose(
                input -> {
                  checkCancelled(ctx);
                  ctx.progress("submitting inference " + inferenceId + " to " + endpoint, 0.1);
                  InvokeEndpointAsyncRequest.Builder b =
                      InvokeEndpointAsyncRequest.builder()
                          .endpointName(endpoint)
                          .inputLocation(input.toString())
                          .contentType(contentType)
                          .inferenceId(inferenceId)
                          .overrideConfiguration(timeout(ctx));
                  if (request.payload().isEmpty()) {
                    b.accept(JSON);
                  }
                  if (attributes != null) {
                    b.customAttributes(String.valueOf(attributes));
                  }
                  if (ctx.deadline().isFinite()) {
                    long left = Math.max(1, ctx.deadline().remaining().toSeconds());
                    b.requestTTLSeconds(
                            (int)
                                Math.min(
                                    MAX_REQUEST_TTL_SECONDS,
                                    Math.max(MIN_REQUEST_TTL_SECONDS, left)))
                        .invocationTimeoutSeconds(
                            (int) Math.min(MAX_INVOCATION_TIMEOUT_SECONDS, left));
                  }
                  InvokeEndpointAsyncRequest invoke = b.build();
                  return AwsErrors.WIRE.call(
                      "InvokeEndpointAsync on endpoint '" + endpoint + "'",
                      () -> runtime.invokeEndpointAsync(invoke));
                })
            .thenCompose(r -> awaitResult(endpoint, inferenceId, r, ctx))
            .thenApply(out -> toAsyncResponse(request, inferenceId, out));
    // Whatever the outcome (result, failure, timeout, cancellation), the staged input goes once
    // it is written: a request still queued then fails on SageMaker instead of running.
    result.whenComplete(
        (v, e) ->
            staged.whenComplete(
                (input, pe) -> {
                  if (input != null) {
                    staging.deleteQuietly(input.getHost(), S3Staging.key(input));
                  }
                }));
    return result;
  }

  /** The S3 object SageMaker wrote for an asynchronous inference. */
  private record AsyncOutcome(
      URI location, ResponseBytes<GetObjectResponse> object, boolean failed) {
    boolean done() {
      return object != null;
    }
  }

  private CompletableFuture<AsyncOutcome> awaitResult(
      String endpoint, String inferenceId, InvokeEndpointAsyncResponse r, CallContext ctx) {
    if (r.outputLocation() == null) {
      return CompletableFuture.failedFuture(
          AwsErrors.error(
              ErrorCategory.INTERNAL,
              "InvokeEndpointAsync on endpoint '"
                  + endpoint
                  + "' accepted inference "
                  + inferenceId
                  + " but named no output location"));
    }
    URI output = URI.create(r.outputLocation());
    URI failure = r.failureLocation() != null ? URI.create(r.failureLocation()) : null;
    String id = r.inferenceId() != null ? r.inferenceId() : inferenceId;
    ctx.progress("inference " + id + " is queued on endpoint " + endpoint, 0.2);
    Duration interval =
        options.pollInterval().compareTo(MAX_RESULT_POLL_INTERVAL) < 0
            ? options.pollInterval()
            : MAX_RESULT_POLL_INTERVAL;
    return Polling.until(
            () ->
                staging
                    .getIfExists(output, ctx)
                    .thenCompose(
                        o -> {
                          if (o.isPresent() || failure == null) {
                            return CompletableFuture.completedFuture(
                                new AsyncOutcome(output, o.orElse(null), false));
                          }
                          return staging
                              .getIfExists(failure, ctx)
                              .thenApply(f -> new AsyncOutcome(failure, f.orElse(null), true));
                        }),
            AsyncOutcome::done,
            o ->
                "inference "
                    + id
                    + " is queued or running on endpoint "
                    + endpoint
                    + "; its result goes to "
                    + output,
            interval,
            ctx,
            context.scheduler())
        .thenApply(
            o -> {
              if (o.failed) {
                throw AwsErrors.error(
                    ErrorCategory.MODEL_ERROR,
                    "asynchronous inference "
                        + id
                        + " on endpoint '"
                        + endpoint
                        + "' failed in the model container: "
                        + failureText(o.object.asByteArray())
                        + " (failure written to "
                        + o.location
                        + ")");
              }
              ctx.progress("inference " + id + " finished", 1.0);
              return o;
            });
  }

  static String failureText(byte[] bytes) {
    String text = new String(bytes, StandardCharsets.UTF_8).strip();
    if (text.isEmpty()) {
      return "(empty failure object)";
    }
    return text.length() <= MAX_FAILURE_TEXT
        ? text
        : text.substring(0, MAX_FAILURE_TEXT) + "... (" + text.length() + " characters)";
  }

  private static InferenceResponse toAsyncResponse(
      InferenceRequest request, String inferenceId, AsyncOutcome out) {
    byte[] body = out.object.asByteArray();
    InferenceResponse.Builder b;
    if (request.payload().isPresent()) {
      String type = out.object.response().contentType();
      b =
          InferenceResponse.builder()
              .payload(Payload.of(body, type != null ? type : "application/octet-stream"));
    } else {
      b = OipJson.readResponse(body).toBuilder();
    }
    return b.id(inferenceId)
        .parameter(AwsParameters.OUTPUT_LOCATION, out.location.toString())
        .build();
  }

  /** SageMaker's InferenceId: 1-64 printable ASCII characters. */
  private static boolean isInferenceId(String id) {
    return !id.isEmpty() && id.length() <= 64 && id.chars().allMatch(c -> c > 32 && c < 127);
  }

  /** Where asynchronous inference objects of an endpoint go under the staging prefix. */
  private String asyncPrefix(String endpoint) {
    return options.stagingPrefix() + "/async/" + endpoint + "/";
  }

  private CompletableFuture<AsyncInferenceConfig> asyncConfig(
      String endpoint, AsyncInference a, CallContext ctx) {
    boolean defaults = a.outputLocation().isEmpty() || a.failureLocation().isEmpty();
    CompletableFuture<String> bucket =
        defaults ? stagingBucket(ctx) : CompletableFuture.completedFuture(null);
    return bucket.thenApply(
        b -> {
          String base = "s3://" + b + "/" + asyncPrefix(endpoint);
          AsyncInferenceOutputConfig.Builder out =
              AsyncInferenceOutputConfig.builder()
                  .s3OutputPath(a.outputLocation().map(URI::toString).orElse(base + "output/"))
                  .s3FailurePath(a.failureLocation().map(URI::toString).orElse(base + "failure/"));
          options.kmsKeyId().ifPresent(out::kmsKeyId);
          AsyncInferenceConfig.Builder c = AsyncInferenceConfig.builder().outputConfig(out.build());
          a.maxConcurrentInvocationsPerInstance()
              .ifPresent(m -> c.clientConfig(cc -> cc.maxConcurrentInvocationsPerInstance(m)));
          return c.build();
        });
  }

  private static AsyncInference fromConfig(AsyncInferenceConfig c) {
    AsyncInference.Builder b = AsyncInference.builder();
    AsyncInferenceOutputConfig out = c.outputConfig();
    if (out != null) {
      b.outputLocation(location(out.s3OutputPath())).failureLocation(location(out.s3FailurePath()));
    }
    if (c.clientConfig() != null
        && c.clientConfig().maxConcurrentInvocationsPerInstance() != null) {
      b.maxConcurrentInvocationsPerInstance(c.clientConfig().maxConcurrentInvocationsPerInstance());
    }
    try {
      return b.build();
    } catch (RuntimeException e) {
      // Reported settings serve4j would refuse (a concurrency out of range): the endpoint is still
      // asynchronous.
      return AsyncInference.defaults();
    }
  }

  private static URI location(String s) {
    if (s == null || s.isEmpty()) {
      return null;
    }
    try {
      URI u = URI.create(s);
      return u.isAbsolute() && !u.isOpaque() ? u : null;
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  // ---------------------------------------------------------------- batch transform

  @Override
  public CompletableFuture<BatchJobDescription> runBatchJob(BatchJobSpec spec, CallContext ctx) {
    String role;
    String instanceType;
    String image;
    try {
      role = role();
      requireS3(spec.input(), "batch input");
      requireS3(spec.output(), "batch output");
      Accelerator acc = spec.accelerator() != null ? spec.accelerator() : Accelerator.defaultCpu();
      instanceType = batchInstanceType(acc);
      image = image(spec.model(), acc);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    String job = spec.name();
    String modelName = trim(job, 50) + "-" + suffix();
    String contentType =
        spec.contentType() != null
            ? spec.contentType()
            : spec.model().format() == ModelFormat.ONNX ? JSON : "application/octet-stream";
    boolean lines = spec.splitType() == BatchJobSpec.SplitType.LINE;
    Accelerator acc = spec.accelerator() != null ? spec.accelerator() : Accelerator.defaultCpu();
    CompletableFuture<BatchJobDescription> result =
        staging
            .stage(spec.model(), null, acc.kind(), ctx)
            .thenCompose(data -> createModel(modelName, spec.model(), image, data, role, ctx))
            .thenCompose(
                x ->
                    AwsErrors.WIRE.call(
                        "CreateTransformJob " + job,
                        () ->
                            sm.createTransformJob(
                                r ->
                                    r.transformJobName(job)
                                        .modelName(modelName)
                                        .batchStrategy(
                                            lines
                                                ? BatchStrategy.MULTI_RECORD
                                                : BatchStrategy.SINGLE_RECORD)
                                        .transformInput(
                                            in ->
                                                in.contentType(contentType)
                                                    .splitType(
                                                        lines ? SplitType.LINE : SplitType.NONE)
                                                    .dataSource(
                                                        ds ->
                                                            ds.s3DataSource(
                                                                s3ds ->
                                                                    s3ds.s3DataType(
                                                                            S3DataType.S3_PREFIX)
                                                                        .s3Uri(
                                                                            spec.input()
                                                                                .toString()))))
                                        .transformOutput(
                                            out -> {
                                              out.s3OutputPath(spec.output().toString())
                                                  .accept(contentType);
                                              if (lines) {
                                                out.assembleWith("Line");
                                              }
                                              options.kmsKeyId().ifPresent(out::kmsKeyId);
                                            })
                                        .transformResources(
                                            res ->
                                                res.instanceType(instanceType)
                                                    .instanceCount(spec.instances()))
                                        .tags(tags(Map.of()))
                                        .overrideConfiguration(timeout(ctx)))))
            .thenCompose(
                x ->
                    Polling.until(
                        () -> describeJobRaw(sm, job, ctx),
                        j -> isTerminal(j.transformJobStatus()),
                        j -> "transform job " + job + " is " + j.transformJobStatusAsString(),
                        options.pollInterval(),
                        ctx,
                        context.scheduler()))
            .thenApply(AwsProviderClient::toBatch);
    result.whenComplete(
        (v, e) -> {
          if (result.isCancelled() || (e != null && ctx.isCancelled())) {
            AwsErrors.WIRE.call(
                "StopTransformJob " + job,
                () ->
                    sm.stopTransformJob(
                        r ->
                            r.transformJobName(job)
                                .overrideConfiguration(AwsCalls.cleanupTimeout())));
          }
          if (v != null || e != null) {
            AwsErrors.WIRE.call(
                "DeleteModel " + modelName,
                () ->
                    sm.deleteModel(
                        r ->
                            r.modelName(modelName)
                                .overrideConfiguration(AwsCalls.cleanupTimeout())));
          }
        });
    return result;
  }

  @Override
  public CompletableFuture<BatchJobDescription> describeBatchJob(String name, CallContext ctx) {
    // Core retries describeBatchJob: no SDK retries underneath.
    return describeJobRaw(smOnce, name, ctx).thenApply(AwsProviderClient::toBatch);
  }

  private static CompletableFuture<DescribeTransformJobResponse> describeJobRaw(
      SageMakerAsyncClient client, String job, CallContext ctx) {
    return AwsErrors.WIRE.call(
        "DescribeTransformJob " + job,
        () ->
            client.describeTransformJob(
                r -> r.transformJobName(job).overrideConfiguration(timeout(ctx))));
  }

  private static boolean isTerminal(TransformJobStatus s) {
    return s == TransformJobStatus.COMPLETED
        || s == TransformJobStatus.FAILED
        || s == TransformJobStatus.STOPPED;
  }

  private static BatchJobDescription toBatch(DescribeTransformJobResponse j) {
    BatchJobStatus status =
        switch (j.transformJobStatusAsString()) {
          case "Completed" -> BatchJobStatus.SUCCEEDED;
          case "Failed" -> BatchJobStatus.FAILED;
          case "Stopped", "Stopping" -> BatchJobStatus.CANCELLED;
          default -> BatchJobStatus.RUNNING;
        };
    Map<String, String> details = new LinkedHashMap<>();
    if (j.transformJobArn() != null) {
      details.put("transformJobArn", j.transformJobArn());
    }
    if (j.modelName() != null) {
      details.put("modelName", j.modelName());
    }
    URI output =
        j.transformOutput() != null && j.transformOutput().s3OutputPath() != null
            ? URI.create(j.transformOutput().s3OutputPath())
            : null;
    return new BatchJobDescription(
        j.transformJobName(), status, output, j.failureReason(), details);
  }

  // ---------------------------------------------------------------- close

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

  // ---------------------------------------------------------------- planning

  /** One production or shadow variant to create. */
  record VariantPlan(
      DeploymentSpec deployment,
      String variantName,
      String modelName,
      String instanceType,
      String image,
      float weight,
      boolean shadow) {}

  /** What an endpoint spec becomes on SageMaker. */
  record Plan(EndpointSpec spec, String configName, String role, List<VariantPlan> variants) {}

  Plan plan(EndpointSpec spec) {
    String role = role();
    String suffix = suffix();
    String shadowName = spec.mirror().map(Mirror::deployment).orElse(null);
    long production = spec.deployments().stream().filter(d -> !d.name().equals(shadowName)).count();
    if (shadowName != null && production != 1) {
      throw AwsErrors.clientError(
          ErrorCategory.INVALID_INPUT,
          "SageMaker shadow testing needs exactly one production variant beside the shadow;"
              + " endpoint '"
              + spec.name()
              + "' has "
              + production);
    }
    spec.asyncInference().ifPresent(a -> checkAsync(spec, a));
    List<VariantPlan> variants = new ArrayList<>();
    for (DeploymentSpec d : spec.deployments()) {
      boolean shadow = d.name().equals(shadowName);
      String instanceType = AwsOfferings.resolve(d.accelerator()).sku();
      String image = image(d.model(), d.accelerator());
      float weight =
          shadow ? spec.mirror().get().percent() : spec.traffic().getOrDefault(d.name(), 0);
      variants.add(
          new VariantPlan(
              d,
              d.name(),
              trim(spec.name(), 30) + "-" + trim(safe(d.name()), 20) + "-" + suffix,
              instanceType,
              image,
              weight,
              shadow));
    }
    return new Plan(spec, trim(spec.name(), 50) + "-" + suffix, role, variants);
  }

  /**
   * What SageMaker refuses with an asynchronous endpoint config, refused before any call: shadow
   * variants (SageMaker's shadow tests exclude asynchronous inference) and more than one production
   * variant (an asynchronous endpoint config takes a single instance-based variant, and
   * InvokeEndpointAsync has no target variant); result locations must be in S3.
   */
  private static void checkAsync(EndpointSpec spec, AsyncInference a) {
    String name = "asynchronous endpoint '" + spec.name() + "'";
    if (spec.mirror().isPresent()) {
      throw AwsErrors.clientError(
          ErrorCategory.INVALID_INPUT,
          name
              + " cannot have a mirror: SageMaker shadow variants do not support asynchronous"
              + " inference");
    }
    if (spec.deployments().size() != 1) {
      throw AwsErrors.clientError(
          ErrorCategory.INVALID_INPUT,
          name
              + " must have exactly one deployment, has "
              + spec.deployments().size()
              + ": SageMaker takes a single production variant in an asynchronous endpoint config"
              + " and InvokeEndpointAsync cannot route between variants");
    }
    a.outputLocation().ifPresent(u -> requireS3(u, "asyncInference outputLocation of " + name));
    a.failureLocation().ifPresent(u -> requireS3(u, "asyncInference failureLocation of " + name));
  }

  private String image(Model model, Accelerator accelerator) {
    if (model.image().isPresent()) {
      return model.image().get();
    }
    if (model.format() != ModelFormat.ONNX) {
      throw AwsErrors.clientError(
          ErrorCategory.INVALID_INPUT,
          "model '"
              + model.name()
              + "' of format "
              + model.format()
              + " needs an explicit serving image (Model.Builder.image); only ONNX has a default"
              + " (SageMaker's Triton)");
    }
    if (accelerator.kind() == DeviceKind.INFERENTIA) {
      throw AwsErrors.clientError(
          ErrorCategory.INVALID_INPUT,
          "model '"
              + model.name()
              + "' on Inferentia needs an explicit Neuron serving image; Triton's default image"
              + " does not run ONNX on Inferentia");
    }
    return options.onnxImage().orElseGet(() -> TritonImages.uri(region.id()));
  }

  private String role() {
    return options
        .executionRoleArn()
        .orElseThrow(
            () ->
                AwsErrors.clientError(
                    ErrorCategory.INVALID_INPUT,
                    "SageMaker needs an execution role: set AwsOptions.executionRoleArn or"
                        + " aws://<region>?role=<arn>"));
  }

  private static String batchInstanceType(Accelerator acc) {
    String sku = AwsOfferings.resolve(acc).sku();
    // Batch transform has no burstable (t2/t3) instances.
    return sku.startsWith("ml.t2.") || sku.startsWith("ml.t3.") ? "ml.m5.large" : sku;
  }

  private CompletableFuture<Void> createModels(Plan plan, List<String> made, CallContext ctx) {
    List<CompletableFuture<Void>> all = new ArrayList<>();
    ctx.progress("staging models of " + plan.spec.name(), 0.05);
    // Deployments of the same model with the same packaging share one upload.
    Map<List<Object>, CompletableFuture<Optional<String>>> staged = new LinkedHashMap<>();
    for (VariantPlan v : plan.variants) {
      DeploymentSpec d = v.deployment;
      DeviceKind kind = d.accelerator().kind() == DeviceKind.GPU ? DeviceKind.GPU : DeviceKind.CPU;
      all.add(
          staged
              .computeIfAbsent(
                  java.util.Arrays.asList(d.model(), d.batching().orElse(null), kind),
                  k -> staging.stage(d.model(), d.batching().orElse(null), kind, ctx))
              .thenCompose(
                  data -> {
                    checkCancelled(ctx);
                    return createModel(v.modelName, d.model(), v.image, data, plan.role, ctx);
                  })
              .thenApply(
                  x -> {
                    synchronized (made) {
                      made.add(v.modelName);
                    }
                    return null;
                  }));
    }
    return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new));
  }

  private CompletableFuture<Void> createModel(
      String name, Model model, String image, Optional<String> data, String role, CallContext ctx) {
    Map<String, String> env = new LinkedHashMap<>(model.environment());
    if (model.format() == ModelFormat.ONNX) {
      env.putIfAbsent(ENV_TRITON_MODEL, ModelArchive.modelName(model.name()));
    }
    env.put(ENV_MODEL, model.name());
    env.put(ENV_MODEL_VERSION, model.version());
    model.signature().ifPresent(s -> SignatureEnv.put(env, s));
    ContainerDefinition.Builder c = ContainerDefinition.builder().image(image).environment(env);
    data.ifPresent(c::modelDataUrl);
    Map<String, String> t = new LinkedHashMap<>(model.tags());
    return AwsErrors.WIRE
        .call(
            "CreateModel " + name,
            () ->
                sm.createModel(
                    r -> {
                      r.modelName(name)
                          .executionRoleArn(role)
                          .primaryContainer(c.build())
                          .tags(tags(t))
                          .overrideConfiguration(timeout(ctx));
                      options
                          .vpcConfig()
                          .ifPresent(
                              v ->
                                  r.vpcConfig(
                                      VpcConfig.builder()
                                          .securityGroupIds(v.securityGroupIds())
                                          .subnets(v.subnetIds())
                                          .build()));
                    }))
        .thenApply(x -> null);
  }

  private CompletableFuture<Void> createConfig(Plan plan, CallContext ctx) {
    checkCancelled(ctx);
    return plan.spec
        .asyncInference()
        .map(a -> asyncConfig(plan.spec.name(), a, ctx))
        .orElse(CompletableFuture.completedFuture(null))
        .thenCompose(async -> createConfig(plan, async, ctx));
  }

  private CompletableFuture<Void> createConfig(
      Plan plan, AsyncInferenceConfig async, CallContext ctx) {
    List<ProductionVariant> production = new ArrayList<>();
    List<ProductionVariant> shadows = new ArrayList<>();
    for (VariantPlan v : plan.variants) {
      ProductionVariant pv =
          ProductionVariant.builder()
              .variantName(v.variantName)
              .modelName(v.modelName)
              .instanceType(v.instanceType)
              .initialInstanceCount(v.deployment.scaling().initialInstances())
              .initialVariantWeight(v.weight)
              .build();
      (v.shadow ? shadows : production).add(pv);
    }
    return AwsErrors.WIRE
        .call(
            "CreateEndpointConfig " + plan.configName,
            () ->
                sm.createEndpointConfig(
                    r -> {
                      r.endpointConfigName(plan.configName)
                          .productionVariants(production)
                          .tags(tags(plan.spec.tags()))
                          .overrideConfiguration(timeout(ctx));
                      if (!shadows.isEmpty()) {
                        r.shadowProductionVariants(shadows);
                      }
                      if (async != null) {
                        r.asyncInferenceConfig(async);
                      }
                      options.kmsKeyId().ifPresent(r::kmsKeyId);
                      options
                          .dataCapture()
                          .ifPresent(
                              dc ->
                                  r.dataCaptureConfig(
                                      DataCaptureConfig.builder()
                                          .enableCapture(true)
                                          .initialSamplingPercentage(dc.samplingPercent())
                                          .destinationS3Uri(dc.destination().toString())
                                          .kmsKeyId(options.kmsKeyId().orElse(null))
                                          .captureOptions(
                                              CaptureOption.builder()
                                                  .captureMode(CaptureMode.INPUT)
                                                  .build(),
                                              CaptureOption.builder()
                                                  .captureMode(CaptureMode.OUTPUT)
                                                  .build())
                                          .build()));
                    }))
        .thenApply(x -> null);
  }

  private static DeploymentConfig deployment(AwsUpdatePolicy p) {
    TrafficRoutingConfig.Builder routing =
        TrafficRoutingConfig.builder().waitIntervalInSeconds((int) p.waitInterval().toSeconds());
    CapacitySize step =
        CapacitySize.builder()
            .type(CapacitySizeType.CAPACITY_PERCENT)
            .value(p.stepPercent())
            .build();
    switch (p.type()) {
      case ALL_AT_ONCE -> routing.type(TrafficRoutingConfigType.ALL_AT_ONCE);
      case CANARY -> routing.type(TrafficRoutingConfigType.CANARY).canarySize(step);
      case LINEAR -> routing.type(TrafficRoutingConfigType.LINEAR).linearStepSize(step);
    }
    DeploymentConfig.Builder b =
        DeploymentConfig.builder()
            .blueGreenUpdatePolicy(
                BlueGreenUpdatePolicy.builder()
                    .trafficRoutingConfiguration(routing.build())
                    .terminationWaitInSeconds((int) p.terminationWait().toSeconds())
                    .build());
    if (!p.rollbackAlarms().isEmpty()) {
      b.autoRollbackConfiguration(
          AutoRollbackConfig.builder()
              .alarms(
                  p.rollbackAlarms().stream()
                      .map(a -> Alarm.builder().alarmName(a).build())
                      .toList())
              .build());
    }
    return b.build();
  }

  // ---------------------------------------------------------------- autoscaling

  static String resourceId(String endpoint, String variant) {
    return "endpoint/" + endpoint + "/variant/" + variant;
  }

  private CompletableFuture<Void> registerAutoscaling(Plan plan, CallContext ctx) {
    CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
    for (VariantPlan v : plan.variants) {
      if (v.shadow || !v.deployment.scaling().isAutoscaling()) {
        continue;
      }
      String resource = resourceId(plan.spec.name(), v.variantName);
      var s = v.deployment.scaling();
      chain =
          chain
              .thenCompose(
                  x ->
                      AwsErrors.WIRE.call(
                          "RegisterScalableTarget " + resource,
                          () ->
                              scaling.registerScalableTarget(
                                  r ->
                                      r.serviceNamespace(ServiceNamespace.SAGEMAKER)
                                          .resourceId(resource)
                                          .scalableDimension(
                                              ScalableDimension
                                                  .SAGEMAKER_VARIANT_DESIRED_INSTANCE_COUNT)
                                          .minCapacity(Math.max(1, s.minInstances()))
                                          .maxCapacity(s.maxInstances())
                                          .overrideConfiguration(timeout(ctx)))))
              .thenCompose(
                  x ->
                      AwsErrors.WIRE.call(
                          "PutScalingPolicy " + resource,
                          () ->
                              scaling.putScalingPolicy(
                                  r ->
                                      r.policyName("serve4j-" + v.variantName + "-target-tracking")
                                          .serviceNamespace(ServiceNamespace.SAGEMAKER)
                                          .resourceId(resource)
                                          .scalableDimension(
                                              ScalableDimension
                                                  .SAGEMAKER_VARIANT_DESIRED_INSTANCE_COUNT)
                                          .policyType(PolicyType.TARGET_TRACKING_SCALING)
                                          .targetTrackingScalingPolicyConfiguration(
                                              tracking(
                                                  plan.spec.name(),
                                                  v.variantName,
                                                  s.metric().orElseThrow(),
                                                  s.target(),
                                                  plan.spec.asyncInference().isPresent()))
                                          .overrideConfiguration(timeout(ctx)))))
              .thenApply(x -> null);
    }
    return chain;
  }

  /**
   * The target tracking of one variant. On an asynchronous endpoint, invocations per instance
   * become the queue's {@code ApproximateBacklogSizePerInstance} (namespace {@code AWS/SageMaker},
   * dimension {@code EndpointName}), the metric SageMaker's documentation tracks to autoscale
   * asynchronous endpoints; the target is then queued requests per instance.
   */
  private static TargetTrackingScalingPolicyConfiguration tracking(
      String endpoint, String variant, ScalingMetric metric, double target, boolean async) {
    TargetTrackingScalingPolicyConfiguration.Builder b =
        TargetTrackingScalingPolicyConfiguration.builder().targetValue(target);
    if (metric == ScalingMetric.INVOCATIONS_PER_INSTANCE && async) {
      return b.customizedMetricSpecification(
              CustomizedMetricSpecification.builder()
                  .metricName("ApproximateBacklogSizePerInstance")
                  .namespace("AWS/SageMaker")
                  .dimensions(
                      MetricDimension.builder().name("EndpointName").value(endpoint).build())
                  .statistic(MetricStatistic.AVERAGE)
                  .build())
          .build();
    }
    if (metric == ScalingMetric.INVOCATIONS_PER_INSTANCE) {
      return b.predefinedMetricSpecification(
              PredefinedMetricSpecification.builder()
                  .predefinedMetricType(MetricType.SAGE_MAKER_VARIANT_INVOCATIONS_PER_INSTANCE)
                  .build())
          .build();
    }
    String name = metric == ScalingMetric.CPU_UTILIZATION ? "CPUUtilization" : "GPUUtilization";
    return b.customizedMetricSpecification(
            CustomizedMetricSpecification.builder()
                .metricName(name)
                .namespace("/aws/sagemaker/Endpoints")
                .dimensions(
                    MetricDimension.builder().name("EndpointName").value(endpoint).build(),
                    MetricDimension.builder().name("VariantName").value(variant).build())
                .statistic(MetricStatistic.AVERAGE)
                .unit("Percent")
                .build())
        .build();
  }

  private CompletableFuture<Void> deregisterAutoscaling(
      String endpoint, List<String> variants, CallContext ctx) {
    if (variants.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    List<String> ids = variants.stream().map(v -> resourceId(endpoint, v)).toList();
    return AwsErrors.WIRE
        .call(
            "DescribeScalableTargets " + endpoint,
            () ->
                scaling.describeScalableTargets(
                    r ->
                        r.serviceNamespace(ServiceNamespace.SAGEMAKER)
                            .resourceIds(ids)
                            .scalableDimension(
                                ScalableDimension.SAGEMAKER_VARIANT_DESIRED_INSTANCE_COUNT)
                            .overrideConfiguration(timeout(ctx))))
        .thenCompose(
            found -> {
              CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
              for (ScalableTarget t : found.scalableTargets()) {
                chain =
                    chain
                        .thenCompose(
                            x ->
                                AwsErrors.WIRE.call(
                                    "DeregisterScalableTarget " + t.resourceId(),
                                    () ->
                                        scaling.deregisterScalableTarget(
                                            r ->
                                                r.serviceNamespace(ServiceNamespace.SAGEMAKER)
                                                    .resourceId(t.resourceId())
                                                    .scalableDimension(t.scalableDimension())
                                                    .overrideConfiguration(timeout(ctx)))))
                        .thenApply(x -> null);
              }
              return chain;
            });
  }

  // ---------------------------------------------------------------- waiting and describing

  private CompletableFuture<DescribeEndpointResponse> describeRaw(String name, CallContext ctx) {
    return describeRaw(sm, name, ctx);
  }

  private static CompletableFuture<DescribeEndpointResponse> describeRaw(
      SageMakerAsyncClient client, String name, CallContext ctx) {
    return AwsErrors.WIRE.call(
        "DescribeEndpoint " + name,
        () ->
            client.describeEndpoint(r -> r.endpointName(name).overrideConfiguration(timeout(ctx))));
  }

  private CompletableFuture<DescribeEndpointConfigResponse> describeConfig(
      String config, CallContext ctx) {
    return describeConfig(sm, config, ctx);
  }

  private static CompletableFuture<DescribeEndpointConfigResponse> describeConfig(
      SageMakerAsyncClient client, String config, CallContext ctx) {
    return AwsErrors.WIRE.call(
        "DescribeEndpointConfig " + config,
        () ->
            client.describeEndpointConfig(
                r -> r.endpointConfigName(config).overrideConfiguration(timeout(ctx))));
  }

  private CompletableFuture<DescribeEndpointResponse> awaitStable(String name, CallContext ctx) {
    return Polling.until(
        () -> describeRaw(name, ctx),
        d -> !transitional(d.endpointStatusAsString()),
        d -> "endpoint " + name + " is " + d.endpointStatusAsString(),
        options.pollInterval(),
        ctx,
        context.scheduler());
  }

  private CompletableFuture<Boolean> awaitGone(String name, CallContext ctx) {
    return Polling.until(
        () ->
            describeRaw(name, ctx)
                .handle(
                    (d, e) -> {
                      if (e == null) {
                        return false;
                      }
                      if (AwsErrors.isNotFound(e)) {
                        return true;
                      }
                      throw AwsErrors.map("DescribeEndpoint " + name, e);
                    }),
        gone -> gone,
        gone -> "endpoint " + name + " is being deleted",
        options.pollInterval(),
        ctx,
        context.scheduler());
  }

  private static boolean transitional(String status) {
    return switch (status == null ? "" : status) {
      case "Creating", "Updating", "SystemUpdating", "RollingBack", "Deleting" -> true;
      default -> false;
    };
  }

  private CompletableFuture<Void> requireInService(DescribeEndpointResponse d, String config) {
    if (!"InService".equals(d.endpointStatusAsString())) {
      return CompletableFuture.failedFuture(
          AwsErrors.error(
              ErrorCategory.MODEL_LOAD,
              "endpoint '"
                  + d.endpointName()
                  + "' is "
                  + d.endpointStatusAsString()
                  + (d.failureReason() != null ? ": " + d.failureReason() : "")));
    }
    if (config != null && !config.equals(d.endpointConfigName())) {
      return CompletableFuture.failedFuture(
          AwsErrors.error(
              ErrorCategory.MODEL_LOAD,
              "update of endpoint '"
                  + d.endpointName()
                  + "' was rolled back to "
                  + d.endpointConfigName()
                  + (d.failureReason() != null ? ": " + d.failureReason() : "")));
    }
    return CompletableFuture.completedFuture(null);
  }

  private EndpointDescription toDescription(
      DescribeEndpointResponse e,
      DescribeEndpointConfigResponse c,
      List<DescribeModelResponse> models) {
    EndpointStatus status = status(e.endpointStatusAsString());
    Map<String, ProductionVariantSummary> live = new LinkedHashMap<>();
    for (ProductionVariantSummary s : e.productionVariants()) {
      live.put(s.variantName(), s);
    }
    for (ProductionVariantSummary s : e.shadowProductionVariants()) {
      live.put(s.variantName(), s);
    }
    Map<String, Float> weights = new LinkedHashMap<>();
    List<ProductionVariant> all = allVariants(c);
    EndpointDescription.Builder b =
        EndpointDescription.builder()
            .name(e.endpointName())
            .status(status)
            .url(invocationUrl(e.endpointName()))
            .detail("endpointArn", String.valueOf(e.endpointArn()))
            .detail("endpointConfigName", String.valueOf(e.endpointConfigName()));
    if (e.failureReason() != null) {
      b.failureReason(e.failureReason());
    }
    for (int i = 0; i < all.size(); i++) {
      ProductionVariant v = all.get(i);
      ProductionVariantSummary s = live.get(v.variantName());
      DescribeModelResponse m = models.get(i);
      Map<String, String> env =
          m != null && m.primaryContainer() != null ? m.primaryContainer().environment() : Map.of();
      int instances =
          s != null && s.currentInstanceCount() != null
              ? s.currentInstanceCount()
              : v.initialInstanceCount() != null ? v.initialInstanceCount() : 0;
      DeploymentDescription.Builder d =
          DeploymentDescription.builder()
              .name(v.variantName())
              .modelName(env.getOrDefault(ENV_MODEL, v.modelName()))
              .status(status)
              .instances(instances)
              .detail("sagemakerModel", v.modelName());
      if (env.containsKey(ENV_MODEL_VERSION)) {
        d.modelVersion(env.get(ENV_MODEL_VERSION));
      }
      if (v.instanceType() != null) {
        d.instanceType(v.instanceTypeAsString());
      }
      if (m != null && m.primaryContainer() != null && m.primaryContainer().image() != null) {
        d.detail("image", m.primaryContainer().image());
      }
      SignatureEnv.read(env).ifPresent(d::signature);
      b.deployment(d.build());
      if (i < c.productionVariants().size()) {
        float w =
            s != null && s.currentWeight() != null
                ? s.currentWeight()
                : v.initialVariantWeight() != null ? v.initialVariantWeight() : 0f;
        weights.put(v.variantName(), w);
      }
    }
    b.traffic(percentages(weights));
    mirrorOf(c, live).ifPresent(b::mirror);
    if (c.asyncInferenceConfig() != null) {
      b.asyncInference(fromConfig(c.asyncInferenceConfig()));
    }
    return b.build();
  }

  private static Optional<Mirror> mirrorOf(DescribeEndpointConfigResponse c) {
    return mirrorOf(c, Map.of());
  }

  private static Optional<Mirror> mirrorOf(
      DescribeEndpointConfigResponse c, Map<String, ProductionVariantSummary> live) {
    if (!c.hasShadowProductionVariants() || c.shadowProductionVariants().isEmpty()) {
      return Optional.empty();
    }
    ProductionVariant shadow = c.shadowProductionVariants().get(0);
    double prod = 0;
    for (ProductionVariant v : c.productionVariants()) {
      prod += weightOf(v, live);
    }
    double sw = weightOf(shadow, live);
    int percent = prod <= 0 ? 100 : (int) Math.round(Math.min(1.0, sw / prod) * 100);
    return Optional.of(new Mirror(shadow.variantName(), Math.max(1, percent)));
  }

  private static double weightOf(ProductionVariant v, Map<String, ProductionVariantSummary> live) {
    ProductionVariantSummary s = live.get(v.variantName());
    if (s != null && s.currentWeight() != null) {
      return s.currentWeight();
    }
    return v.initialVariantWeight() != null ? v.initialVariantWeight() : 0;
  }

  /** Turns SageMaker's relative weights into percentages summing to 100. */
  static Map<String, Integer> percentages(Map<String, Float> weights) {
    double sum = weights.values().stream().mapToDouble(Float::doubleValue).sum();
    Map<String, Integer> out = new LinkedHashMap<>();
    if (sum <= 0) {
      weights.keySet().forEach(k -> out.put(k, 0));
      return out;
    }
    int total = 0;
    String largest = null;
    for (Map.Entry<String, Float> w : weights.entrySet()) {
      int p = (int) Math.round(w.getValue() * 100.0 / sum);
      out.put(w.getKey(), p);
      total += p;
      if (largest == null || w.getValue() > weights.get(largest)) {
        largest = w.getKey();
      }
    }
    if (total != 100 && largest != null) {
      out.put(largest, out.get(largest) + 100 - total);
    }
    return out;
  }

  private static List<ProductionVariant> allVariants(DescribeEndpointConfigResponse c) {
    List<ProductionVariant> all = new ArrayList<>(c.productionVariants());
    if (c.hasShadowProductionVariants()) {
      all.addAll(c.shadowProductionVariants());
    }
    return all;
  }

  private static List<String> variantNames(DescribeEndpointConfigResponse c) {
    return c.productionVariants().stream().map(ProductionVariant::variantName).toList();
  }

  private static List<String> modelNames(DescribeEndpointConfigResponse c) {
    return allVariants(c).stream().map(ProductionVariant::modelName).distinct().toList();
  }

  static EndpointStatus status(String s) {
    return switch (s == null ? "" : s) {
      case "Creating" -> EndpointStatus.CREATING;
      case "Updating", "SystemUpdating", "RollingBack" -> EndpointStatus.UPDATING;
      case "InService" -> EndpointStatus.IN_SERVICE;
      case "Deleting" -> EndpointStatus.DELETING;
      default -> EndpointStatus.FAILED;
    };
  }

  private URI invocationUrl(String endpoint) {
    URI override = options.endpointOverrides().get(AwsService.SAGEMAKER_RUNTIME);
    String base =
        override != null
            ? override.toString().replaceAll("/$", "")
            : "https://runtime.sagemaker." + region.id() + "." + dnsSuffix();
    return URI.create(base + "/endpoints/" + endpoint + "/invocations");
  }

  private String dnsSuffix() {
    return region.id().startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
  }

  // ---------------------------------------------------------------- helpers

  private CompletableFuture<Void> deleteQuietly(
      String config, List<String> models, CallContext ctx) {
    List<CompletableFuture<?>> all = new ArrayList<>();
    if (config != null) {
      all.add(
          AwsErrors.WIRE
              .call(
                  "DeleteEndpointConfig " + config,
                  () ->
                      sm.deleteEndpointConfig(
                          r -> r.endpointConfigName(config).overrideConfiguration(timeout(ctx))))
              .handle((v, e) -> null));
    }
    for (String m : models) {
      all.add(
          AwsErrors.WIRE
              .call(
                  "DeleteModel " + m,
                  () -> sm.deleteModel(r -> r.modelName(m).overrideConfiguration(timeout(ctx))))
              .handle((v, e) -> null));
    }
    return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new));
  }

  private void cleanUp(String config, List<String> models) {
    List<String> copy;
    synchronized (models) {
      copy = List.copyOf(models);
    }
    deleteQuietly(config, copy, AwsCalls.cleanupContext());
  }

  private static AwsRequestOverrideConfiguration timeout(CallContext ctx) {
    return AwsCalls.timeout(ctx);
  }

  private static void checkCancelled(CallContext ctx) {
    if (ctx.isCancelled()) {
      throw new CancellationException("cancelled by the caller");
    }
  }

  private List<Tag> tags(Map<String, String> extra) {
    Map<String, String> all = new LinkedHashMap<>(options.tags());
    all.putAll(extra);
    List<Tag> out = new ArrayList<>();
    all.forEach((k, v) -> out.add(Tag.builder().key(k).value(v).build()));
    return out;
  }

  private CompletableFuture<String> stagingBucket(CallContext ctx) {
    CompletableFuture<String> b = bucket;
    if (b != null && !b.isCompletedExceptionally()) {
      return b;
    }
    if (options.stagingBucket().isPresent()) {
      b = CompletableFuture.completedFuture(options.stagingBucket().get());
    } else {
      b =
          AwsErrors.WIRE
              .call(
                  "GetCallerIdentity",
                  () -> sts.getCallerIdentity(r -> r.overrideConfiguration(timeout(ctx))))
              .thenApply(id -> "sagemaker-" + region.id() + "-" + id.account());
    }
    bucket = b;
    return b;
  }

  private static void requireS3(URI uri, String what) {
    if (!"s3".equals(uri.getScheme())) {
      throw AwsErrors.clientError(
          ErrorCategory.INVALID_INPUT, what + " must be an s3:// URI, got " + uri);
    }
  }

  static String suffix() {
    return Long.toString(System.currentTimeMillis(), 36)
        + Integer.toString(ThreadLocalRandom.current().nextInt(36 * 36 * 36), 36);
  }

  private static String safe(String name) {
    return name.replaceAll("[^A-Za-z0-9-]", "-");
  }

  static String trim(String name, int max) {
    String s = name.length() <= max ? name : name.substring(0, max);
    while (s.endsWith("-")) {
      s = s.substring(0, s.length() - 1);
    }
    return s;
  }
}
