package io.serve4j.examples.aws;

import io.serve4j.AsyncInference;
import io.serve4j.DeploymentSpec;
import io.serve4j.Endpoint;
import io.serve4j.EndpointSpec;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.Model;
import io.serve4j.Operation;
import io.serve4j.Scaling;
import io.serve4j.ScalingMetric;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.Tensor;
import io.serve4j.aws.AwsOptions;
import io.serve4j.aws.AwsParameters;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import software.amazon.awssdk.regions.Region;

/**
 * Deploys an ONNX model to a SageMaker asynchronous endpoint (requests are queued and their results
 * written to S3; autoscaled on the queue backlog per instance), submits one inference, waits for
 * its result and deletes the endpoint.
 *
 * <p>Run with AWS credentials from the default chain (environment, profile, SSO, instance role):
 *
 * <pre>{@code
 * java io.serve4j.examples.aws.AwsAsyncInference model.onnx \
 *     arn:aws:iam::123456789012:role/SageMakerRole my-bucket
 * }</pre>
 */
public final class AwsAsyncInference {
  private AwsAsyncInference() {}

  /**
   * Runs the example.
   *
   * @param args ONNX file, SageMaker execution role ARN, S3 bucket
   */
  public static void main(String[] args) {
    AwsOptions options =
        AwsOptions.builder()
            .region(Region.US_EAST_1)
            .executionRoleArn(args[1])
            .stagingBucket(args[2]) // the model and each request's input are staged here
            .build();

    try (ServingClient sagemaker = Serve4j.client(options)) {
      EndpointSpec spec =
          EndpointSpec.builder()
              .name("summaries")
              .deployment(
                  DeploymentSpec.builder()
                      .name("default")
                      .model(Model.onnx("summariser", Path.of(args[0])))
                      // On an asynchronous endpoint: tracks ApproximateBacklogSizePerInstance.
                      .scaling(Scaling.autoscale(1, 4, ScalingMetric.INVOCATIONS_PER_INSTANCE, 5))
                      .build())
              .asyncInference(
                  AsyncInference.builder()
                      .outputLocation(URI.create("s3://" + args[2] + "/summaries/out/"))
                      .maxConcurrentInvocationsPerInstance(4)
                      .build())
              .build();
      // An endpoint config with AsyncInferenceConfig; waits for InService.
      Endpoint endpoint = sagemaker.deploy(spec).await(Duration.ofMinutes(30));
      System.out.println("asynchronous: " + endpoint.describe().asyncInference().orElseThrow());

      InferenceRequest request =
          InferenceRequest.builder()
              .id("summary-0001") // becomes the InferenceId
              .input(
                  Tensor.ofFloats("input", new long[] {1, 4}, new float[] {0.1f, 0.2f, 0.3f, 0.4f}))
              .timeout(Duration.ofMinutes(15)) // bounds queueing, running and waiting
              .build();
      // Stages the request in S3, calls InvokeEndpointAsync, polls S3 for the result.
      Operation<InferenceResponse> queued = endpoint.submit(request);
      queued.onProgress(p -> System.out.println("  " + p.message()));
      InferenceResponse response = queued.await();
      System.out.println("result: " + response.outputs());
      System.out.println("written to " + response.parameters().get(AwsParameters.OUTPUT_LOCATION));

      endpoint.delete().await();
    }
  }
}
