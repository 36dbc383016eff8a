package io.serve4j.aws.internal;

import io.serve4j.DeploymentSpec;
import io.serve4j.DeviceKind;
import io.serve4j.EndpointSpec;
import io.serve4j.ErrorCategory;
import io.serve4j.Scaling;
import io.serve4j.aws.AwsOptions;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.services.sagemaker.model.ProductionVariantServerlessConfig;

/**
 * SageMaker Serverless Inference: a portable {@link Scaling#serverless} becomes a production
 * variant's {@code ServerlessConfig} (no {@code InstanceType}, no {@code InitialInstanceCount}, no
 * Application Auto Scaling), after checking, before any call, what SageMaker would refuse:
 *
 * <ul>
 *   <li>{@code MemorySizeInMB} 1024, 2048, 3072, 4096, 5120 or 6144; {@code MaxConcurrency} 1-200;
 *       {@code ProvisionedConcurrency} 1-200 and at most {@code MaxConcurrency}
 *       (API_ProductionVariantServerlessConfig);
 *   <li>the features serverless endpoints do not support (serverless-endpoints.html, "Feature
 *       exclusions"): GPUs (and so Inferentia), VPC configuration, data capture, multiple
 *       production variants.
 * </ul>
 */
final class ServerlessConfigs {
  static final int MIN_MEMORY_MB = 1024;
  static final int MAX_MEMORY_MB = 6144;
  static final int MAX_CONCURRENCY = 200;

  private ServerlessConfigs() {}

  /**
   * Refuses a serverless spec SageMaker would refuse.
   *
   * @param spec the endpoint spec
   * @param options the provider's options (VPC, data capture)
   * @throws io.serve4j.InvalidInputException naming serverless and what is wrong
   */
  static void check(EndpointSpec spec, AwsOptions options) {
    List<DeploymentSpec> serverless =
        spec.deployments().stream().filter(d -> d.scaling().isServerless()).toList();
    if (serverless.isEmpty()) {
      return;
    }
    List<String> problems = new ArrayList<>();
    for (DeploymentSpec d : serverless) {
      Scaling s = d.scaling();
      String what = "deployment '" + d.name() + "'";
      if (s.memoryMb() < MIN_MEMORY_MB
          || s.memoryMb() > MAX_MEMORY_MB
          || s.memoryMb() % 1024 != 0) {
        problems.add(
            what
                + " asks for "
                + s.memoryMb()
                + " MB; SageMaker serverless memory is 1024, 2048, 3072, 4096, 5120 or 6144 MB");
      }
      if (s.maxConcurrency() > MAX_CONCURRENCY) {
        problems.add(
            what
                + " asks for max concurrency "
                + s.maxConcurrency()
                + "; SageMaker allows 1-"
                + MAX_CONCURRENCY);
      }
      if (d.accelerator().kind() != DeviceKind.CPU) {
        problems.add(
            what
                + " asks for "
                + d.accelerator()
                + "; SageMaker serverless inference runs on CPU only (no GPUs)");
      }
    }
    if (spec.deployments().size() > 1) {
      problems.add(
          "endpoint '"
              + spec.name()
              + "' has "
              + spec.deployments().size()
              + " deployments; a SageMaker serverless endpoint has exactly one production variant"
              + " (no traffic split, no shadow)");
    }
    if (options.vpcConfig().isPresent()) {
      problems.add("SageMaker serverless endpoints do not support a VPC configuration");
    }
    if (options.dataCapture().isPresent()) {
      problems.add("SageMaker serverless endpoints do not support data capture");
    }
    if (!problems.isEmpty()) {
      throw AwsErrors.clientError(
          ErrorCategory.INVALID_INPUT,
          "serverless inference on SageMaker: " + String.join("; ", problems));
    }
  }

  /**
   * Returns the variant's serverless configuration.
   *
   * @param s a serverless scaling
   * @return the SDK value
   */
  static ProductionVariantServerlessConfig toConfig(Scaling s) {
    ProductionVariantServerlessConfig.Builder b =
        ProductionVariantServerlessConfig.builder()
            .memorySizeInMB(s.memoryMb())
            .maxConcurrency(s.maxConcurrency());
    if (s.provisionedConcurrency() > 0) {
      b.provisionedConcurrency(s.provisionedConcurrency());
    }
    return b.build();
  }
}
