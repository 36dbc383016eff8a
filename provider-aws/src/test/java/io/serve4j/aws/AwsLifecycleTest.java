package io.serve4j.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.serve4j.BatchJobDescription;
import io.serve4j.BatchJobSpec;
import io.serve4j.BatchJobStatus;
import io.serve4j.DeploymentSpec;
import io.serve4j.Endpoint;
import io.serve4j.EndpointDescription;
import io.serve4j.EndpointSpec;
import io.serve4j.EndpointStatus;
import io.serve4j.InferenceResponse;
import io.serve4j.NotFoundException;
import io.serve4j.Scaling;
import io.serve4j.ScalingMetric;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.ServingException;
import io.serve4j.testkit.ContractModels;
import io.serve4j.testkit.Fault;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The whole SageMaker lifecycle through the real AWS SDK clients (marshalling, signing, retries)
 * against {@link FakeAws}, checking the requests on the wire against the SageMaker, SageMaker
 * Runtime and Application Auto Scaling API references.
 */
class AwsLifecycleTest {
  private static final String JSON_11 = "application/x-amz-json-1.1";
  private FakeAws fake;

  @BeforeEach
  void start() {
    fake = new FakeAws().bucket("models");
  }

  @AfterEach
  void stop() {
    fake.close();
  }

  @Test
  void createInServicePredictShiftTrafficAutoscaleBatchDelete_sendsTheDocumentedRequests() {
    // No HTTP client in the options: the provider creates and closes its own Netty client.
    try (ServingClient aws = Serve4j.client(AwsContractTest.options(fake).build())) {
      EndpointSpec spec =
          EndpointSpec.builder()
              .name("fraud")
              .deployment(
                  DeploymentSpec.builder()
                      .name("blue")
                      .model(ContractModels.reluOnClasspath())
                      .scaling(Scaling.autoscale(1, 4, ScalingMetric.INVOCATIONS_PER_INSTANCE, 70))
                      .build())
              .deployment(DeploymentSpec.of("green", ContractModels.reluOnClasspath()))
              .traffic(Map.of("blue", 100, "green", 0))
              .tag("team", "risk")
              .build();

      // ---- create -> InService
      Endpoint endpoint = aws.deploy(spec).await();
      EndpointDescription d = endpoint.describe();
      assertThat(d.status()).isEqualTo(EndpointStatus.IN_SERVICE);
      assertThat(d.traffic()).containsEntry("blue", 100).containsEntry("green", 0);
      assertThat(d.deployment("blue").orElseThrow().instanceType()).contains("ml.t2.medium");
      assertThat(d.deployment("blue").orElseThrow().signature())
          .contains(ContractModels.RELU_SIGNATURE);
      assertThat(d.url()).contains(URI.create(fake.uri() + "/endpoints/fraud/invocations"));

      FakeAws.Call put =
          single(fake.calls(c -> c.method().equals("PUT") && c.path().startsWith("/models/")));
      assertThat(put.path()).matches("/models/serve4j/relu/1/[0-9a-f]{16}/model.tar.gz");
      Map<String, byte[]> tar = TarEntries.read(put.body());
      assertThat(tar)
          .containsOnlyKeys("relu/", "relu/config.pbtxt", "relu/1/", "relu/1/model.onnx");
      assertThat(tar.get("relu/1/model.onnx")).isEqualTo(ContractModels.reluBytes());
      assertThat(new String(tar.get("relu/config.pbtxt"), StandardCharsets.UTF_8))
          .contains("backend: \"onnxruntime\"", "name: \"x\"", "TYPE_FP32", "dims: [ 1, 2 ]");

      List<FakeAws.Call> createModel = fake.calls("SageMaker.CreateModel");
      assertThat(createModel).hasSize(2);
      for (FakeAws.Call c : createModel) {
        assertThat(c.method()).isEqualTo("POST");
        assertThat(c.path()).isEqualTo("/");
        assertThat(c.header("Content-Type")).startsWith(JSON_11);
        assertThat(c.header("Authorization"))
            .startsWith("AWS4-HMAC-SHA256 Credential=AKIDTESTTESTTEST/");
        JsonNode b = c.json();
        assertThat(b.get("ExecutionRoleArn").asText())
            .isEqualTo("arn:aws:iam::123456789012:role/SageMakerRole");
        assertThat(b.at("/PrimaryContainer/Image").asText())
            .isEqualTo(
                "763104351884.dkr.ecr.us-east-1.amazonaws.com/sagemaker-tritonserver:24.09-py3");
        assertThat(b.at("/PrimaryContainer/ModelDataUrl").asText())
            .isEqualTo("s3://models" + put.path().substring("/models".length()));
        assertThat(
                b.at("/PrimaryContainer/Environment/SAGEMAKER_TRITON_DEFAULT_MODEL_NAME").asText())
            .isEqualTo("relu");
      }
      JsonNode config = single(fake.calls("SageMaker.CreateEndpointConfig")).json();
      assertThat(config.get("EndpointConfigName").asText()).startsWith("fraud-");
      assertThat(config.get("Tags").toString()).contains("\"Key\":\"team\"", "\"Value\":\"risk\"");
      JsonNode blue = config.get("ProductionVariants").get(0);
      assertThat(blue.get("VariantName").asText()).isEqualTo("blue");
      assertThat(blue.get("InstanceType").asText()).isEqualTo("ml.t2.medium");
      assertThat(blue.get("InitialInstanceCount").asInt()).isEqualTo(1);
      assertThat(blue.get("InitialVariantWeight").asDouble()).isEqualTo(100.0);
      assertThat(config.get("ProductionVariants").get(1).get("InitialVariantWeight").asDouble())
          .isEqualTo(0.0);
      JsonNode create = single(fake.calls("SageMaker.CreateEndpoint")).json();
      assertThat(create.get("EndpointName").asText()).isEqualTo("fraud");
      assertThat(create.get("EndpointConfigName").asText())
          .isEqualTo(config.get("EndpointConfigName").asText());
      assertThat(fake.calls("SageMaker.DescribeEndpoint").size()).isGreaterThanOrEqualTo(2);

      // ---- autoscaling registered (after InService)
      JsonNode target = single(fake.calls("AnyScaleFrontendService.RegisterScalableTarget")).json();
      assertThat(target.get("ServiceNamespace").asText()).isEqualTo("sagemaker");
      assertThat(target.get("ResourceId").asText()).isEqualTo("endpoint/fraud/variant/blue");
      assertThat(target.get("ScalableDimension").asText())
          .isEqualTo("sagemaker:variant:DesiredInstanceCount");
      assertThat(target.get("MinCapacity").asInt()).isEqualTo(1);
      assertThat(target.get("MaxCapacity").asInt()).isEqualTo(4);
      JsonNode policy = single(fake.calls("AnyScaleFrontendService.PutScalingPolicy")).json();
      assertThat(policy.get("PolicyType").asText()).isEqualTo("TargetTrackingScaling");
      assertThat(policy.at("/TargetTrackingScalingPolicyConfiguration/TargetValue").asDouble())
          .isEqualTo(70.0);
      assertThat(
              policy
                  .at(
                      "/TargetTrackingScalingPolicyConfiguration/PredefinedMetricSpecification/PredefinedMetricType")
                  .asText())
          .isEqualTo("SageMakerVariantInvocationsPerInstance");
      assertThat(fake.scalableTargetIds()).containsExactly("endpoint/fraud/variant/blue");

      // ---- predict
      InferenceResponse r = endpoint.predict(ContractModels.reluRequest(-1f, 3f));
      assertThat(r.output("y").asFloats()).containsExactly(0f, 3f);
      assertThat(r.deployment()).contains("blue");
      FakeAws.Call invoke =
          single(fake.calls(c -> c.path().equals("/endpoints/fraud/invocations")));
      assertThat(invoke.method()).isEqualTo("POST");
      assertThat(invoke.header("Content-Type")).isEqualTo("application/json");
      assertThat(invoke.header("Accept")).isEqualTo("application/json");
      JsonNode oip = invoke.json();
      assertThat(oip.at("/inputs/0/name").asText()).isEqualTo("x");
      assertThat(oip.at("/inputs/0/datatype").asText()).isEqualTo("FP32");
      assertThat(oip.at("/inputs/0/shape").toString()).isEqualTo("[1,2]");

      // ---- traffic 90/10
      EndpointDescription shifted = endpoint.shiftTraffic(Map.of("blue", 90, "green", 10)).await();
      assertThat(shifted.traffic()).containsEntry("blue", 90).containsEntry("green", 10);
      JsonNode weights = single(fake.calls("SageMaker.UpdateEndpointWeightsAndCapacities")).json();
      assertThat(weights.get("EndpointName").asText()).isEqualTo("fraud");
      assertThat(weights.get("DesiredWeightsAndCapacities").toString())
          .contains("{\"VariantName\":\"blue\",\"DesiredWeight\":90.0}")
          .contains("{\"VariantName\":\"green\",\"DesiredWeight\":10.0}");

      // ---- batch transform
      BatchJobDescription job =
          aws.submitBatchJob(
                  BatchJobSpec.builder()
                      .name("score-2026-11-28")
                      .model(ContractModels.reluOnClasspath())
                      .input(URI.create("s3://models/in/"))
                      .output(URI.create("s3://models/out/"))
                      .contentType("application/jsonlines")
                      .splitType(BatchJobSpec.SplitType.LINE)
                      .build())
              .await();
      assertThat(job.status()).isEqualTo(BatchJobStatus.SUCCEEDED);
      assertThat(job.output()).isEqualTo(URI.create("s3://models/out/"));
      JsonNode transform = single(fake.calls("SageMaker.CreateTransformJob")).json();
      assertThat(transform.get("TransformJobName").asText()).isEqualTo("score-2026-11-28");
      assertThat(transform.at("/TransformInput/DataSource/S3DataSource/S3DataType").asText())
          .isEqualTo("S3Prefix");
      assertThat(transform.at("/TransformInput/DataSource/S3DataSource/S3Uri").asText())
          .isEqualTo("s3://models/in/");
      assertThat(transform.at("/TransformInput/ContentType").asText())
          .isEqualTo("application/jsonlines");
      assertThat(transform.at("/TransformInput/SplitType").asText()).isEqualTo("Line");
      assertThat(transform.at("/TransformOutput/S3OutputPath").asText())
          .isEqualTo("s3://models/out/");
      assertThat(transform.at("/TransformOutput/AssembleWith").asText()).isEqualTo("Line");
      assertThat(transform.at("/TransformResources/InstanceType").asText())
          .isEqualTo("ml.m5.large");
      assertThat(transform.at("/TransformResources/InstanceCount").asInt()).isEqualTo(1);
      assertThat(aws.describeBatchJob("score-2026-11-28").status())
          .isEqualTo(BatchJobStatus.SUCCEEDED);
      String batchModel = transform.get("ModelName").asText();
      assertThat(fake.hasModel(batchModel)).as("batch model deleted after the job").isFalse();

      // ---- delete: endpoint, config, models and the scalable target are gone
      endpoint.delete().await();
      assertThat(
              single(fake.calls("AnyScaleFrontendService.DeregisterScalableTarget"))
                  .json()
                  .get("ResourceId")
                  .asText())
          .isEqualTo("endpoint/fraud/variant/blue");
      assertThat(single(fake.calls("SageMaker.DeleteEndpoint")).json().get("EndpointName").asText())
          .isEqualTo("fraud");
      assertThat(
              single(fake.calls("SageMaker.DeleteEndpointConfig"))
                  .json()
                  .get("EndpointConfigName")
                  .asText())
          .isEqualTo(config.get("EndpointConfigName").asText());
      assertThat(fake.calls("SageMaker.DeleteModel")).hasSizeGreaterThanOrEqualTo(2);
      assertThat(fake.modelNames()).isEmpty();
      assertThat(fake.configNames()).isEmpty();
      assertThat(fake.scalableTargetIds()).isEmpty();
      assertThatThrownBy(endpoint::describe).isInstanceOf(NotFoundException.class);
      assertThat(aws.listEndpoints()).isEmpty();
    }
  }

  @Test
  void update_whenSageMakerRefusesUpdateEndpoint_keepsTheAutoscalingAndDeletesWhatItCreated() {
    try (ServingClient aws = Serve4j.client(AwsContractTest.options(fake).build())) {
      Endpoint endpoint =
          aws.deploy(
                  EndpointSpec.builder()
                      .name("fraud")
                      .deployment(
                          DeploymentSpec.builder()
                              .name("blue")
                              .model(ContractModels.reluOnClasspath())
                              .scaling(
                                  Scaling.autoscale(
                                      1, 4, ScalingMetric.INVOCATIONS_PER_INSTANCE, 70))
                              .build())
                      .build())
              .await();
      Set<String> models = fake.modelNames();
      Set<String> configs = fake.configNames();
      JsonNode policy = fake.policy("endpoint/fraud/variant/blue", "serve4j-blue-target-tracking");
      assertThat(policy).isNotNull();

      fake.wireCalls().fail("UpdateEndpoint", Fault.of(Fault.Kind.SERVER_ERROR));
      EndpointSpec v2 =
          EndpointSpec.builder()
              .name("fraud")
              .deployment(
                  DeploymentSpec.builder()
                      .name("blue")
                      .model(ContractModels.reluOnClasspath().toBuilder().version("2").build())
                      .scaling(Scaling.autoscale(1, 2, ScalingMetric.INVOCATIONS_PER_INSTANCE, 50))
                      .build())
              .build();
      assertThatThrownBy(() -> endpoint.update(v2).await()).isInstanceOf(ServingException.class);

      assertThat(fake.scalableTargetIds()).containsExactly("endpoint/fraud/variant/blue");
      assertThat(fake.policy("endpoint/fraud/variant/blue", "serve4j-blue-target-tracking"))
          .isEqualTo(policy);
      assertThat(fake.modelNames()).isEqualTo(models);
      assertThat(fake.configNames()).isEqualTo(configs);
      assertThat(endpoint.describe().status()).isEqualTo(EndpointStatus.IN_SERVICE);
      endpoint.delete().await();
    }
  }

  private static <T> T single(List<T> list) {
    assertThat(list).hasSize(1);
    return list.get(0);
  }

  static void close(float a, float b) {
    assertThat(a).isCloseTo(b, within(1e-6f));
  }
}
