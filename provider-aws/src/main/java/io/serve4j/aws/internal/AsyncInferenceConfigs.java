package io.serve4j.aws.internal;

import io.serve4j.AsyncInference;
import io.serve4j.EndpointSpec;
import io.serve4j.ErrorCategory;
import io.serve4j.aws.AwsOptions;
import io.serve4j.spi.CallContext;
import java.net.URI;
import java.util.concurrent.CompletableFuture;
import software.amazon.awssdk.services.sagemaker.model.AsyncInferenceConfig;
import software.amazon.awssdk.services.sagemaker.model.AsyncInferenceOutputConfig;

/**
 * SageMaker's asynchronous inference config: what an asynchronous endpoint may be, where results
 * and failures go (under the staging prefix unless given), and the config read back as {@link
 * AsyncInference}.
 */
final class AsyncInferenceConfigs {
  private AsyncInferenceConfigs() {}

  /**
   * What SageMaker refuses with an asynchronous endpoint config, refused before any call: shadow
   * variants (SageMaker's shadow tests exclude asynchronous inference) and more than one production
   * variant (an asynchronous endpoint config takes a single instance-based variant, and
   * InvokeEndpointAsync has no target variant); result locations must be in S3.
   */
  static void check(EndpointSpec spec, AsyncInference a) {
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
    a.outputLocation()
        .ifPresent(u -> AwsNames.requireS3(u, "asyncInference outputLocation of " + name));
    a.failureLocation()
        .ifPresent(u -> AwsNames.requireS3(u, "asyncInference failureLocation of " + name));
  }

  /** Where asynchronous inference objects of an endpoint go under the staging prefix. */
  static String prefix(AwsOptions options, String endpoint) {
    return options.stagingPrefix() + "/async/" + endpoint + "/";
  }

  static CompletableFuture<AsyncInferenceConfig> toConfig(
      AwsClients clients, String endpoint, AsyncInference a, CallContext ctx) {
    boolean defaults = a.outputLocation().isEmpty() || a.failureLocation().isEmpty();
    CompletableFuture<String> bucket =
        defaults ? clients.stagingBucket(ctx) : CompletableFuture.completedFuture(null);
    return bucket.thenApply(
        b -> {
          String base = "s3://" + b + "/" + prefix(clients.options, endpoint);
          AsyncInferenceOutputConfig.Builder out =
              AsyncInferenceOutputConfig.builder()
                  .s3OutputPath(a.outputLocation().map(URI::toString).orElse(base + "output/"))
                  .s3FailurePath(a.failureLocation().map(URI::toString).orElse(base + "failure/"));
          clients.options.kmsKeyId().ifPresent(out::kmsKeyId);
          AsyncInferenceConfig.Builder c = AsyncInferenceConfig.builder().outputConfig(out.build());
          a.maxConcurrentInvocationsPerInstance()
              .ifPresent(m -> c.clientConfig(cc -> cc.maxConcurrentInvocationsPerInstance(m)));
          return c.build();
        });
  }

  static AsyncInference fromConfig(AsyncInferenceConfig c) {
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
}
