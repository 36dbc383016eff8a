package io.serve4j.aws.internal;

import static io.serve4j.aws.internal.AwsCalls.checkCancelled;
import static io.serve4j.aws.internal.AwsCalls.timeout;

import io.serve4j.Accelerator;
import io.serve4j.DeploymentSpec;
import io.serve4j.DeviceKind;
import io.serve4j.ErrorCategory;
import io.serve4j.Model;
import io.serve4j.ModelFormat;
import io.serve4j.aws.AwsOptions;
import io.serve4j.spi.CallContext;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sagemaker.SageMakerAsyncClient;
import software.amazon.awssdk.services.sagemaker.model.ContainerDefinition;
import software.amazon.awssdk.services.sagemaker.model.VpcConfig;

/**
 * SageMaker models: the serving image and execution role of a model, its container environment, and
 * CreateModel after staging its artifact with {@link S3Staging}.
 */
public final class SageMakerModels {
  static final String ENV_MODEL = "SERVE4J_MODEL";
  static final String ENV_MODEL_VERSION = "SERVE4J_MODEL_VERSION";
  static final String ENV_TRITON_MODEL = "SAGEMAKER_TRITON_DEFAULT_MODEL_NAME";
  private final AwsOptions options;
  private final Region region;
  private final SageMakerAsyncClient sm;
  private final S3Staging staging;
  private final AwsClients clients;

  /**
   * Creates the part over the session's clients.
   *
   * @param clients the SDK clients
   */
  public SageMakerModels(AwsClients clients) {
    this.clients = clients;
    this.options = clients.options;
    this.region = clients.region;
    this.sm = clients.sm;
    this.staging = clients.staging;
  }

  String image(Model model, Accelerator accelerator) {
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

  AwsOptions options() {
    return options;
  }

  String role() {
    return options
        .executionRoleArn()
        .orElseThrow(
            () ->
                AwsErrors.clientError(
                    ErrorCategory.INVALID_INPUT,
                    "SageMaker needs an execution role: set AwsOptions.executionRoleArn or"
                        + " aws://<region>?role=<arn>"));
  }

  CompletableFuture<Void> createModels(EndpointPlan plan, List<String> made, CallContext ctx) {
    ctx.progress("staging models of " + plan.spec().name(), 0.05);
    // One variant after the other, with a cancel check before each call that creates something:
    // a cancel stops the next upload or CreateModel, so nothing is created after it and
    // everything created is in `made`. Deployments of the same model with the same packaging
    // share one upload.
    Map<List<Object>, CompletableFuture<Optional<String>>> staged = new LinkedHashMap<>();
    CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
    for (EndpointPlan.Variant v : plan.variants()) {
      DeploymentSpec d = v.deployment();
      DeviceKind kind = d.accelerator().kind() == DeviceKind.GPU ? DeviceKind.GPU : DeviceKind.CPU;
      chain =
          chain
              .thenCompose(
                  x -> {
                    checkCancelled(ctx);
                    return staged.computeIfAbsent(
                        Arrays.asList(d.model(), d.batching().orElse(null), kind),
                        k ->
                            d.model().multiModel()
                                ? CompletableFuture.completedFuture(
                                    Optional.of(MultiModels.prefix(d.model())))
                                : staging.stage(d.model(), d.batching().orElse(null), kind, ctx));
                  })
              .thenCompose(
                  data -> {
                    checkCancelled(ctx);
                    return createModel(v.modelName(), d.model(), v.image(), data, plan.role(), ctx);
                  })
              .thenApply(
                  x -> {
                    synchronized (made) {
                      made.add(v.modelName());
                    }
                    return null;
                  });
    }
    return chain;
  }

  CompletableFuture<Void> createModel(
      String name, Model model, String image, Optional<String> data, String role, CallContext ctx) {
    Map<String, String> env = new LinkedHashMap<>(model.environment());
    if (model.format() == ModelFormat.ONNX && !model.multiModel()) {
      env.putIfAbsent(ENV_TRITON_MODEL, ModelArchive.modelName(model.name()));
    }
    env.put(ENV_MODEL, model.name());
    env.put(ENV_MODEL_VERSION, model.version());
    model.signature().ifPresent(s -> SignatureEnv.put(env, s));
    ContainerDefinition.Builder c = ContainerDefinition.builder().image(image).environment(env);
    data.ifPresent(
        uri -> {
          if (model.multiModel()) {
            // A multi-model endpoint: ModelDataUrl is the S3 prefix holding the models.
            c.modelDataUrl(uri);
            c.mode(software.amazon.awssdk.services.sagemaker.model.ContainerMode.MULTI_MODEL);
          } else if (uri.endsWith("/")) {
            // An uncompressed Triton repository under a prefix (S3Staging#repositoryInS3).
            c.modelDataSource(
                software.amazon.awssdk.services.sagemaker.model.ModelDataSource.builder()
                    .s3DataSource(
                        software.amazon.awssdk.services.sagemaker.model.S3ModelDataSource.builder()
                            .s3Uri(uri)
                            .s3DataType(
                                software.amazon.awssdk.services.sagemaker.model.S3ModelDataType
                                    .S3_PREFIX)
                            .compressionType(
                                software.amazon.awssdk.services.sagemaker.model.ModelCompressionType
                                    .NONE)
                            .build())
                    .build());
          } else {
            c.modelDataUrl(uri);
          }
        });
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
                          .tags(clients.tags(t))
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
}
