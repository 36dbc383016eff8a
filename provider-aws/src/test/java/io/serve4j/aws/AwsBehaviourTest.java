package io.serve4j.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.serve4j.Accelerator;
import io.serve4j.BatchJobDescription;
import io.serve4j.BatchJobSpec;
import io.serve4j.BatchJobStatus;
import io.serve4j.BatchingPolicy;
import io.serve4j.DataType;
import io.serve4j.DeploymentSpec;
import io.serve4j.DeviceType;
import io.serve4j.Endpoint;
import io.serve4j.EndpointDescription;
import io.serve4j.EndpointSpec;
import io.serve4j.EndpointStatus;
import io.serve4j.ErrorCategory;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.InvalidInputException;
import io.serve4j.Mirror;
import io.serve4j.Model;
import io.serve4j.ModelErrorException;
import io.serve4j.ModelFormat;
import io.serve4j.ModelLoadException;
import io.serve4j.ModelSignature;
import io.serve4j.Operation;
import io.serve4j.Payload;
import io.serve4j.RetryPolicy;
import io.serve4j.Scaling;
import io.serve4j.ScalingMetric;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.ServingException;
import io.serve4j.TensorSpec;
import io.serve4j.ThrottledException;
import io.serve4j.TimeoutException;
import io.serve4j.UnavailableException;
import io.serve4j.testkit.ContractModels;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.http.async.SdkAsyncHttpClient;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;

/** Provider behaviour beyond the contract, through the real SDK against {@link FakeAws}. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AwsBehaviourTest {
  private FakeAws fake;
  private SdkAsyncHttpClient http;
  private ServingClient aws;

  @BeforeAll
  void start() {
    fake = new FakeAws().bucket("models").bucket("sagemaker-us-east-1-123456789012");
    fake.deployTime(Duration.ofMillis(100));
    http = NettyNioAsyncHttpClient.create();
    aws = client(options());
  }

  @AfterAll
  void stop() {
    aws.close();
    http.close();
    fake.close();
  }

  @BeforeEach
  void clear() {
    fake.clearCalls();
  }

  private AwsOptions.Builder options() {
    return AwsContractTest.options(fake).httpClient(http);
  }

  private ServingClient client(AwsOptions.Builder options) {
    return Serve4j.builder()
        .options(options.build())
        .operationTimeout(Duration.ofSeconds(60))
        .build();
  }

  private static String name() {
    return "t-" + UUID.randomUUID().toString().substring(0, 8);
  }

  /** The ReLU model under a new version, so that its archive is not in the fake S3 yet. */
  private static Model freshRelu() {
    return ContractModels.reluOnClasspath().toBuilder()
        .version(UUID.randomUUID().toString().substring(0, 8))
        .build();
  }

  private Endpoint deployRelu(String name) {
    return aws.deploy(EndpointSpec.of(name, ContractModels.reluOnClasspath())).await();
  }

  @Test
  void predict_whenThrottledOnce_isRetriedOnceByCoreHonouringRetryAfter() {
    Endpoint e = deployRelu(name());
    fake.throttle("InvokeEndpoint", 1);
    try (ServingClient retrying =
        Serve4j.builder()
            .options(options().build())
            .retryPolicy(RetryPolicy.builder().maxAttempts(2).build())
            .build()) {
      long start = System.nanoTime();
      InferenceResponse r = retrying.endpoint(e.name()).predict(ContractModels.reluRequest(-2, 2));
      assertThat(r.output("y").asFloats()).containsExactly(0f, 2f);
      // one throttled attempt, one answered: the SDK does not retry underneath core
      assertThat(fake.calls(c -> c.path().endsWith("/invocations"))).hasSize(2);
      assertThat(Duration.ofNanos(System.nanoTime() - start))
          .isGreaterThanOrEqualTo(Duration.ofSeconds(2));
    }
  }

  @Test
  void predict_whenThrottled_throwsThrottledWithRetryAfterAndRequestId() {
    Endpoint e = deployRelu(name());
    fake.throttle("InvokeEndpoint", 1);
    try (ServingClient once =
        Serve4j.builder().options(options().build()).retryPolicy(RetryPolicy.none()).build()) {
      assertThatThrownBy(() -> once.endpoint(e.name()).predict(ContractModels.reluRequest(1, 1)))
          .isInstanceOfSatisfying(
              ThrottledException.class,
              t -> {
                assertThat(t.retryable()).isTrue();
                assertThat(t.retryAfter()).contains(Duration.ofSeconds(2));
                assertThat(t.requestId())
                    .hasValueSatisfying(id -> assertThat(id).startsWith("req-"));
              });
      assertThat(fake.calls(c -> c.path().endsWith("/invocations"))).hasSize(1);
    }
  }

  @Test
  void predict_whenContainerFails_throwsModelErrorWithItsMessage() {
    Endpoint e = deployRelu(name());
    fake.modelError("tensor x: expected FP32");
    assertThatThrownBy(() -> e.predict(ContractModels.reluRequest(1, 1)))
        .isInstanceOf(ModelErrorException.class)
        .hasMessageContaining("tensor x: expected FP32")
        .hasMessageContaining("answered 400");
  }

  @Test
  void predict_rawPayload_sendsContentTypeVariantInferenceIdAndCustomAttributes() {
    String name = name();
    Endpoint e =
        aws.deploy(
                EndpointSpec.builder()
                    .name(name)
                    .deployment(DeploymentSpec.of("a", ContractModels.reluOnClasspath()))
                    .deployment(DeploymentSpec.of("b", ContractModels.reluOnClasspath()))
                    .traffic(Map.of("a", 50, "b", 50))
                    .build())
            .await();
    InferenceRequest request =
        InferenceRequest.builder()
            .payload(Payload.ofText("-1.5,2.5", "text/csv"))
            .id("inference-42")
            .targetDeployment("b")
            .parameter(AwsParameters.CUSTOM_ATTRIBUTES, "trace=abc")
            .build();
    InferenceResponse r = e.predict(request);
    assertThat(r.payload().orElseThrow().asText()).isEqualTo("0.0,2.5");
    assertThat(r.payload().orElseThrow().contentType()).isEqualTo("text/csv");
    assertThat(r.deployment()).contains("b");
    assertThat(r.parameters()).containsEntry(AwsParameters.CUSTOM_ATTRIBUTES, "echo:trace=abc");
    FakeAws.Call call = fake.calls(c -> c.path().endsWith("/invocations")).get(0);
    assertThat(call.header("Content-Type")).isEqualTo("text/csv");
    assertThat(call.header("X-Amzn-SageMaker-Target-Variant")).isEqualTo("b");
    assertThat(call.header("X-Amzn-SageMaker-Inference-Id")).isEqualTo("inference-42");
    assertThat(call.header("X-Amzn-SageMaker-Custom-Attributes")).isEqualTo("trace=abc");
  }

  @Test
  void predict_customAttributes_goToTheHeaderNotTheBody() {
    Endpoint e = deployRelu(name());
    e.predict(
        ContractModels.reluRequest(1, 2).toBuilder()
            .parameter(AwsParameters.CUSTOM_ATTRIBUTES, "a=1")
            .build());
    FakeAws.Call call = fake.calls(c -> c.path().endsWith("/invocations")).get(0);
    assertThat(call.header("X-Amzn-SageMaker-Custom-Attributes")).isEqualTo("a=1");
    assertThat(call.json().toString()).doesNotContain("custom_attributes");
  }

  @Test
  void deploy_whenContainerFailsHealthCheck_failsModelLoadWithTheFailureReason() {
    String name = name();
    Model broken =
        ContractModels.reluOnClasspath().toBuilder().image("example.com/broken:1").build();
    assertThatThrownBy(() -> aws.deploy(EndpointSpec.of(name, broken)).await())
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("Failed")
        .hasMessageContaining("ping health check");
    EndpointDescription failed = aws.endpoint(name).describe();
    assertThat(failed.status()).isEqualTo(EndpointStatus.FAILED);
    assertThat(failed.failureReason())
        .hasValueSatisfying(r -> assertThat(r).contains("ping health check"));
    aws.endpoint(name).delete().await();
  }

  @Test
  void deploy_withoutRole_failsInvalidInputBeforeAnyCall() {
    try (ServingClient noRole = client(options().executionRoleArn(null))) {
      assertThatThrownBy(
              () ->
                  noRole.deploy(EndpointSpec.of(name(), ContractModels.reluOnClasspath())).await())
          .isInstanceOf(InvalidInputException.class)
          .hasMessageContaining("executionRoleArn");
    }
    assertThat(fake.calls()).isEmpty();
  }

  @Test
  void deploy_nonOnnxWithoutImage_failsInvalidInputBeforeAnyCall() {
    Model xgb =
        Model.builder()
            .name("xgb")
            .format(ModelFormat.XGBOOST)
            .artifact(URI.create("s3://models/xgb/model.tar.gz"))
            .build();
    assertThatThrownBy(() -> aws.deploy(EndpointSpec.of(name(), xgb)).await())
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("XGBOOST")
        .hasMessageContaining("image");
    assertThat(fake.calls()).isEmpty();
  }

  @Test
  void deploy_s3Archive_isUsedInPlaceWithTheExplicitImage() {
    Model xgb =
        Model.builder()
            .name("xgb")
            .format(ModelFormat.XGBOOST)
            .artifact(URI.create("s3://models/xgb/model.tar.gz"))
            .image("683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1")
            .environment("SAGEMAKER_PROGRAM", "inference.py")
            .build();
    Endpoint e = aws.deploy(EndpointSpec.of(name(), xgb)).await();
    JsonNode model = fake.calls("SageMaker.CreateModel").get(0).json();
    assertThat(model.at("/PrimaryContainer/ModelDataUrl").asText())
        .isEqualTo("s3://models/xgb/model.tar.gz");
    assertThat(model.at("/PrimaryContainer/Image").asText()).contains("sagemaker-xgboost");
    assertThat(model.at("/PrimaryContainer/Environment/SAGEMAKER_PROGRAM").asText())
        .isEqualTo("inference.py");
    assertThat(model.at("/PrimaryContainer/Environment").has("SAGEMAKER_TRITON_DEFAULT_MODEL_NAME"))
        .isFalse();
    assertThat(fake.calls(c -> "PUT".equals(c.method()))).isEmpty();
    e.delete().await();
  }

  @Test
  void deploy_sendsVpcKmsDataCaptureAndTags() {
    try (ServingClient c =
        client(
            options()
                .kmsKeyId("alias/models")
                .vpcConfig(new AwsVpcConfig(List.of("sg-1"), List.of("subnet-1", "subnet-2")))
                .dataCapture(new AwsDataCapture(URI.create("s3://models/capture/"), 25))
                .tag("cost-center", "42"))) {
      Endpoint e = c.deploy(EndpointSpec.of(name(), freshRelu())).await();
      JsonNode model = fake.calls("SageMaker.CreateModel").get(0).json();
      assertThat(model.at("/VpcConfig/SecurityGroupIds").toString()).isEqualTo("[\"sg-1\"]");
      assertThat(model.at("/VpcConfig/Subnets").toString())
          .isEqualTo("[\"subnet-1\",\"subnet-2\"]");
      assertThat(model.get("Tags").toString()).contains("cost-center");
      JsonNode config = fake.calls("SageMaker.CreateEndpointConfig").get(0).json();
      assertThat(config.get("KmsKeyId").asText()).isEqualTo("alias/models");
      assertThat(config.at("/DataCaptureConfig/EnableCapture").asBoolean()).isTrue();
      assertThat(config.at("/DataCaptureConfig/InitialSamplingPercentage").asInt()).isEqualTo(25);
      assertThat(config.at("/DataCaptureConfig/DestinationS3Uri").asText())
          .isEqualTo("s3://models/capture/");
      assertThat(config.at("/DataCaptureConfig/CaptureOptions").toString())
          .isEqualTo("[{\"CaptureMode\":\"Input\"},{\"CaptureMode\":\"Output\"}]");
      FakeAws.Call put = fake.calls(x -> "PUT".equals(x.method())).get(0);
      assertThat(put.header("x-amz-server-side-encryption")).isEqualTo("aws:kms");
      assertThat(put.header("x-amz-server-side-encryption-aws-kms-key-id"))
          .isEqualTo("alias/models");
      e.delete().await();
    }
  }

  @Test
  void deploy_withoutBucket_stagesToSageMakersDefaultBucketOfTheAccount() {
    try (ServingClient c = client(options().stagingBucket(null))) {
      Endpoint e = c.deploy(EndpointSpec.of(name(), freshRelu())).await();
      assertThat(
              fake.calls(
                  x -> x.body().length > 0 && new String(x.body()).contains("GetCallerIdentity")))
          .hasSize(1);
      assertThat(fake.calls(x -> "PUT".equals(x.method())).get(0).path())
          .startsWith("/sagemaker-us-east-1-123456789012/serve4j/relu/");
      e.delete().await();
    }
  }

  @Test
  void update_withCanaryPolicy_sendsBlueGreenConfigAndRemovesTheOldConfig() {
    String name = name();
    try (ServingClient c =
        client(
            options()
                .updatePolicy(
                    AwsUpdatePolicy.canary(10, Duration.ofMinutes(5))
                        .withTerminationWait(Duration.ofMinutes(2))
                        .withRollbackAlarms(List.of("p99-latency"))))) {
      Endpoint e = c.deploy(EndpointSpec.of(name, ContractModels.reluOnClasspath())).await();
      String oldConfig =
          fake.calls("SageMaker.CreateEndpointConfig")
              .get(0)
              .json()
              .get("EndpointConfigName")
              .asText();
      e.update(
              EndpointSpec.builder()
                  .name(name)
                  .deployment(DeploymentSpec.of("v2", ContractModels.reluOnClasspath()))
                  .build())
          .await();
      JsonNode update = fake.calls("SageMaker.UpdateEndpoint").get(0).json();
      assertThat(update.get("EndpointConfigName").asText()).isNotEqualTo(oldConfig);
      JsonNode policy = update.at("/DeploymentConfig/BlueGreenUpdatePolicy");
      assertThat(policy.at("/TrafficRoutingConfiguration/Type").asText()).isEqualTo("CANARY");
      assertThat(policy.at("/TrafficRoutingConfiguration/WaitIntervalInSeconds").asInt())
          .isEqualTo(300);
      assertThat(policy.at("/TrafficRoutingConfiguration/CanarySize/Type").asText())
          .isEqualTo("CAPACITY_PERCENT");
      assertThat(policy.at("/TrafficRoutingConfiguration/CanarySize/Value").asInt()).isEqualTo(10);
      assertThat(policy.at("/TerminationWaitInSeconds").asInt()).isEqualTo(120);
      assertThat(
              update.at("/DeploymentConfig/AutoRollbackConfiguration/Alarms/0/AlarmName").asText())
          .isEqualTo("p99-latency");
      assertThat(e.describe().deployments()).extracting(d -> d.name()).containsExactly("v2");
      assertThat(fake.configNames()).doesNotContain(oldConfig);
      e.delete().await();
    }
  }

  @Test
  void update_whenRolledBack_failsModelLoadAndKeepsServing() {
    String name = name();
    Endpoint e = deployRelu(name);
    Model broken =
        ContractModels.reluOnClasspath().toBuilder().image("example.com/broken:2").build();
    assertThatThrownBy(() -> e.update(EndpointSpec.of(name, broken)).await())
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("rolled back");
    assertThat(e.predict(ContractModels.reluRequest(-1, 1)).output("y").asFloats())
        .containsExactly(0f, 1f);
    e.delete().await();
  }

  @Test
  void staging_largeArtifact_isUploadedInParts(@TempDir Path dir) throws IOException {
    byte[] weights = new byte[3 * 1024 * 1024 + 17];
    new Random(7).nextBytes(weights);
    Path file = dir.resolve("model.joblib");
    Files.write(file, weights);
    Model sk =
        Model.builder()
            .name("sk")
            .format(ModelFormat.SCIKIT_LEARN)
            .artifact(file.toUri())
            .image("683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1")
            .build();
    try (ServingClient c = client(options().multipart(1024 * 1024, 1024 * 1024))) {
      Endpoint e = c.deploy(EndpointSpec.of(name(), sk)).await();
      List<FakeAws.Call> parts =
          fake.calls(
              x ->
                  "PUT".equals(x.method())
                      && x.query() != null
                      && x.query().contains("partNumber"));
      assertThat(parts).hasSizeGreaterThanOrEqualTo(3);
      assertThat(fake.multipartUploadsCompleted()).isEqualTo(1);
      String url =
          fake.calls("SageMaker.CreateModel")
              .get(0)
              .json()
              .at("/PrimaryContainer/ModelDataUrl")
              .asText();
      String key = url.substring("s3://models/".length());
      assertThat(TarEntries.read(fake.object("models", key)).get("model.joblib"))
          .isEqualTo(weights);
      e.delete().await();
    }
  }

  @Test
  void batch_whenCancelled_stopsTheTransformJob() throws Exception {
    Operation<BatchJobDescription> op =
        aws.submitBatchJob(
            BatchJobSpec.builder()
                .name("cancel-" + UUID.randomUUID().toString().substring(0, 8))
                .model(ContractModels.reluOnClasspath())
                .input(URI.create("s3://models/in/"))
                .output(URI.create("s3://models/out/"))
                .build());
    long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (fake.calls("SageMaker.CreateTransformJob").isEmpty() && System.nanoTime() < until) {
      Thread.sleep(10);
    }
    assertThat(op.cancel()).isTrue();
    until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (fake.calls("SageMaker.StopTransformJob").isEmpty() && System.nanoTime() < until) {
      Thread.sleep(20);
    }
    assertThat(fake.calls("SageMaker.StopTransformJob")).hasSize(1);
  }

  @Test
  void batch_whenJobFails_reportsFailedWithTheReason() {
    BatchJobDescription d =
        aws.submitBatchJob(
                BatchJobSpec.builder()
                    .name("fail-" + UUID.randomUUID().toString().substring(0, 8))
                    .model(ContractModels.reluOnClasspath())
                    .input(URI.create("s3://models/fail/"))
                    .output(URI.create("s3://models/out/"))
                    .build())
            .await();
    assertThat(d.status()).isEqualTo(BatchJobStatus.FAILED);
    assertThat(d.failure()).hasValueSatisfying(f -> assertThat(f).contains("ClientError"));
  }

  @Test
  void batch_withLocalOutput_failsInvalidInputBeforeAnyCall() {
    assertThatThrownBy(
            () ->
                aws.submitBatchJob(
                        BatchJobSpec.builder()
                            .name("local")
                            .model(ContractModels.reluOnClasspath())
                            .input(URI.create("s3://models/in/"))
                            .output(URI.create("file:/tmp/out"))
                            .build())
                    .await())
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("s3://");
    assertThat(fake.calls()).isEmpty();
  }

  @Test
  void listEndpoints_followsNextTokenAcrossPages() {
    List<String> names = List.of(name(), name(), name());
    names.forEach(this::deployRelu);
    assertThat(aws.listEndpoints()).extracting(d -> d.name()).containsAll(names);
    assertThat(fake.calls("SageMaker.ListEndpoints")).hasSizeGreaterThanOrEqualTo(2);
    assertThat(fake.calls("SageMaker.ListEndpoints").get(1).json().get("NextToken").asText())
        .isEqualTo("2");
    names.forEach(n -> aws.endpoint(n).delete().await());
  }

  @Test
  void deploy_mirror_becomesAShadowVariantWithTheMirroredShare() {
    String name = name();
    Endpoint e =
        aws.deploy(
                EndpointSpec.builder()
                    .name(name)
                    .deployment(DeploymentSpec.of("live", ContractModels.reluOnClasspath()))
                    .deployment(DeploymentSpec.of("shadow", ContractModels.reluOnClasspath()))
                    .traffic(Map.of("live", 100))
                    .mirror(new Mirror("shadow", 25))
                    .build())
            .await();
    JsonNode config = fake.calls("SageMaker.CreateEndpointConfig").get(0).json();
    assertThat(config.get("ProductionVariants")).hasSize(1);
    assertThat(config.at("/ShadowProductionVariants/0/VariantName").asText()).isEqualTo("shadow");
    assertThat(config.at("/ShadowProductionVariants/0/InitialVariantWeight").asDouble())
        .isEqualTo(25.0);
    assertThat(e.describe().mirror()).contains(new Mirror("shadow", 25));
    e.delete().await();
  }

  @Test
  void deploy_gpu_resolvesTheInstanceTypeAndRunsTritonOnTheGpu() {
    Endpoint e =
        aws.deploy(
                EndpointSpec.builder()
                    .name(name())
                    .deployment(
                        DeploymentSpec.builder()
                            .name("gpu")
                            .model(freshRelu())
                            .accelerator(Accelerator.gpu(DeviceType.NVIDIA_T4, 1))
                            .build())
                    .build())
            .await();
    String expected = Serve4j.resolve("aws", Accelerator.gpu(DeviceType.NVIDIA_T4, 1)).sku();
    assertThat(expected).startsWith("ml.g4dn.");
    assertThat(
            fake.calls("SageMaker.CreateEndpointConfig")
                .get(0)
                .json()
                .at("/ProductionVariants/0/InstanceType")
                .asText())
        .isEqualTo(expected);
    FakeAws.Call put = fake.calls(x -> "PUT".equals(x.method())).get(0);
    assertThat(new String(TarEntries.read(put.body()).get("relu/config.pbtxt")))
        .contains("kind: KIND_GPU");
    e.delete().await();
  }

  @Test
  void deploy_batchingOnFixedFirstDimension_failsInvalidInputBeforeAnySageMakerModel() {
    // ReLU's signature is [1, 2]: Triton could not batch along a fixed first dimension. Before the
    // shared writer, AWS dropped that dimension and wrote a config Triton refuses at load time.
    EndpointSpec spec =
        EndpointSpec.builder()
            .name(name())
            .deployment(
                DeploymentSpec.builder()
                    .name("batched")
                    .model(freshRelu())
                    .batching(BatchingPolicy.of(4, Duration.ofMillis(1)))
                    .build())
            .build();
    assertThatThrownBy(() -> aws.deploy(spec).await())
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("dynamic first dimension");
    assertThat(fake.calls("SageMaker.CreateModel")).isEmpty();
    assertThat(fake.calls(x -> "PUT".equals(x.method()))).isEmpty();
  }

  @Test
  void describe_afterDeployOfASignatureLongerThanOneEnvironmentValue_keepsTheSignature() {
    List<TensorSpec> inputs = new java.util.ArrayList<>();
    for (int i = 0; i < 40; i++) {
      inputs.add(TensorSpec.of("input_number_" + i, DataType.FP32, 1, 2));
    }
    ModelSignature wide = new ModelSignature(inputs, ContractModels.RELU_SIGNATURE.outputs());
    // An s3:// file, which core does not read: a local relu.onnx would contradict this signature.
    fake.object("models", "wide/relu.onnx", ContractModels.reluBytes());
    Model model =
        freshRelu().toBuilder()
            .artifact(java.net.URI.create("s3://models/wide/relu.onnx"))
            .signature(wide)
            .build();
    Endpoint e = aws.deploy(EndpointSpec.of(name(), model)).await();
    try (ServingClient fresh = client(options())) {
      assertThat(fresh.endpoint(e.name()).describe().deployments().get(0).signature())
          .contains(wide);
    }
    e.delete().await();
  }

  @Test
  void deploy_onnxOnInferentiaWithoutImage_failsInvalidInputBeforeAnyCall() {
    EndpointSpec spec =
        EndpointSpec.builder()
            .name(name())
            .deployment(
                DeploymentSpec.builder()
                    .name("inf")
                    .model(ContractModels.reluOnClasspath())
                    .accelerator(Accelerator.of(DeviceType.INFERENTIA2, 1))
                    .build())
            .build();
    assertThatThrownBy(() -> aws.deploy(spec).await())
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("Neuron");
    assertThat(fake.calls()).isEmpty();
  }

  @Test
  void update_ofAutoscaledEndpoint_deregistersBeforeUpdatingAndRegistersTheNewVariant() {
    String name = name();
    Scaling auto = Scaling.autoscale(1, 3, ScalingMetric.CPU_UTILIZATION, 60);
    Endpoint e =
        aws.deploy(
                EndpointSpec.builder()
                    .name(name)
                    .deployment(
                        DeploymentSpec.builder()
                            .name("v1")
                            .model(ContractModels.reluOnClasspath())
                            .scaling(auto)
                            .build())
                    .build())
            .await();
    e.update(
            EndpointSpec.builder()
                .name(name)
                .deployment(
                    DeploymentSpec.builder()
                        .name("v2")
                        .model(ContractModels.reluOnClasspath())
                        .scaling(auto)
                        .build())
                .build())
        .await();
    List<String> order =
        fake.calls(c -> c.target() != null).stream().map(FakeAws.Call::target).toList();
    assertThat(order.indexOf("AnyScaleFrontendService.DeregisterScalableTarget"))
        .isGreaterThan(order.indexOf("SageMaker.CreateEndpointConfig"))
        .isLessThan(order.indexOf("SageMaker.UpdateEndpoint"));
    assertThat(fake.scalableTargetIds()).contains("endpoint/" + name + "/variant/v2");
    assertThat(fake.scalableTargetIds()).doesNotContain("endpoint/" + name + "/variant/v1");
    JsonNode metric =
        fake.policy("endpoint/" + name + "/variant/v2", "serve4j-v2-target-tracking")
            .at("/TargetTrackingScalingPolicyConfiguration/CustomizedMetricSpecification");
    assertThat(metric.get("MetricName").asText()).isEqualTo("CPUUtilization");
    assertThat(metric.get("Namespace").asText()).isEqualTo("/aws/sagemaker/Endpoints");
    e.delete().await();
  }

  @Test
  void staging_sameArtifactTwice_isUploadedOnce() {
    Model m = ContractModels.reluOnClasspath().toBuilder().version("staged-once").build();
    Endpoint a = aws.deploy(EndpointSpec.of(name(), m)).await();
    Endpoint b = aws.deploy(EndpointSpec.of(name(), m)).await();
    assertThat(fake.calls(c -> "PUT".equals(c.method()))).hasSize(1);
    assertThat(fake.calls(c -> "HEAD".equals(c.method()))).hasSize(2);
    a.delete().await();
    b.delete().await();
  }

  @Test
  void predict_whenContainerAnswersNonOipBody_failsTypedNotWithAParserException() {
    Endpoint e = deployRelu(name());
    fake.fault("malformed");
    try (ServingClient once =
        Serve4j.builder().options(options().build()).retryPolicy(RetryPolicy.none()).build()) {
      assertThatThrownBy(() -> once.endpoint(e.name()).predict(ContractModels.reluRequest(1, 1)))
          .isInstanceOfSatisfying(
              ServingException.class,
              t -> {
                assertThat(t.category()).isEqualTo(ErrorCategory.INTERNAL);
                assertThat(t.getMessage()).contains("inference response");
              });
    }
  }

  @Test
  void predict_whenConnectionDropsUnderTheCall_throwsUnavailableFromTheClient() {
    Endpoint e = deployRelu(name());
    fake.fault("drop");
    try (ServingClient once =
        Serve4j.builder().options(options().build()).retryPolicy(RetryPolicy.none()).build()) {
      assertThatThrownBy(() -> once.endpoint(e.name()).predict(ContractModels.reluRequest(1, 1)))
          .isInstanceOfSatisfying(
              UnavailableException.class,
              t -> {
                assertThat(t.retryable()).isTrue();
                assertThat(t.origin()).isEqualTo(ServingException.Origin.CLIENT);
              });
    }
  }

  @Test
  void predict_whenContainerIsSlowerThanTheRequestTimeout_throwsTimeoutInTime() {
    Endpoint e = deployRelu(name());
    e.predict(ContractModels.reluRequest(1, 1));
    fake.fault("slow");
    long start = System.nanoTime();
    assertThatThrownBy(
            () ->
                e.predict(
                    ContractModels.reluRequest(1, 1).toBuilder()
                        .timeout(Duration.ofMillis(300))
                        .build()))
        .isInstanceOf(TimeoutException.class);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
  }
}
