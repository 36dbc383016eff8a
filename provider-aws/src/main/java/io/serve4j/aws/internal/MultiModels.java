package io.serve4j.aws.internal;

import io.serve4j.DeploymentSpec;
import io.serve4j.DeviceKind;
import io.serve4j.ErrorCategory;
import io.serve4j.InferenceRequest;
import io.serve4j.Model;
import io.serve4j.ServingException;
import io.serve4j.aws.AwsProvider;
import io.serve4j.spi.Wire;
import java.net.URI;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import software.amazon.awssdk.awscore.exception.AwsServiceException;

/**
 * SageMaker multi-model endpoints: a {@link Model#multiModel()} deployment is one container in
 * {@code Mode: MultiModel} whose {@code ModelDataUrl} is an S3 prefix; a request's {@link
 * InferenceRequest#targetModel()} is sent as {@code TargetModel}, a path relative to that prefix,
 * and SageMaker downloads and loads the model on its first use.
 *
 * <p>What SageMaker documents it cannot do is refused here before any call (<a
 * href="https://docs.aws.amazon.com/sagemaker/latest/dg/multi-model-support.html">Supported
 * algorithms, frameworks, and instances for multi-model endpoints</a>): GPU instances serve
 * multi-model endpoints only through SageMaker's Triton Inference Server; only CPU and GPU instance
 * types are listed.
 */
final class MultiModels {
  static final String SUPPORT_PAGE =
      "https://docs.aws.amazon.com/sagemaker/latest/dg/multi-model-support.html";

  private MultiModels() {}

  /**
   * The S3 prefix holding the models, ending with {@code /}.
   *
   * @param model a multi-model
   * @return the prefix as {@code s3://bucket/prefix/}
   * @throws io.serve4j.InvalidInputException if the artifact is not an {@code s3://} prefix
   */
  static String prefix(Model model) {
    URI artifact = model.artifact().orElse(null);
    if (artifact == null
        || !"s3".equalsIgnoreCase(artifact.getScheme())
        || artifact.getHost() == null) {
      throw AwsErrors.clientError(
          ErrorCategory.INVALID_INPUT,
          "multi-model '"
              + model.name()
              + "' needs an s3://bucket/prefix/ artifact on SageMaker: the prefix holding one"
              + " archive (.tar.gz) per model, which SageMaker reads TargetModel relative to;"
              + " got "
              + (artifact == null ? "none" : "'" + artifact.getScheme() + ":...'")
              + ". Upload the models under an S3 prefix and pass that prefix");
    }
    String s = artifact.toString();
    return s.endsWith("/") ? s : s + "/";
  }

  /**
   * Refuses, before any call, a multi-model deployment SageMaker cannot serve.
   *
   * @param d the deployment
   * @param image the serving image chosen for it
   */
  static void check(DeploymentSpec d, String image) {
    prefix(d.model());
    DeviceKind kind = d.accelerator().kind();
    if (kind == DeviceKind.GPU
        && !image.toLowerCase(Locale.ROOT).contains("sagemaker-tritonserver")) {
      throw AwsErrors.clientError(
          ErrorCategory.INVALID_INPUT,
          "multi-model deployment '"
              + d.name()
              + "' on a GPU needs SageMaker's Triton Inference Server image (GPU multi-model"
              + " endpoints are served only through Triton, "
              + SUPPORT_PAGE
              + "); image '"
              + image
              + "' is not one. Use ONNX's default image, or a CPU accelerator");
    }
    if (kind != DeviceKind.CPU && kind != DeviceKind.GPU) {
      throw AwsErrors.clientError(
          ErrorCategory.UNSUPPORTED_CAPABILITY,
          "multi-model deployment '"
              + d.name()
              + "' on "
              + kind
              + ": SageMaker multi-model endpoints run on CPU and GPU instance types only ("
              + SUPPORT_PAGE
              + ")");
    }
  }

  /**
   * Types SageMaker's answer for a target model that its prefix does not hold (a 400
   * ValidationError "Failed to download model data ...") as NOT_FOUND naming the model.
   *
   * @param call the invocation
   * @param request the request
   * @param endpoint the endpoint
   * @return the invocation with that failure typed
   */
  static <T> CompletableFuture<T> typed(
      CompletableFuture<T> call, InferenceRequest request, String endpoint) {
    if (request.targetModel().isEmpty()) {
      return call;
    }
    return call.handle(
        (r, e) -> {
          if (e == null) {
            return r;
          }
          throw new CompletionException(typed(e, request.targetModel().get(), endpoint));
        });
  }

  static Throwable typed(Throwable error, String target, String endpoint) {
    Throwable e = Wire.unwrap(error);
    AwsServiceException aws =
        e instanceof AwsServiceException a
            ? a
            : e instanceof ServingException s && s.getCause() instanceof AwsServiceException a
                ? a
                : null;
    if (aws != null
        && aws.statusCode() == 400
        && aws.getMessage() != null
        && aws.getMessage().contains("Failed to download model data")) {
      return ServingException.builder(ErrorCategory.NOT_FOUND)
          .providerId(AwsProvider.ID)
          .fromService()
          .statusCode(400)
          .requestId(aws.requestId())
          .message(
              "endpoint '"
                  + endpoint
                  + "' has no model '"
                  + target
                  + "' under its multi-model prefix (SageMaker: "
                  + (aws.awsErrorDetails() != null
                      ? aws.awsErrorDetails().errorMessage()
                      : aws.getMessage())
                  + ")")
          .cause(aws)
          .build();
    }
    return e;
  }
}
