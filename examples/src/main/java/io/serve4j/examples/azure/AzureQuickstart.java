package io.serve4j.examples.azure;

import com.azure.identity.DefaultAzureCredentialBuilder;
import io.serve4j.Accelerator;
import io.serve4j.BatchJobDescription;
import io.serve4j.BatchJobSpec;
import io.serve4j.DeploymentSpec;
import io.serve4j.DeviceType;
import io.serve4j.Endpoint;
import io.serve4j.EndpointDescription;
import io.serve4j.EndpointSpec;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.Mirror;
import io.serve4j.Model;
import io.serve4j.Scaling;
import io.serve4j.ScalingMetric;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.Tensor;
import io.serve4j.azure.AzureOptions;
import io.serve4j.azure.ScoringAuthMode;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * Deploys an ONNX model to an Azure ML managed online endpoint (no-code Triton deployment on an
 * NVIDIA T4), predicts, adds a second deployment with a 90/10 split and a 10% mirror, runs a batch
 * job on a batch endpoint and deletes the online endpoint.
 *
 * <p>Run with any credential {@code DefaultAzureCredential} finds ({@code az login}, environment,
 * managed identity):
 *
 * <pre>{@code
 * java io.serve4j.examples.azure.AzureQuickstart model.onnx \
 *     <subscription-id> <resource-group> <workspace> <batch-cluster>
 * }</pre>
 */
public final class AzureQuickstart {
  private AzureQuickstart() {}

  /**
   * Runs the example.
   *
   * @param args ONNX file, subscription id, resource group, workspace, compute cluster for batch
   */
  public static void main(String[] args) {
    Path onnx = Path.of(args[0]);
    AzureOptions options =
        AzureOptions.builder() // or Serve4j.client(URI.create("azure://sub/rg/workspace"))
            .subscriptionId(args[1])
            .resourceGroup(args[2])
            .workspace(args[3])
            .credential(new DefaultAzureCredentialBuilder().build()) // the default anyway
            .scoringAuthMode(ScoringAuthMode.AML_TOKEN) // or KEY (default), AAD_TOKEN
            .batchCompute(args[4])
            .requestTimeout(Duration.ofSeconds(30))
            .build();

    try (ServingClient azure = Serve4j.client(options)) {
      // Uploaded to the workspace's default datastore in Triton's layout, registered as a
      // triton_model, deployed without scoring script or environment.
      Model v1 = Model.onnx("sentiment", onnx);
      DeploymentSpec blue =
          DeploymentSpec.builder()
              .name("blue")
              .model(v1)
              .accelerator(Accelerator.gpu(DeviceType.NVIDIA_T4, 1)) // Standard_NC4as_T4_v3
              .scaling(Scaling.autoscale(1, 3, ScalingMetric.CPU_UTILIZATION, 70))
              .build();
      Endpoint endpoint =
          azure
              .deploy(EndpointSpec.builder().name("sentiment-demo").deployment(blue).build())
              .await(Duration.ofMinutes(30));

      InferenceRequest request =
          InferenceRequest.of(
              Tensor.ofFloats("input", new long[] {1, 4}, new float[] {0.1f, 0.2f, 0.3f, 0.4f}));
      InferenceResponse response = endpoint.predict(request); // POST .../v2/models/sentiment/infer
      System.out.println(response.outputs());

      // Second version: 10% live traffic on green, 10% of requests mirrored to a shadow.
      Model v2 = v1.toBuilder().version("2").build();
      EndpointSpec canary =
          EndpointSpec.builder()
              .name("sentiment-demo")
              .deployment(blue)
              .deployment(blue.toBuilder().name("green").model(v2).build())
              .deployment(DeploymentSpec.of("shadow", v2))
              .traffic(Map.of("blue", 90, "green", 10))
              .mirror(new Mirror("shadow", 10))
              .build();
      EndpointDescription d = endpoint.update(canary).await(Duration.ofMinutes(30));
      System.out.println(d.traffic() + " mirror " + d.mirror().orElse(null));

      // Pin a request to one deployment (the azureml-model-deployment header).
      endpoint.predict(request.toBuilder().targetDeployment("green").build());

      BatchJobDescription job =
          azure
              .submitBatchJob(
                  BatchJobSpec.builder()
                      .name("sentiment-nightly")
                      .model(v2)
                      .input(URI.create("azureml://datastores/workspaceblobstore/paths/in/"))
                      .output(URI.create("azureml://datastores/workspaceblobstore/paths/out/"))
                      .instances(2)
                      .build())
              .await(Duration.ofHours(2));
      System.out.println(job.status() + " " + job.details());

      endpoint.delete().await();
    }
  }
}
