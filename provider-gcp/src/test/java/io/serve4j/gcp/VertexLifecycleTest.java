package io.serve4j.gcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.google.api.gax.core.NoCredentialsProvider;
import com.google.cloud.aiplatform.v1.AcceleratorType;
import com.google.cloud.aiplatform.v1.CancelBatchPredictionJobRequest;
import com.google.cloud.aiplatform.v1.CreateBatchPredictionJobRequest;
import com.google.cloud.aiplatform.v1.CreateEndpointRequest;
import com.google.cloud.aiplatform.v1.DeleteEndpointRequest;
import com.google.cloud.aiplatform.v1.DeployModelRequest;
import com.google.cloud.aiplatform.v1.DeployedModel;
import com.google.cloud.aiplatform.v1.MachineSpec;
import com.google.cloud.aiplatform.v1.MutateDeployedModelRequest;
import com.google.cloud.aiplatform.v1.PredictRequest;
import com.google.cloud.aiplatform.v1.RawPredictRequest;
import com.google.cloud.aiplatform.v1.UndeployModelRequest;
import com.google.cloud.aiplatform.v1.UpdateEndpointRequest;
import com.google.cloud.aiplatform.v1.UploadModelRequest;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.contrib.nio.testing.LocalStorageHelper;
import com.google.longrunning.GetOperationRequest;
import io.grpc.Status;
import io.serve4j.Accelerator;
import io.serve4j.BatchJobDescription;
import io.serve4j.BatchJobSpec;
import io.serve4j.BatchJobStatus;
import io.serve4j.BatchingPolicy;
import io.serve4j.ConflictException;
import io.serve4j.DeploymentSpec;
import io.serve4j.DeviceType;
import io.serve4j.Endpoint;
import io.serve4j.EndpointDescription;
import io.serve4j.EndpointSpec;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.InvalidInputException;
import io.serve4j.Mirror;
import io.serve4j.Model;
import io.serve4j.ModelFormat;
import io.serve4j.ModelLoadException;
import io.serve4j.NotFoundException;
import io.serve4j.Operation;
import io.serve4j.Payload;
import io.serve4j.PermissionDeniedException;
import io.serve4j.Scaling;
import io.serve4j.ScalingMetric;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.Tensor;
import io.serve4j.TimeoutException;
import io.serve4j.UnsupportedCapabilityException;
import io.serve4j.testkit.ContractModels;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole Vertex AI story through the real gapic clients against {@link FakeVertex}: upload,
 * create endpoint, deploy on a GPU, predict, traffic split, batch prediction, undeploy, delete,
 * every long-running operation polled; then what the service received is checked field by field.
 */
@Timeout(60)
class VertexLifecycleTest {
  private static final String PARENT = "projects/test-project/locations/us-central1";

  private FakeVertex vertex;
  private Storage storage;
  private ServingClient client;

  @BeforeEach
  void start() {
    vertex = new FakeVertex(Duration.ofMillis(150), 3, ContractModels::reluAnswer);
    storage = LocalStorageHelper.getOptions().getService();
    client = client(Duration.ofMinutes(1));
  }

  private ServingClient client(Duration operationTimeout) {
    return Serve4j.builder()
        .operationTimeout(operationTimeout)
        .options(
            GcpOptions.builder()
                .project("test-project")
                .location("us-central1")
                .credentialsProvider(NoCredentialsProvider.create())
                .transportChannelProvider(vertex.channelProvider())
                .storage(storage)
                .stagingBucket("staging")
                .serviceAccount("serving@test-project.iam.gserviceaccount.com")
                .tritonImage(FakeVertex.TRITON_IMAGE)
                .pollInterval(Duration.ofMillis(40))
                .build())
        .build();
  }

  @AfterEach
  void stop() {
    client.close();
    vertex.close();
  }

  @Test
  void lifecycle_uploadDeployGpuPredictSplitBatchUndeployDelete() {
    Model relu = ContractModels.reluOnClasspath();
    DeploymentSpec blue =
        DeploymentSpec.builder()
            .name("blue")
            .model(relu)
            .accelerator(Accelerator.gpu(DeviceType.NVIDIA_T4, 1))
            .scaling(Scaling.autoscale(1, 4, ScalingMetric.GPU_UTILIZATION, 60))
            .build();
    Endpoint endpoint =
        client.deploy(EndpointSpec.builder().name("Fraud").deployment(blue).build()).await();

    // upload: Triton repository staged to GCS, Triton container with its routes
    UploadModelRequest upload = vertex.modelService.requests(UploadModelRequest.class).get(0);
    assertThat(upload.getParent()).isEqualTo(PARENT);
    assertThat(upload.getModelId()).isEqualTo("relu");
    assertThat(upload.getModel().getVersionAliasesList()).containsExactly("v1");
    assertThat(upload.getModel().getArtifactUri()).isEqualTo("gs://staging/serve4j/relu/v1/");
    assertThat(upload.getModel().getContainerSpec().getImageUri())
        .isEqualTo(FakeVertex.TRITON_IMAGE);
    assertThat(upload.getModel().getContainerSpec().getPredictRoute())
        .isEqualTo("/v2/models/relu/infer");
    assertThat(upload.getModel().getContainerSpec().getHealthRoute()).isEqualTo("/v2/health/ready");
    assertThat(upload.getModel().getContainerSpec().getArgsList())
        .contains("--model-repository=$(AIP_STORAGE_URI)");
    assertThat(storage.readAllBytes(BlobId.of("staging", "serve4j/relu/v1/relu/1/model.onnx")))
        .isEqualTo(ContractModels.reluBytes());
    assertThat(
            new String(
                storage.readAllBytes(BlobId.of("staging", "serve4j/relu/v1/relu/config.pbtxt")),
                StandardCharsets.UTF_8))
        .contains("name: \"relu\"", "data_type: TYPE_FP32", "dims: [ 1, 2 ]");

    // create endpoint: id from the name, display name kept
    CreateEndpointRequest create =
        vertex.endpointService.requests(CreateEndpointRequest.class).get(0);
    assertThat(create.getEndpointId()).isEqualTo("fraud");
    assertThat(create.getEndpoint().getDisplayName()).isEqualTo("Fraud");

    // deploy on a T4 from the accelerator catalog, autoscaling on GPU duty cycle
    DeployModelRequest deploy = vertex.endpointService.requests(DeployModelRequest.class).get(0);
    DeployedModel dm = deploy.getDeployedModel();
    assertThat(deploy.getEndpoint()).isEqualTo(PARENT + "/endpoints/fraud");
    assertThat(dm.getDisplayName()).isEqualTo("blue");
    assertThat(dm.getModel()).isEqualTo(PARENT + "/models/relu@1");
    assertThat(dm.getDedicatedResources().getMachineSpec())
        .isEqualTo(
            MachineSpec.newBuilder()
                .setMachineType("n1-standard-4")
                .setAcceleratorType(AcceleratorType.NVIDIA_TESLA_T4)
                .setAcceleratorCount(1)
                .build());
    assertThat(dm.getDedicatedResources().getMinReplicaCount()).isEqualTo(1);
    assertThat(dm.getDedicatedResources().getMaxReplicaCount()).isEqualTo(4);
    assertThat(dm.getDedicatedResources().getAutoscalingMetricSpecs(0).getMetricName())
        .isEqualTo("aiplatform.googleapis.com/prediction/online/accelerator/duty_cycle");
    assertThat(dm.getDedicatedResources().getAutoscalingMetricSpecs(0).getTarget()).isEqualTo(60);
    assertThat(dm.getServiceAccount()).isEqualTo("serving@test-project.iam.gserviceaccount.com");
    assertThat(deploy.getTrafficSplitMap()).containsExactly(Map.entry("0", 100));
    // the long-running operations were polled, not answered at once
    assertThat(vertex.operationsService.requests(GetOperationRequest.class)).hasSizeGreaterThan(3);

    // predict: rawPredict with an Open Inference Protocol body
    InferenceResponse r = endpoint.predict(ContractModels.reluRequest(-2f, 5f));
    assertThat(r.output("y").asFloats()).containsExactly(0f, 5f);
    RawPredictRequest raw = vertex.predictionService.requests(RawPredictRequest.class).get(0);
    assertThat(raw.getEndpoint()).isEqualTo(PARENT + "/endpoints/fraud");
    assertThat(raw.getHttpBody().getContentType()).isEqualTo("application/json");
    assertThat(raw.getHttpBody().getData().toStringUtf8())
        .contains("\"inputs\"", "\"name\":\"x\"", "\"datatype\":\"FP32\"");

    // a raw payload goes through rawPredict as is
    InferenceResponse echoed =
        endpoint.predict(InferenceRequest.of(Payload.ofText("a,b", "text/csv")));
    assertThat(echoed.payload().orElseThrow().asText()).isEqualTo("a,b");

    // traffic split 90/10 with a second deployment
    EndpointSpec split =
        EndpointSpec.builder()
            .name("Fraud")
            .deployment(blue)
            .deployment(DeploymentSpec.of("green", relu))
            .traffic(Map.of("blue", 90, "green", 10))
            .build();
    EndpointDescription d = endpoint.update(split).await();
    assertThat(d.traffic()).containsEntry("blue", 90).containsEntry("green", 10);
    String blueId = d.deployment("blue").orElseThrow().details().get("deployedModelId");
    String greenId = d.deployment("green").orElseThrow().details().get("deployedModelId");
    assertThat(blueId).isNotEqualTo(greenId);
    UpdateEndpointRequest traffic =
        last(vertex.endpointService.requests(UpdateEndpointRequest.class));
    assertThat(traffic.getEndpoint().getTrafficSplitMap())
        .containsExactlyInAnyOrderEntriesOf(Map.of(blueId, 90, greenId, 10));
    assertThat(vertex.modelService.requests(UploadModelRequest.class))
        .as("the same model version is uploaded once")
        .hasSize(1);
    // a fresh client reads names, traffic and the signature back from the endpoint alone
    try (ServingClient other = client(Duration.ofMinutes(1))) {
      EndpointDescription again = other.endpoint("Fraud").describe();
      assertThat(again.traffic()).isEqualTo(d.traffic());
      assertThat(again.deployment("green").orElseThrow().signature())
          .contains(ContractModels.RELU_SIGNATURE);
      assertThat(again.deployment("blue").orElseThrow().instanceType())
          .contains("n1-standard-4 + 1x NVIDIA_TESLA_T4");
    }

    // batch prediction from GCS to GCS on the GPU
    BatchJobDescription job =
        client
            .submitBatchJob(
                BatchJobSpec.builder()
                    .name("nightly")
                    .model(
                        Model.builder()
                            .name("vision")
                            .format(ModelFormat.TENSORFLOW_SAVED_MODEL)
                            .artifact("gs://models/vision/")
                            .build())
                    .input(URI.create("gs://data/in/records.jsonl"))
                    .output(URI.create("gs://data/out"))
                    .accelerator(Accelerator.gpu(DeviceType.NVIDIA_L4, 1))
                    .instances(2)
                    .build())
            .await();
    assertThat(job.status()).isEqualTo(BatchJobStatus.SUCCEEDED);
    assertThat(job.output().toString()).startsWith("gs://data/out/prediction-");
    CreateBatchPredictionJobRequest batch =
        vertex.jobService.requests(CreateBatchPredictionJobRequest.class).get(0);
    assertThat(batch.getBatchPredictionJob().getInputConfig().getInstancesFormat())
        .isEqualTo("jsonl");
    assertThat(batch.getBatchPredictionJob().getInputConfig().getGcsSource().getUrisList())
        .containsExactly("gs://data/in/records.jsonl");
    assertThat(
            batch
                .getBatchPredictionJob()
                .getOutputConfig()
                .getGcsDestination()
                .getOutputUriPrefix())
        .isEqualTo("gs://data/out");
    assertThat(batch.getBatchPredictionJob().getModel()).isEqualTo(PARENT + "/models/vision@1");
    assertThat(
            batch.getBatchPredictionJob().getDedicatedResources().getMachineSpec().getMachineType())
        .isEqualTo("g2-standard-8");
    assertThat(batch.getBatchPredictionJob().getDedicatedResources().getStartingReplicaCount())
        .isEqualTo(2);
    assertThat(client.describeBatchJob("nightly").status()).isEqualTo(BatchJobStatus.SUCCEEDED);

    // undeploy green: traffic goes back to blue first, then green is undeployed
    EndpointDescription back =
        endpoint.update(EndpointSpec.builder().name("Fraud").deployment(blue).build()).await();
    assertThat(back.deployments()).extracting(x -> x.name()).containsExactly("blue");
    assertThat(back.traffic()).containsExactly(Map.entry("blue", 100));
    assertThat(vertex.endpointService.requests(UndeployModelRequest.class))
        .extracting(UndeployModelRequest::getDeployedModelId)
        .containsExactly(greenId);

    // delete: drain, undeploy blue, delete the endpoint; then NotFound
    endpoint.delete().await();
    assertThat(vertex.endpointService.requests(UndeployModelRequest.class))
        .extracting(UndeployModelRequest::getDeployedModelId)
        .containsExactly(greenId, blueId);
    assertThat(vertex.endpointService.requests(DeleteEndpointRequest.class))
        .extracting(DeleteEndpointRequest::getName)
        .containsExactly(PARENT + "/endpoints/fraud");
    assertThatThrownBy(endpoint::describe).isInstanceOf(NotFoundException.class);
  }

  @Test
  void deploy_onnxOnTpu_isRefusedTypedBeforeAnyCall() {
    // Triton runs on CPUs and NVIDIA GPUs; Vertex AI's TPU serving takes its optimized TensorFlow
    // runtime, its PyTorch TPU container or a TPU-capable custom container
    // (https://cloud.google.com/vertex-ai/docs/predictions/use-tpu). Before: ct5lp-hightpu-4t
    // was deployed with the Triton image.
    EndpointSpec spec =
        EndpointSpec.builder()
            .name("tpu")
            .deployment(
                DeploymentSpec.builder()
                    .name("v5e")
                    .model(ContractModels.reluOnClasspath())
                    .accelerator(Accelerator.of(DeviceType.TPU_V5E, 4))
                    .build())
            .build();
    assertThatThrownBy(() -> client.deploy(spec).await())
        .isInstanceOf(UnsupportedCapabilityException.class)
        .hasMessageContaining("Triton")
        .hasMessageContaining("TensorFlow SavedModel")
        .hasMessageContaining("Model.image");
    assertThat(vertex.endpointService.getRequests()).isEmpty();
    assertThat(vertex.modelService.getRequests()).isEmpty();
  }

  @Test
  void deploy_whenAcceleratorNotOffered_failsTypedBeforeAnyCall() {
    EndpointSpec spec =
        EndpointSpec.builder()
            .name("big")
            .deployment(
                DeploymentSpec.builder()
                    .name("x")
                    .model(ContractModels.reluOnClasspath())
                    .accelerator(Accelerator.gpu(DeviceType.NVIDIA_T4, 3))
                    .build())
            .build();
    assertThatThrownBy(() -> client.deploy(spec).await())
        .isInstanceOf(UnsupportedCapabilityException.class)
        .hasMessageContaining("nvidia-t4");
    assertThat(vertex.endpointService.getRequests()).isEmpty();
  }

  @Test
  void deploy_withBatching_writesDynamicBatchingAndUploadsAnotherVersion() {
    Model model =
        ContractModels.reluOnClasspath().toBuilder()
            .signature(
                new io.serve4j.ModelSignature(
                    List.of(io.serve4j.TensorSpec.of("x", io.serve4j.DataType.FP32, -1, 2)),
                    List.of(io.serve4j.TensorSpec.of("y", io.serve4j.DataType.FP32, -1, 2))))
            .build();
    client.deploy(EndpointSpec.of("plain", model)).await();
    client
        .deploy(
            EndpointSpec.builder()
                .name("batched")
                .deployment(
                    DeploymentSpec.builder()
                        .name("b")
                        .model(model)
                        .batching(new BatchingPolicy(8, Duration.ofMillis(5), List.of(4, 8), 100))
                        .build())
                .build())
        .await();
    List<UploadModelRequest> uploads = vertex.modelService.requests(UploadModelRequest.class);
    assertThat(uploads).hasSize(2);
    assertThat(uploads.get(1).getParentModel()).isEqualTo(PARENT + "/models/relu");
    String alias = uploads.get(1).getModel().getVersionAliases(0);
    assertThat(alias).startsWith("v1-b");
    String config =
        new String(
            storage.readAllBytes(
                BlobId.of("staging", "serve4j/relu/" + alias + "/relu/config.pbtxt")),
            StandardCharsets.UTF_8);
    assertThat(config)
        .contains("max_batch_size: 8", "dims: [ 2 ]", "dynamic_batching {")
        .contains("preferred_batch_size: [ 4, 8 ]", "max_queue_delay_microseconds: 5000")
        .contains("max_queue_size: 100");
  }

  @Test
  void update_scalingOnly_mutatesDeployedModelInPlace() {
    DeploymentSpec one =
        DeploymentSpec.builder().name("d").model(ContractModels.reluOnClasspath()).build();
    Endpoint e = client.deploy(EndpointSpec.builder().name("grow").deployment(one).build()).await();
    EndpointDescription d =
        e.update(
                EndpointSpec.builder()
                    .name("grow")
                    .deployment(
                        one.toBuilder()
                            .scaling(Scaling.autoscale(2, 6, ScalingMetric.CPU_UTILIZATION, 70))
                            .build())
                    .build())
            .await();
    MutateDeployedModelRequest m =
        vertex.endpointService.requests(MutateDeployedModelRequest.class).get(0);
    assertThat(m.getDeployedModel().getDedicatedResources().getMinReplicaCount()).isEqualTo(2);
    assertThat(m.getDeployedModel().getDedicatedResources().getMaxReplicaCount()).isEqualTo(6);
    assertThat(m.getUpdateMask().getPathsList()).contains("dedicated_resources.min_replica_count");
    assertThat(vertex.endpointService.requests(DeployModelRequest.class)).hasSize(1);
    assertThat(d.deployment("d").orElseThrow().instances()).isEqualTo(2);
  }

  @Test
  void predict_prebuiltContainer_sendsInstancesAndReadsPredictions() {
    Model sklearn =
        Model.builder()
            .name("churn")
            .format(ModelFormat.SCIKIT_LEARN)
            .artifact("gs://models/churn/model.joblib")
            .build();
    Endpoint e = client.deploy(EndpointSpec.of("churn", sklearn)).await();
    UploadModelRequest upload = vertex.modelService.requests(UploadModelRequest.class).get(0);
    assertThat(upload.getModel().getArtifactUri()).isEqualTo("gs://models/churn/");
    assertThat(upload.getModel().getContainerSpec().getImageUri())
        .isEqualTo("us-docker.pkg.dev/vertex-ai/prediction/sklearn-cpu.1-3:latest");
    InferenceResponse r =
        e.predict(
            InferenceRequest.builder()
                .input(Tensor.ofFloats("x", new long[] {2, 2}, new float[] {-1, 2, 3, -4}))
                .parameter("threshold", 0.5)
                .build());
    PredictRequest sent = vertex.predictionService.requests(PredictRequest.class).get(0);
    assertThat(sent.getInstancesCount()).isEqualTo(2);
    assertThat(sent.getInstances(0).getListValue().getValuesCount()).isEqualTo(2);
    assertThat(sent.getParameters().getStructValue().getFieldsMap()).containsKey("threshold");
    Tensor out = r.output("predictions");
    assertThat(out.shape().toArray()).containsExactly(2, 2);
    assertThat(out.asFloats()).containsExactly(new float[] {0, 2, 3, 0}, within(1e-6f));
  }

  @Test
  void mirror_isRefusedTypedBeforeAnyCall() {
    EndpointSpec spec =
        EndpointSpec.builder()
            .name("shadowed")
            .deployment(DeploymentSpec.of("live", ContractModels.reluOnClasspath()))
            .deployment(DeploymentSpec.of("shadow", ContractModels.reluOnClasspath()))
            .traffic(Map.of("live", 100))
            .mirror(new Mirror("shadow", 20))
            .build();
    assertThatThrownBy(() -> client.deploy(spec))
        .isInstanceOf(UnsupportedCapabilityException.class)
        .hasMessageContaining("SHADOW");
    assertThat(vertex.endpointService.getRequests()).isEmpty();
  }

  @Test
  void batchJob_cancel_cancelsTheVertexJob() throws Exception {
    vertex.close();
    vertex = new FakeVertex(Duration.ofMillis(50), 1_000_000, ContractModels::reluAnswer);
    client.close();
    client = client(Duration.ofMinutes(1));
    Operation<BatchJobDescription> op =
        client.submitBatchJob(
            BatchJobSpec.builder()
                .name("long")
                .model(FakeVertex.sklearnModel())
                .input(URI.create("bq://test-project.ds.in"))
                .output(URI.create("bq://test-project"))
                .build());
    long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (vertex.jobService.requests(CreateBatchPredictionJobRequest.class).isEmpty()
        && System.nanoTime() < until) {
      Thread.sleep(20);
    }
    CreateBatchPredictionJobRequest created =
        vertex.jobService.requests(CreateBatchPredictionJobRequest.class).get(0);
    assertThat(created.getBatchPredictionJob().getInputConfig().getInstancesFormat())
        .isEqualTo("bigquery");
    assertThat(
            created
                .getBatchPredictionJob()
                .getOutputConfig()
                .getBigqueryDestination()
                .getOutputUri())
        .isEqualTo("bq://test-project");
    op.cancel();
    assertThatThrownBy(op::await).isInstanceOf(CancellationException.class);
    while (vertex.jobService.requests(CancelBatchPredictionJobRequest.class).isEmpty()
        && System.nanoTime() < until) {
      Thread.sleep(20);
    }
    assertThat(vertex.jobService.requests(CancelBatchPredictionJobRequest.class)).hasSize(1);
    assertThat(client.describeBatchJob("long").status()).isEqualTo(BatchJobStatus.CANCELLED);
  }

  @Test
  void deploy_whenDeadlineShorterThanOperations_timesOutWithinBound() {
    vertex.close();
    vertex = new FakeVertex(Duration.ofSeconds(30), 3, ContractModels::reluAnswer);
    client.close();
    client = client(Duration.ofMillis(600));
    long start = System.nanoTime();
    assertThatThrownBy(
            () -> client.deploy(EndpointSpec.of("slow", ContractModels.reluOnClasspath())).await())
        .isInstanceOf(TimeoutException.class);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
  }

  @Test
  void serviceErrors_areMappedWithRequestId() {
    vertex.endpointService.addException(
        Status.PERMISSION_DENIED
            .withDescription("aiplatform.endpoints.create denied")
            .asRuntimeException());
    assertThatThrownBy(
            () ->
                client.deploy(EndpointSpec.of("denied", ContractModels.reluOnClasspath())).await())
        .isInstanceOf(PermissionDeniedException.class)
        .hasMessageContaining("aiplatform.endpoints.create")
        .satisfies(e -> assertThat(((PermissionDeniedException) e).statusCode()).hasValue(7));
    client.deploy(EndpointSpec.of("dup", ContractModels.reluOnClasspath())).await();
    assertThatThrownBy(
            () -> client.deploy(EndpointSpec.of("dup", ContractModels.reluOnClasspath())).await())
        .isInstanceOf(ConflictException.class);
  }

  @Test
  void deploy_localArtifactWithoutStagingBucket_failsInvalidInputNamingTheSetting() {
    try (ServingClient noBucket =
        Serve4j.builder()
            .options(
                GcpOptions.builder()
                    .project("test-project")
                    .credentialsProvider(NoCredentialsProvider.create())
                    .transportChannelProvider(vertex.channelProvider())
                    .storage(storage)
                    .tritonImage(FakeVertex.TRITON_IMAGE)
                    .pollInterval(Duration.ofMillis(40))
                    .build())
            .build()) {
      assertThatThrownBy(
              () ->
                  noBucket
                      .deploy(EndpointSpec.of("nobucket", ContractModels.reluOnClasspath()))
                      .await())
          .isInstanceOf(InvalidInputException.class)
          .hasMessageContaining("stagingBucket");
    }
  }

  @Test
  void stage_gcsOnnxFile_isCopiedIntoATritonRepository() {
    storage.create(
        BlobInfo.newBuilder("models", "relu/relu.onnx").build(), ContractModels.reluBytes());
    Model m = ContractModels.relu(URI.create("gs://models/relu/relu.onnx"));
    client.deploy(EndpointSpec.of("fromgcs", m)).await();
    assertThat(storage.readAllBytes(BlobId.of("staging", "serve4j/relu/v1/relu/1/model.onnx")))
        .isEqualTo(ContractModels.reluBytes());
  }

  @Test
  void deploy_localNonOnnxFile_isStagedBesideNoTritonConfig(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("model.joblib");
    Files.write(file, new byte[] {1, 2, 3});
    Model m =
        Model.builder().name("tree").format(ModelFormat.XGBOOST).artifact(file.toUri()).build();
    client.deploy(EndpointSpec.of("tree", m)).await();
    UploadModelRequest upload = vertex.modelService.requests(UploadModelRequest.class).get(0);
    assertThat(upload.getModel().getArtifactUri()).isEqualTo("gs://staging/serve4j/tree/v1/");
    assertThat(upload.getModel().getContainerSpec().getImageUri()).contains("xgboost-cpu");
    assertThat(storage.readAllBytes(BlobId.of("staging", "serve4j/tree/v1/model.joblib")))
        .containsExactly(1, 2, 3);
    assertThat(storage.get(BlobId.of("staging", "serve4j/tree/v1/tree/config.pbtxt"))).isNull();
  }

  @Test
  void deploy_whenSha256DoesNotMatch_failsModelLoadAndUploadsNothing() {
    Model m = ContractModels.reluOnClasspath().toBuilder().sha256("0".repeat(64)).build();
    assertThatThrownBy(() -> client.deploy(EndpointSpec.of("tampered", m)).await())
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("SHA-256");
    assertThat(vertex.modelService.requests(UploadModelRequest.class)).isEmpty();
    assertThat(storage.get(BlobId.of("staging", "serve4j/relu/v1/relu/1/model.onnx"))).isNull();
  }

  @Test
  void deploy_reportsProgressNamingTheVertexOperation() {
    List<String> messages = new java.util.concurrent.CopyOnWriteArrayList<>();
    client
        .deploy(EndpointSpec.of("progress", ContractModels.reluOnClasspath()))
        .onProgress(p -> messages.add(p.message()))
        .await();
    assertThat(messages)
        .anySatisfy(m -> assertThat(m).contains("waiting for operation projects/"))
        .anySatisfy(m -> assertThat(m).contains("deploying default"));
  }

  private static <T> T last(List<T> list) {
    return list.get(list.size() - 1);
  }
}
