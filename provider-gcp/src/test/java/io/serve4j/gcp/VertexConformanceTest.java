package io.serve4j.gcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.api.gax.core.NoCredentialsProvider;
import com.google.cloud.aiplatform.v1.AcceleratorType;
import com.google.cloud.aiplatform.v1.DeployModelRequest;
import com.google.cloud.aiplatform.v1.EnvVar;
import com.google.cloud.aiplatform.v1.MachineSpec;
import com.google.cloud.aiplatform.v1.ModelContainerSpec;
import com.google.cloud.aiplatform.v1.Port;
import com.google.cloud.aiplatform.v1.UploadModelRequest;
import com.google.cloud.storage.Blob;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.contrib.nio.testing.LocalStorageHelper;
import io.serve4j.Accelerator;
import io.serve4j.BatchJobSpec;
import io.serve4j.ContainerSpec;
import io.serve4j.DeploymentSpec;
import io.serve4j.DeviceType;
import io.serve4j.Endpoint;
import io.serve4j.EndpointSpec;
import io.serve4j.InvalidInputException;
import io.serve4j.Model;
import io.serve4j.ModelFormat;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.UnsupportedCapabilityException;
import io.serve4j.testkit.ContractModels;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What Vertex AI documents for each deploy path, asserted on the requests the real gapic clients
 * send to {@link FakeVertex}: the exact container spec, machine spec and artifact layout, and the
 * typed refusals (before any call) where Vertex AI could not serve what was asked. Each test cites
 * the page it follows. The fake accepts any well-formed request, so these tests are the only check
 * that the requests mean what Vertex AI needs.
 */
@Timeout(60)
class VertexConformanceTest {
  private FakeVertex vertex;
  private Storage storage;
  private final List<ServingClient> clients = new ArrayList<>();

  @TempDir Path dir;

  @BeforeEach
  void start() {
    vertex = new FakeVertex(Duration.ofMillis(50), 1, ContractModels::reluAnswer);
    storage = LocalStorageHelper.getOptions().getService();
  }

  @AfterEach
  void stop() {
    clients.forEach(ServingClient::close);
    vertex.close();
  }

  private ServingClient client(UnaryOperator<GcpOptions.Builder> more) {
    GcpOptions.Builder b =
        GcpOptions.builder()
            .project("test-project")
            .location("us-central1")
            .credentialsProvider(NoCredentialsProvider.create())
            .transportChannelProvider(vertex.channelProvider())
            .storage(storage)
            .stagingBucket("staging")
            .pollInterval(Duration.ofMillis(20));
    ServingClient c = Serve4j.builder().options(more.apply(b).build()).build();
    clients.add(c);
    return c;
  }

  private ServingClient client() {
    return client(b -> b.tritonImage(FakeVertex.TRITON_IMAGE));
  }

  private static EndpointSpec on(String endpoint, Model model, Accelerator accelerator) {
    return EndpointSpec.builder()
        .name(endpoint)
        .deployment(
            DeploymentSpec.builder().name("d").model(model).accelerator(accelerator).build())
        .build();
  }

  private UploadModelRequest upload() {
    return vertex.modelService.requests(UploadModelRequest.class).get(0);
  }

  private MachineSpec machine() {
    return vertex
        .endpointService
        .requests(DeployModelRequest.class)
        .get(0)
        .getDeployedModel()
        .getDedicatedResources()
        .getMachineSpec();
  }

  private List<String> objects(String prefix) {
    List<String> out = new ArrayList<>();
    for (Blob b : storage.list("staging", Storage.BlobListOption.prefix(prefix)).iterateAll()) {
      out.add(b.getName());
    }
    return out;
  }

  private void assertNothingSent() {
    assertThat(vertex.modelService.getRequests()).isEmpty();
    assertThat(vertex.endpointService.getRequests()).isEmpty();
    assertThat(vertex.jobService.getRequests()).isEmpty();
    assertThat(objects("")).isEmpty();
  }

  private Path file(String name, String content) throws IOException {
    Path p = dir.resolve(name);
    Files.createDirectories(p.getParent());
    Files.writeString(p, content);
    return p;
  }

  private static MachineSpec cpu() {
    return MachineSpec.newBuilder().setMachineType("n1-standard-2").build();
  }

  // --- ONNX on Triton ------------------------------------------------------------------------

  /**
   * https://cloud.google.com/vertex-ai/docs/predictions/using-nvidia-triton: NVIDIA's image, a
   * Triton model repository (MODEL/config.pbtxt, MODEL/1/model.onnx) as the artifact URI; Triton
   * answers the Open Inference Protocol on its HTTP port 8000.
   */
  @Test
  void onnx_onCpu_uploadsTritonRepositoryWithTheTritonImageRoutesAndPort() {
    client()
        .deploy(on("triton", ContractModels.reluOnClasspath(), Accelerator.defaultCpu()))
        .await();

    assertThat(upload().getModel().getContainerSpec())
        .isEqualTo(
            ModelContainerSpec.newBuilder()
                .setImageUri(FakeVertex.TRITON_IMAGE)
                .addCommand("tritonserver")
                .addArgs("--model-repository=$(AIP_STORAGE_URI)")
                .addArgs("--vertex-ai-default-model=relu")
                .setPredictRoute("/v2/models/relu/infer")
                .setHealthRoute("/v2/health/ready")
                .addPorts(Port.newBuilder().setContainerPort(8000))
                .build());
    assertThat(upload().getModel().getArtifactUri()).isEqualTo("gs://staging/serve4j/relu/v1/");
    assertThat(objects("serve4j/relu/v1/"))
        .containsExactlyInAnyOrder(
            "serve4j/relu/v1/relu/1/model.onnx", "serve4j/relu/v1/relu/config.pbtxt");
    assertThat(machine()).isEqualTo(cpu());
  }

  /**
   * https://cloud.google.com/vertex-ai/docs/predictions/configure-compute: a GPU is the machine
   * type plus accelerator type and count.
   */
  @Test
  void onnx_onGpu_attachesTheGpuToTheMachine() {
    client()
        .deploy(
            on(
                "triton-gpu",
                ContractModels.reluOnClasspath(),
                Accelerator.gpu(DeviceType.NVIDIA_L4, 1)))
        .await();
    assertThat(machine())
        .isEqualTo(
            MachineSpec.newBuilder()
                .setMachineType("g2-standard-8")
                .setAcceleratorType(AcceleratorType.NVIDIA_L4)
                .setAcceleratorCount(1)
                .build());
    assertThat(upload().getModel().getContainerSpec().getImageUri())
        .isEqualTo(FakeVertex.TRITON_IMAGE);
  }

  /**
   * Defect 1: ONNX was deployed with nvcr.io/nvidia/tritonserver, which Vertex AI cannot pull;
   * Vertex AI documents no Triton image of its own (using-nvidia-triton), so the option is named.
   */
  @Test
  void onnx_withoutTritonImage_isRefusedNamingTheOptionBeforeAnyCall() {
    ServingClient c = client(b -> b);
    assertThatThrownBy(
            () ->
                c.deploy(on("nt", ContractModels.reluOnClasspath(), Accelerator.defaultCpu()))
                    .await())
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("GcpOptions.tritonImage")
        .hasMessageContaining("Artifact Registry");
    assertNothingSent();
  }

  /** https://cloud.google.com/vertex-ai/docs/reference/rest/v1/ModelContainerSpec: imageUri. */
  @Test
  void image_outsideArtifactRegistry_isRefusedBeforeAnyCall() {
    ServingClient c = client(b -> b.tritonImage("nvcr.io/nvidia/tritonserver:24.08-py3"));
    assertThatThrownBy(
            () ->
                c.deploy(on("ngc", ContractModels.reluOnClasspath(), Accelerator.defaultCpu()))
                    .await())
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("nvcr.io/nvidia/tritonserver:24.08-py3")
        .hasMessageContaining("Artifact Registry");
    Model hub =
        Model.builder()
            .name("ranker")
            .format(ModelFormat.CUSTOM_CONTAINER)
            .image("acme/ranker:3")
            .build();
    assertThatThrownBy(() -> client().deploy(on("hub", hub, Accelerator.defaultCpu())).await())
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("Model.image");
    assertNothingSent();
  }

  /** Defect 4 (get-batch-predictions): batch bodies are {"instances": ...}, Triton reads OIP. */
  @Test
  void batchJob_onTriton_isRefusedTypedBeforeAnyCall() {
    assertThatThrownBy(
            () ->
                client()
                    .submitBatchJob(
                        BatchJobSpec.builder()
                            .name("nightly")
                            .model(ContractModels.reluOnClasspath())
                            .input(URI.create("gs://data/in.jsonl"))
                            .output(URI.create("gs://data/out"))
                            .build())
                    .await())
        .isInstanceOf(UnsupportedCapabilityException.class)
        .hasMessageContaining("instances")
        .hasMessageContaining("Triton");
    assertNothingSent();
  }

  // --- prebuilt containers -------------------------------------------------------------------

  /**
   * pre-built-containers + exporting-model-artifacts: the scikit-learn image from the repository
   * nearest the location, and the artifact directory holding model.joblib (a file of another name
   * is not loaded).
   */
  @Test
  void sklearn_localFile_isStagedAsModelJoblibWithTheEuropeImage() throws IOException {
    Model m =
        Model.builder()
            .name("churn")
            .format(ModelFormat.SCIKIT_LEARN)
            .artifact(file("churn-2024.joblib", "joblib bytes").toUri())
            .build();
    client(b -> b.location("europe-west4").tritonImage(FakeVertex.TRITON_IMAGE))
        .deploy(on("churn", m, Accelerator.defaultCpu()))
        .await();
    assertThat(upload().getModel().getContainerSpec())
        .isEqualTo(
            ModelContainerSpec.newBuilder()
                .setImageUri("europe-docker.pkg.dev/vertex-ai/prediction/sklearn-cpu.1-3:latest")
                .build());
    assertThat(upload().getModel().getArtifactUri()).isEqualTo("gs://staging/serve4j/churn/v1/");
    assertThat(objects("serve4j/churn/v1/")).containsExactly("serve4j/churn/v1/model.joblib");
    assertThat(
            new String(
                storage.readAllBytes(BlobId.of("staging", "serve4j/churn/v1/model.joblib")),
                StandardCharsets.UTF_8))
        .isEqualTo("joblib bytes");
    assertThat(machine()).isEqualTo(cpu());
  }

  /** A gs:// file of another name is copied under the name the container reads. */
  @Test
  void sklearn_gsFileOfAnotherName_isCopiedAsModelPkl() {
    storage.create(BlobInfo.newBuilder("models", "churn/v3/fraud.pkl").build(), new byte[] {1, 2});
    Model m =
        Model.builder()
            .name("churn")
            .format(ModelFormat.SCIKIT_LEARN)
            .artifact("gs://models/churn/v3/fraud.pkl")
            .build();
    client().deploy(on("churn", m, Accelerator.defaultCpu())).await();
    assertThat(upload().getModel().getArtifactUri()).isEqualTo("gs://staging/serve4j/churn/v1/");
    assertThat(storage.readAllBytes(BlobId.of("staging", "serve4j/churn/v1/model.pkl")))
        .containsExactly(1, 2);
    assertThat(upload().getModel().getContainerSpec().getImageUri())
        .isEqualTo("us-docker.pkg.dev/vertex-ai/prediction/sklearn-cpu.1-3:latest");
  }

  @Test
  void sklearn_fileThatIsNotJoblibOrPkl_isRefusedBeforeAnyCall() throws IOException {
    Model m =
        Model.builder()
            .name("churn")
            .format(ModelFormat.SCIKIT_LEARN)
            .artifact(file("churn.onnx", "x").toUri())
            .build();
    assertThatThrownBy(() -> client().deploy(on("churn", m, Accelerator.defaultCpu())).await())
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("model.joblib or model.pkl");
    assertNothingSent();
  }

  /** exporting-model-artifacts: XGBoost loads model.bst, model.joblib or model.pkl. */
  @Test
  void xgboost_bstFile_isStagedAsModelBstWithTheXgboostImage() throws IOException {
    Model m =
        Model.builder()
            .name("risk")
            .format(ModelFormat.XGBOOST)
            .artifact(file("risk.bst", "bst").toUri())
            .build();
    client().deploy(on("risk", m, Accelerator.defaultCpu())).await();
    assertThat(upload().getModel().getContainerSpec())
        .isEqualTo(
            ModelContainerSpec.newBuilder()
                .setImageUri("us-docker.pkg.dev/vertex-ai/prediction/xgboost-cpu.1-7:latest")
                .build());
    assertThat(objects("serve4j/risk/v1/")).containsExactly("serve4j/risk/v1/model.bst");
  }

  private Model savedModel() throws IOException {
    file("saved/saved_model.pb", "pb");
    file("saved/variables/variables.index", "index");
    return Model.builder()
        .name("vision")
        .format(ModelFormat.TENSORFLOW_SAVED_MODEL)
        .artifact(dir.resolve("saved").toUri())
        .build();
  }

  /** exporting-model-artifacts: a SavedModel directory; pre-built-containers: tf2-cpu.2-15. */
  @Test
  void tensorflow_localDirectory_isUploadedAsTheSavedModelTree() throws IOException {
    client().deploy(on("vision", savedModel(), Accelerator.defaultCpu())).await();
    assertThat(upload().getModel().getContainerSpec())
        .isEqualTo(
            ModelContainerSpec.newBuilder()
                .setImageUri("us-docker.pkg.dev/vertex-ai/prediction/tf2-cpu.2-15:latest")
                .build());
    assertThat(upload().getModel().getArtifactUri()).isEqualTo("gs://staging/serve4j/vision/v1/");
    assertThat(objects("serve4j/vision/v1/"))
        .containsExactlyInAnyOrder(
            "serve4j/vision/v1/saved_model.pb", "serve4j/vision/v1/variables/variables.index");
    assertThat(machine()).isEqualTo(cpu());
  }

  @Test
  void tensorflow_onGpu_usesTheGpuImageAndAttachesTheGpu() throws IOException {
    client().deploy(on("vision", savedModel(), Accelerator.gpu(DeviceType.NVIDIA_T4, 1))).await();
    assertThat(upload().getModel().getContainerSpec().getImageUri())
        .isEqualTo("us-docker.pkg.dev/vertex-ai/prediction/tf2-gpu.2-15:latest");
    assertThat(machine())
        .isEqualTo(
            MachineSpec.newBuilder()
                .setMachineType("n1-standard-4")
                .setAcceleratorType(AcceleratorType.NVIDIA_TESLA_T4)
                .setAcceleratorCount(1)
                .build());
  }

  /**
   * https://cloud.google.com/vertex-ai/docs/predictions/use-tpu: the optimized TensorFlow runtime
   * TPU image, and the TPU v5e machine type (ct5lp-hightpu-4t carries its four chips; no
   * accelerator is attached).
   */
  @Test
  void tensorflow_onTpu_usesTheOptimizedTpuRuntimeOnTheTpuMachineType() throws IOException {
    client().deploy(on("vision", savedModel(), Accelerator.of(DeviceType.TPU_V5E, 4))).await();
    assertThat(upload().getModel().getContainerSpec())
        .isEqualTo(
            ModelContainerSpec.newBuilder()
                .setImageUri(
                    "us-docker.pkg.dev/vertex-ai-restricted/prediction/tf_opt-tpu.2-15:latest")
                .build());
    assertThat(machine())
        .isEqualTo(MachineSpec.newBuilder().setMachineType("ct5lp-hightpu-4t").build());
  }

  @Test
  void tensorflow_singleFile_isRefusedBeforeAnyCall() throws IOException {
    Model m =
        Model.builder()
            .name("vision")
            .format(ModelFormat.TENSORFLOW_SAVED_MODEL)
            .artifact(file("saved_model.pb", "pb").toUri())
            .build();
    assertThatThrownBy(() -> client().deploy(on("vision", m, Accelerator.defaultCpu())).await())
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("directory");
    assertNothingSent();
  }

  /**
   * Defect 2 (exporting-model-artifacts): the prebuilt PyTorch container serves a TorchServe
   * archive named model.mar; a bare TorchScript file used to be uploaded as is.
   */
  @Test
  void torchscript_ptFile_isRefusedNamingTheArchiveToSupply() throws IOException {
    Model m =
        Model.builder()
            .name("ranker")
            .format(ModelFormat.TORCHSCRIPT)
            .artifact(file("ranker.pt", "pt").toUri())
            .build();
    assertThatThrownBy(() -> client().deploy(on("ranker", m, Accelerator.defaultCpu())).await())
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("model.mar")
        .hasMessageContaining("torch-model-archiver --model-name model");
    assertNothingSent();
  }

  @Test
  void torchscript_marArchive_isStagedAsModelMarWithThePytorchImage() throws IOException {
    Model m =
        Model.builder()
            .name("ranker")
            .format(ModelFormat.TORCHSCRIPT)
            .artifact(file("ranker-7.mar", "mar").toUri())
            .build();
    client().deploy(on("ranker", m, Accelerator.gpu(DeviceType.NVIDIA_T4, 1))).await();
    assertThat(upload().getModel().getContainerSpec())
        .isEqualTo(
            ModelContainerSpec.newBuilder()
                .setImageUri("us-docker.pkg.dev/vertex-ai/prediction/pytorch-gpu.2-1:latest")
                .build());
    assertThat(objects("serve4j/ranker/v1/")).containsExactly("serve4j/ranker/v1/model.mar");
  }

  // --- TPU -----------------------------------------------------------------------------------

  /** Defect 3 (use-tpu): only TF's optimized runtime, PyTorch TPU or a TPU custom container. */
  @Test
  void tpu_forAFormatNoPrebuiltContainerServesOnTpu_isRefusedWithTheAlternatives()
      throws IOException {
    Model m =
        Model.builder()
            .name("churn")
            .format(ModelFormat.SCIKIT_LEARN)
            .artifact(file("churn.joblib", "j").toUri())
            .build();
    assertThatThrownBy(
            () -> client().deploy(on("churn", m, Accelerator.of(DeviceType.TPU_V5E, 1))).await())
        .isInstanceOf(UnsupportedCapabilityException.class)
        .hasMessageContaining("TENSORFLOW_SAVED_MODEL")
        .hasMessageContaining("Model.image");
    assertNothingSent();
  }

  @Test
  void tpu_withAnExplicitTpuCapableImage_isDeployed() {
    Model m =
        Model.builder()
            .name("jax")
            .format(ModelFormat.ONNX)
            .artifact("gs://models/jax/")
            .image("us-docker.pkg.dev/acme/serving/jax-tpu:1")
            .build();
    client().deploy(on("jax", m, Accelerator.of(DeviceType.TPU_V5E, 1))).await();
    assertThat(upload().getModel().getContainerSpec().getImageUri())
        .isEqualTo("us-docker.pkg.dev/acme/serving/jax-tpu:1");
    assertThat(upload().getModel().getArtifactUri()).isEqualTo("gs://models/jax/");
    assertThat(machine())
        .isEqualTo(MachineSpec.newBuilder().setMachineType("ct5lp-hightpu-1t").build());
  }

  // --- custom containers ---------------------------------------------------------------------

  /**
   * Defect 5 (use-custom-container, custom-container-requirements): the portable container facts
   * become ModelContainerSpec ports, predictRoute, healthRoute, command, args and env.
   */
  @Test
  void customContainer_sendsPortRoutesCommandArgsAndEnv() {
    Model m =
        Model.builder()
            .name("ranker")
            .format(ModelFormat.CUSTOM_CONTAINER)
            .image("europe-docker.pkg.dev/acme/serving/ranker:3")
            .environment("MODE", "fast")
            .container(
                ContainerSpec.builder()
                    .port(7080)
                    .predictRoute("/v1/rank")
                    .healthRoute("/healthz")
                    .command(List.of("python", "-m", "ranker.serve"))
                    .args(List.of("--workers", "2"))
                    .build())
            .build();
    client().deploy(on("ranker", m, Accelerator.defaultCpu())).await();
    assertThat(upload().getModel().getContainerSpec())
        .isEqualTo(
            ModelContainerSpec.newBuilder()
                .setImageUri("europe-docker.pkg.dev/acme/serving/ranker:3")
                .addEnv(EnvVar.newBuilder().setName("MODE").setValue("fast"))
                .addPorts(Port.newBuilder().setContainerPort(7080))
                .setPredictRoute("/v1/rank")
                .setHealthRoute("/healthz")
                .addAllCommand(List.of("python", "-m", "ranker.serve"))
                .addAllArgs(List.of("--workers", "2"))
                .build());
    assertThat(upload().getModel().getArtifactUri()).isEmpty();
    assertThat(machine()).isEqualTo(cpu());
  }

  /** Vertex AI probes one health route for readiness; a readiness route alone becomes it. */
  @Test
  void customContainer_readinessRouteAlone_isTheHealthRoute_twoDifferentAreRefused() {
    Model ready =
        Model.builder()
            .name("ranker")
            .format(ModelFormat.CUSTOM_CONTAINER)
            .image("us-docker.pkg.dev/acme/serving/ranker:3")
            .container(ContainerSpec.builder().readinessRoute("/ready").build())
            .build();
    client().deploy(on("ranker", ready, Accelerator.defaultCpu())).await();
    assertThat(upload().getModel().getContainerSpec().getHealthRoute()).isEqualTo("/ready");

    Model both =
        ready.toBuilder()
            .name("other")
            .container(
                ContainerSpec.builder().healthRoute("/live").readinessRoute("/ready").build())
            .build();
    assertThatThrownBy(() -> client().deploy(on("other", both, Accelerator.defaultCpu())).await())
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("one health route");
  }

  @Test
  void containerSpec_onAPrebuiltContainer_isRefusedBeforeAnyCall() throws IOException {
    Model m =
        Model.builder()
            .name("churn")
            .format(ModelFormat.SCIKIT_LEARN)
            .artifact(file("churn.joblib", "j").toUri())
            .container(ContainerSpec.builder().port(9000).build())
            .build();
    assertThatThrownBy(() -> client().deploy(on("churn", m, Accelerator.defaultCpu())).await())
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("Model.container");
    assertNothingSent();
  }

  // --- private endpoints and routing ---------------------------------------------------------

  /**
   * Defect 6 (using-private-endpoints): a private services access endpoint answers at the deployed
   * model's predictHttpUri inside the VPC, not through the public API; and serves one model.
   */
  @Test
  void privateEndpoint_predictionIsRefusedNamingTheUri_andSecondDeploymentIsRefused() {
    ServingClient c =
        client(
            b ->
                b.tritonImage(FakeVertex.TRITON_IMAGE)
                    .network("projects/123/global/networks/serving"));
    Endpoint e =
        c.deploy(on("private", ContractModels.reluOnClasspath(), Accelerator.defaultCpu())).await();
    assertThat(
            vertex
                .endpointService
                .requests(com.google.cloud.aiplatform.v1.CreateEndpointRequest.class)
                .get(0)
                .getEndpoint()
                .getNetwork())
        .isEqualTo("projects/123/global/networks/serving");
    assertThat(e.describe().deployment("d").orElseThrow().details()).containsKey("predictHttpUri");
    assertThatThrownBy(() -> e.predict(ContractModels.reluRequest(1f, 2f)))
        .isInstanceOf(UnsupportedCapabilityException.class)
        .hasMessageContaining("predictHttpUri");
    assertThat(vertex.predictionService.getRequests()).isEmpty();

    EndpointSpec two =
        EndpointSpec.builder()
            .name("private2")
            .deployment(DeploymentSpec.of("a", ContractModels.reluOnClasspath()))
            .deployment(DeploymentSpec.of("b", ContractModels.reluOnClasspath()))
            .traffic(java.util.Map.of("a", 50, "b", 50))
            .build();
    int before = vertex.endpointService.getRequests().size();
    assertThatThrownBy(() -> c.deploy(two).await())
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("one model");
    assertThat(vertex.endpointService.getRequests()).hasSize(before);
  }

  /**
   * https://cloud.google.com/vertex-ai/docs/predictions/private-service-connect: a PSC endpoint
   * (made outside serve4j) answers through a forwarding rule in the VPC, not the public API.
   */
  @Test
  void privateServiceConnectEndpoint_predictionIsRefusedTyped() {
    client().deploy(on("psc", ContractModels.reluOnClasspath(), Accelerator.defaultCpu())).await();
    vertex.changeEndpoint(
        "projects/test-project/locations/us-central1/endpoints/psc",
        e ->
            e.setPrivateServiceConnectConfig(
                com.google.cloud.aiplatform.v1.PrivateServiceConnectConfig.newBuilder()
                    .setEnablePrivateServiceConnect(true)
                    .addProjectAllowlist("test-project")));
    Endpoint fresh = client().endpoint("psc");
    assertThatThrownBy(() -> fresh.predict(ContractModels.reluRequest(1f, 2f)))
        .isInstanceOf(UnsupportedCapabilityException.class)
        .hasMessageContaining("Private Service Connect");
    assertThat(vertex.predictionService.getRequests()).isEmpty();
  }

  /** Defect 7: Vertex AI routes by traffic split only (README: use a dedicated endpoint). */
  @Test
  void targetDeployment_isRefusedTypedBeforeAnyPrediction() {
    Endpoint e =
        client()
            .deploy(on("routed", ContractModels.reluOnClasspath(), Accelerator.defaultCpu()))
            .await();
    assertThatThrownBy(
            () ->
                e.predict(
                    ContractModels.reluRequest(1f, 2f).toBuilder().targetDeployment("d").build()))
        .isInstanceOf(UnsupportedCapabilityException.class)
        .hasMessageContaining("traffic split");
    assertThat(vertex.predictionService.getRequests()).isEmpty();
  }
}
