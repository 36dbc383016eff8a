package io.serve4j.aws.internal;

import static io.serve4j.aws.internal.AwsCalls.timeout;

import io.serve4j.DeploymentDescription;
import io.serve4j.EndpointDescription;
import io.serve4j.EndpointStatus;
import io.serve4j.ErrorCategory;
import io.serve4j.Mirror;
import io.serve4j.aws.AwsOptions;
import io.serve4j.aws.AwsService;
import io.serve4j.spi.CallContext;
import io.serve4j.spi.Polling;
import io.serve4j.spi.ProviderContext;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sagemaker.SageMakerAsyncClient;
import software.amazon.awssdk.services.sagemaker.model.DescribeEndpointConfigResponse;
import software.amazon.awssdk.services.sagemaker.model.DescribeEndpointResponse;
import software.amazon.awssdk.services.sagemaker.model.DescribeModelResponse;
import software.amazon.awssdk.services.sagemaker.model.EndpointSummary;
import software.amazon.awssdk.services.sagemaker.model.ListEndpointsResponse;
import software.amazon.awssdk.services.sagemaker.model.ProductionVariant;
import software.amazon.awssdk.services.sagemaker.model.ProductionVariantSummary;

/**
 * Reads endpoints: DescribeEndpoint, DescribeEndpointConfig and DescribeModel mapped to an {@link
 * EndpointDescription}, ListEndpoints, and the waits for an endpoint to settle or go.
 */
final class EndpointDescriptions {
  private final AwsOptions options;
  private final ProviderContext context;
  private final Region region;
  private final SageMakerAsyncClient sm;
  private final SageMakerAsyncClient smOnce;
  private final AwsClients clients;

  /**
   * Creates the part over the session's clients.
   *
   * @param clients the SDK clients
   */
  EndpointDescriptions(AwsClients clients) {
    this.clients = clients;
    this.options = clients.options;
    this.context = clients.context;
    this.region = clients.region;
    this.sm = clients.sm;
    this.smOnce = clients.smOnce;
  }

  /** Describes an endpoint for core, which retries: no SDK retries underneath. */
  CompletableFuture<EndpointDescription> describeEndpoint(String endpoint, CallContext ctx) {
    // Core retries describe: no SDK retries underneath.
    return describe(smOnce, endpoint, ctx);
  }

  /** Describes an endpoint from inside an operation, with the SDK's retries. */
  CompletableFuture<EndpointDescription> describeInOperation(String endpoint, CallContext ctx) {
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

  /** Lists endpoints for core, which retries: no SDK retries underneath. */
  CompletableFuture<List<EndpointDescription>> listEndpoints(CallContext ctx) {
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

  // ---------------------------------------------------------------- waiting and describing

  CompletableFuture<DescribeEndpointResponse> describeRaw(String name, CallContext ctx) {
    return describeRaw(sm, name, ctx);
  }

  static CompletableFuture<DescribeEndpointResponse> describeRaw(
      SageMakerAsyncClient client, String name, CallContext ctx) {
    return AwsErrors.WIRE.call(
        "DescribeEndpoint " + name,
        () ->
            client.describeEndpoint(r -> r.endpointName(name).overrideConfiguration(timeout(ctx))));
  }

  CompletableFuture<DescribeEndpointConfigResponse> describeConfig(String config, CallContext ctx) {
    return describeConfig(sm, config, ctx);
  }

  static CompletableFuture<DescribeEndpointConfigResponse> describeConfig(
      SageMakerAsyncClient client, String config, CallContext ctx) {
    return AwsErrors.WIRE.call(
        "DescribeEndpointConfig " + config,
        () ->
            client.describeEndpointConfig(
                r -> r.endpointConfigName(config).overrideConfiguration(timeout(ctx))));
  }

  CompletableFuture<DescribeEndpointResponse> awaitStable(String name, CallContext ctx) {
    return Polling.until(
        () -> describeRaw(name, ctx),
        d -> !transitional(d.endpointStatusAsString()),
        d -> "endpoint " + name + " is " + d.endpointStatusAsString(),
        options.pollInterval(),
        ctx,
        context.scheduler());
  }

  CompletableFuture<Boolean> awaitGone(String name, CallContext ctx) {
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

  CompletableFuture<Void> requireInService(DescribeEndpointResponse d, String config) {
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
              .modelName(env.getOrDefault(SageMakerModels.ENV_MODEL, v.modelName()))
              .status(status)
              .instances(instances)
              .detail("sagemakerModel", v.modelName());
      if (env.containsKey(SageMakerModels.ENV_MODEL_VERSION)) {
        d.modelVersion(env.get(SageMakerModels.ENV_MODEL_VERSION));
      }
      if (v.instanceType() != null) {
        d.instanceType(v.instanceTypeAsString());
      }
      if (v.serverlessConfig() != null) {
        d.detail(
            "serverless",
            v.serverlessConfig().memorySizeInMB()
                + " MB, max concurrency "
                + v.serverlessConfig().maxConcurrency()
                + (v.serverlessConfig().provisionedConcurrency() != null
                    ? ", provisioned concurrency " + v.serverlessConfig().provisionedConcurrency()
                    : ""));
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
      b.asyncInference(AsyncInferenceConfigs.fromConfig(c.asyncInferenceConfig()));
    }
    return b.build();
  }

  static Optional<Mirror> mirrorOf(DescribeEndpointConfigResponse c) {
    return mirrorOf(c, Map.of());
  }

  static Optional<Mirror> mirrorOf(
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

  static List<String> variantNames(DescribeEndpointConfigResponse c) {
    return c.productionVariants().stream().map(ProductionVariant::variantName).toList();
  }

  static List<String> modelNames(DescribeEndpointConfigResponse c) {
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
}
