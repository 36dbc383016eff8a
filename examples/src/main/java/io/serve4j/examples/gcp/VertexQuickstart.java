package io.serve4j.examples.gcp;

import io.serve4j.Accelerator;
import io.serve4j.BatchJobDescription;
import io.serve4j.BatchJobSpec;
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
import io.serve4j.gcp.GcpOptions;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * Deploys an ONNX model to Vertex AI on an NVIDIA L4 behind Triton, predicts, adds a second version
 * with a 90/10 traffic split, runs a batch prediction and deletes the endpoint.
 *
 * <p>Run with Application Default Credentials ({@code gcloud auth application-default login}),
 * {@code GOOGLE_CLOUD_PROJECT} set, a staging bucket, and the Triton image mirrored into your
 * Artifact Registry:
 *
 * <pre>{@code
 * java io.serve4j.examples.gcp.VertexQuickstart model.onnx my-bucket \
 *     us-central1-docker.pkg.dev/my-project/serving/tritonserver:24.08-py3
 * }</pre>
 */
public final class VertexQuickstart {
  private VertexQuickstart() {}

  /**
   * Runs the example.
   *
   * @param args ONNX file, staging bucket, Triton image
   */
  public static void main(String[] args) {
    Path onnx = Path.of(args[0]);
    GcpOptions options =
        GcpOptions.fromEnvironment().toBuilder()
            .location("us-central1") // sets us-central1-aiplatform.googleapis.com:443
            .stagingBucket(args[1])
            .tritonImage(args[2])
            .build();

    try (ServingClient vertex = Serve4j.client(options)) {
      Model v1 = Model.onnx("sentiment", onnx);
      DeploymentSpec blue =
          DeploymentSpec.builder()
              .name("blue")
              .model(v1)
              .accelerator(Accelerator.gpu(DeviceType.NVIDIA_L4, 1)) // g2-standard-8 + 1x L4
              .scaling(Scaling.autoscale(1, 3, ScalingMetric.GPU_UTILIZATION, 60))
              .build();

      Endpoint endpoint =
          vertex
              .deploy(EndpointSpec.builder().name("sentiment").deployment(blue).build())
              .onProgress(p -> System.out.println(p.message()))
              .await(Duration.ofMinutes(40)); // the deadline is honoured: TimeoutException after

      InferenceResponse r =
          endpoint.predict(
              InferenceRequest.of(Tensor.ofFloats("x", new long[] {1, 2}, new float[] {1, -1})));
      System.out.println(r.outputs());

      Model v2 = v1.toBuilder().version("2").build();
      endpoint
          .update(
              EndpointSpec.builder()
                  .name("sentiment")
                  .deployment(blue)
                  .deployment(DeploymentSpec.builder().name("green").model(v2).build())
                  .traffic(Map.of("blue", 90, "green", 10))
                  .build())
          .await(Duration.ofMinutes(40));

      BatchJobDescription job =
          vertex
              .submitBatchJob(
                  BatchJobSpec.builder()
                      .name("sentiment-nightly")
                      .model(v2)
                      .input(URI.create("gs://" + args[1] + "/batch/in.jsonl"))
                      .output(URI.create("gs://" + args[1] + "/batch/out"))
                      .build())
              .await(Duration.ofHours(2));
      System.out.println(job.status() + " -> " + job.output());

      endpoint.delete().await(Duration.ofMinutes(30));
    }
  }
}
