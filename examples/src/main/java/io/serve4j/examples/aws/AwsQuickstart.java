package io.serve4j.examples.aws;

import io.serve4j.Accelerator;
import io.serve4j.BatchJobDescription;
import io.serve4j.BatchJobSpec;
import io.serve4j.BatchingPolicy;
import io.serve4j.DeploymentSpec;
import io.serve4j.DeviceType;
import io.serve4j.Endpoint;
import io.serve4j.EndpointSpec;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.Model;
import io.serve4j.Scaling;
import io.serve4j.ScalingMetric;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.Tensor;
import io.serve4j.aws.AwsOptions;
import io.serve4j.aws.AwsUpdatePolicy;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.regions.Region;

/**
 * Deploys an ONNX model to a SageMaker real-time endpoint (SageMaker's Triton container on an
 * NVIDIA T4, autoscaled on invocations per instance), predicts, adds a second version with a 90/10
 * traffic split, runs a batch transform over S3 and deletes the endpoint.
 *
 * <p>Run with AWS credentials from the default chain (environment, profile, SSO, instance role):
 *
 * <pre>{@code
 * java io.serve4j.examples.aws.AwsQuickstart model.onnx \
 *     arn:aws:iam::123456789012:role/SageMakerRole my-bucket
 * }</pre>
 */
public final class AwsQuickstart {
  private AwsQuickstart() {}

  /**
   * Runs the example.
   *
   * @param args ONNX file, SageMaker execution role ARN, S3 bucket
   */
  public static void main(String[] args) {
    Path onnx = Path.of(args[0]);
    AwsOptions options =
        AwsOptions.builder()
            .region(Region.US_EAST_1) // or Serve4j.client(URI.create("aws://us-east-1"))
            .executionRoleArn(args[1])
            .stagingBucket(args[2]) // the model is packaged for Triton and uploaded here
            .tag("project", "serve4j-quickstart")
            .updatePolicy(
                AwsUpdatePolicy.canary(10, Duration.ofMinutes(5))
                    .withRollbackAlarms(List.of("sentiment-5xx")))
            .build();

    try (ServingClient sagemaker = Serve4j.client(options)) {
      Model v1 = Model.onnx("sentiment", onnx);
      DeploymentSpec blue =
          DeploymentSpec.builder()
              .name("blue")
              .model(v1)
              .accelerator(Accelerator.gpu(DeviceType.NVIDIA_T4, 1)) // ml.g4dn.xlarge
              .scaling(Scaling.autoscale(1, 4, ScalingMetric.INVOCATIONS_PER_INSTANCE, 200))
              .batching(BatchingPolicy.of(8, Duration.ofMillis(2))) // Triton dynamic_batching
              .build();

      // Creates the model, endpoint config and endpoint; waits for InService.
      Endpoint endpoint =
          sagemaker
              .deploy(EndpointSpec.builder().name("sentiment").deployment(blue).build())
              .await();

      InferenceRequest request =
          InferenceRequest.of(
              Tensor.ofFloats("input", new long[] {1, 4}, new float[] {0.1f, 0.2f, 0.3f, 0.4f}));
      InferenceResponse response = endpoint.predict(request); // InvokeEndpoint, OIP v2 JSON
      System.out.println("v1: " + response.outputs());

      // A second version beside the first, then 10% of the traffic to it.
      Model v2 = v1.toBuilder().version("2").artifact(onnx.toUri()).build();
      endpoint
          .update(
              EndpointSpec.builder()
                  .name("sentiment")
                  .deployment(blue)
                  .deployment(DeploymentSpec.of("green", v2))
                  .traffic(Map.of("blue", 100, "green", 0))
                  .build())
          .await(Duration.ofMinutes(30));
      endpoint.shiftTraffic(Map.of("blue", 90, "green", 10)).await();
      System.out.println("traffic: " + endpoint.describe().traffic());

      // Batch transform over every object under the input prefix, one JSON line per record.
      BatchJobDescription job =
          sagemaker
              .submitBatchJob(
                  BatchJobSpec.builder()
                      .name("sentiment-nightly")
                      .model(v1)
                      .input(URI.create("s3://" + args[2] + "/batch/in/"))
                      .output(URI.create("s3://" + args[2] + "/batch/out/"))
                      .contentType("application/jsonlines")
                      .splitType(BatchJobSpec.SplitType.LINE)
                      .build())
              .await(Duration.ofHours(2));
      System.out.println("batch: " + job.status() + " -> " + job.output());

      endpoint.delete().await(); // endpoint, endpoint config, models and scaling targets
    }
  }
}
