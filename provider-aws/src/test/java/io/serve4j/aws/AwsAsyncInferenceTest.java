package io.serve4j.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.serve4j.AsyncInference;
import io.serve4j.DeploymentSpec;
import io.serve4j.Endpoint;
import io.serve4j.EndpointDescription;
import io.serve4j.EndpointSpec;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.InvalidInputException;
import io.serve4j.Mirror;
import io.serve4j.ModelErrorException;
import io.serve4j.Operation;
import io.serve4j.Scaling;
import io.serve4j.ScalingMetric;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.TimeoutException;
import io.serve4j.testkit.ContractModels;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * SageMaker asynchronous inference through the real AWS SDK clients against {@link FakeAws},
 * checking CreateEndpointConfig, the staged input, InvokeEndpointAsync and the S3 polling on the
 * wire against the SageMaker and SageMaker Runtime API references.
 */
class AwsAsyncInferenceTest {
  private static final String KMS = "arn:aws:kms:us-east-1:123456789012:key/async-key";
  private FakeAws fake;
  private ServingClient aws;

  @BeforeEach
  void start() {
    fake = new FakeAws().bucket("models").bucket("results");
    aws =
        Serve4j.builder()
            .options(AwsContractTest.options(fake).kmsKeyId(KMS).build())
            .operationTimeout(Duration.ofMinutes(1))
            .build();
  }

  @AfterEach
  void stop() {
    aws.close();
    fake.close();
  }

  private Endpoint deployAsync(String name, AsyncInference settings) {
    return aws.deploy(
            EndpointSpec.builder()
                .name(name)
                .deployment(DeploymentSpec.of("default", ContractModels.reluOnClasspath()))
                .asyncInference(settings)
                .build())
        .await();
  }

  @Test
  void deploy_asyncEndpoint_sendsAsyncInferenceConfigWithDefaultPathsKmsAndConcurrency() {
    EndpointSpec spec =
        EndpointSpec.builder()
            .name("summaries")
            .deployment(
                DeploymentSpec.builder()
                    .name("default")
                    .model(ContractModels.reluOnClasspath())
                    .scaling(Scaling.autoscale(1, 4, ScalingMetric.INVOCATIONS_PER_INSTANCE, 5))
                    .build())
            .asyncInference(AsyncInference.builder().maxConcurrentInvocationsPerInstance(4).build())
            .build();
    Endpoint endpoint = aws.deploy(spec).await();

    JsonNode config = single(fake.calls("SageMaker.CreateEndpointConfig")).json();
    JsonNode async = config.get("AsyncInferenceConfig");
    assertThat(async.at("/OutputConfig/S3OutputPath").asText())
        .isEqualTo("s3://models/serve4j/async/summaries/output/");
    assertThat(async.at("/OutputConfig/S3FailurePath").asText())
        .isEqualTo("s3://models/serve4j/async/summaries/failure/");
    assertThat(async.at("/OutputConfig/KmsKeyId").asText()).isEqualTo(KMS);
    assertThat(async.at("/ClientConfig/MaxConcurrentInvocationsPerInstance").asInt()).isEqualTo(4);
    assertThat(config.get("ProductionVariants")).hasSize(1);
    assertThat(config.has("ShadowProductionVariants")).isFalse();

    // Autoscaling of an asynchronous endpoint tracks the queue backlog per instance.
    JsonNode policy = single(fake.calls("AnyScaleFrontendService.PutScalingPolicy")).json();
    JsonNode tracking = policy.get("TargetTrackingScalingPolicyConfiguration");
    assertThat(tracking.get("TargetValue").asDouble()).isEqualTo(5.0);
    assertThat(tracking.has("PredefinedMetricSpecification")).isFalse();
    JsonNode metric = tracking.get("CustomizedMetricSpecification");
    assertThat(metric.get("MetricName").asText()).isEqualTo("ApproximateBacklogSizePerInstance");
    assertThat(metric.get("Namespace").asText()).isEqualTo("AWS/SageMaker");
    assertThat(metric.get("Statistic").asText()).isEqualTo("Average");
    assertThat(metric.get("Dimensions").toString())
        .isEqualTo("[{\"Name\":\"EndpointName\",\"Value\":\"summaries\"}]");

    EndpointDescription d = endpoint.describe();
    assertThat(d.asyncInference())
        .contains(
            AsyncInference.builder()
                .outputLocation(URI.create("s3://models/serve4j/async/summaries/output/"))
                .failureLocation(URI.create("s3://models/serve4j/async/summaries/failure/"))
                .maxConcurrentInvocationsPerInstance(4)
                .build());
  }

  @Test
  void deploy_asyncEndpointWithGivenLocations_usesThem() {
    Endpoint endpoint =
        deployAsync(
            "given",
            AsyncInference.builder()
                .outputLocation(URI.create("s3://results/out/"))
                .failureLocation(URI.create("s3://results/failed/"))
                .build());
    JsonNode async = single(fake.calls("SageMaker.CreateEndpointConfig")).json();
    assertThat(async.at("/AsyncInferenceConfig/OutputConfig/S3OutputPath").asText())
        .isEqualTo("s3://results/out/");
    assertThat(async.at("/AsyncInferenceConfig/OutputConfig/S3FailurePath").asText())
        .isEqualTo("s3://results/failed/");
    assertThat(async.at("/AsyncInferenceConfig").has("ClientConfig")).isFalse();
    InferenceResponse r = endpoint.submit(ContractModels.reluRequest(2, -2)).await();
    assertThat(r.output("y").asFloats()).containsExactly(2f, 0f);
    assertThat(String.valueOf(r.parameters().get(AwsParameters.OUTPUT_LOCATION)))
        .startsWith("s3://results/out/");
  }

  @Test
  void submit_stagesInputInvokesAsyncPollsS3AndDeletesTheInput() {
    Endpoint endpoint = deployAsync("scorer", AsyncInference.defaults());
    fake.clearCalls();
    InferenceRequest request =
        ContractModels.reluRequest(-1.5f, 2.5f).toBuilder().id("req-42").build();

    Operation<InferenceResponse> op = endpoint.submit(request);
    List<String> progress = new java.util.concurrent.CopyOnWriteArrayList<>();
    op.onProgress(p -> progress.add(p.message()));
    InferenceResponse r = op.await();

    assertThat(progress)
        .anyMatch(m -> m.contains("req-42 is queued or running on endpoint scorer"));
    assertThat(op.lastProgress().orElseThrow().message()).isEqualTo("inference req-42 finished");
    assertThat(r.outputs()).isEqualTo(ContractModels.reluAnswer(request).outputs());
    assertThat(r.id()).contains("req-42");
    String inputKey = "serve4j/async/scorer/input/req-42.json";
    FakeAws.Call put =
        single(fake.calls(c -> c.method().equals("PUT") && c.path().contains("/input/")));
    assertThat(put.path()).isEqualTo("/models/" + inputKey);
    assertThat(put.header("Content-Type")).isEqualTo("application/json");
    assertThat(put.header("x-amz-server-side-encryption")).isEqualTo("aws:kms");
    assertThat(put.header("x-amz-server-side-encryption-aws-kms-key-id")).isEqualTo(KMS);
    JsonNode oip = put.json();
    assertThat(oip.at("/inputs/0/name").asText()).isEqualTo("x");
    assertThat(oip.at("/inputs/0/shape").toString()).isEqualTo("[1,2]");

    FakeAws.Call invoke =
        single(fake.calls(c -> c.path().equals("/endpoints/scorer/async-invocations")));
    assertThat(invoke.method()).isEqualTo("POST");
    assertThat(invoke.header("X-Amzn-SageMaker-InputLocation"))
        .isEqualTo("s3://models/" + inputKey);
    assertThat(invoke.header("X-Amzn-SageMaker-Content-Type")).isEqualTo("application/json");
    assertThat(invoke.header("X-Amzn-SageMaker-Accept")).isEqualTo("application/json");
    assertThat(invoke.header("X-Amzn-SageMaker-Inference-Id")).isEqualTo("req-42");
    assertThat(invoke.header("Authorization")).startsWith("AWS4-HMAC-SHA256 ");
    // Derived from the one-minute operation deadline, within SageMaker's ranges.
    assertThat(Integer.parseInt(invoke.header("X-Amzn-SageMaker-RequestTTLSeconds")))
        .isBetween(60, 60);
    assertThat(Integer.parseInt(invoke.header("X-Amzn-SageMaker-InvocationTimeoutSeconds")))
        .isBetween(50, 60);

    List<FakeAws.Call> polls = resultReads("scorer");
    assertThat(polls.size()).as("the result was polled, not there at once").isGreaterThan(1);
    assertThat(String.valueOf(r.parameters().get(AwsParameters.OUTPUT_LOCATION)))
        .startsWith("s3://models/serve4j/async/scorer/output/")
        .endsWith(".out");

    eventually(() -> fake.object("models", inputKey) == null, "staged input deleted");
    assertThat(
            fake.calls(c -> c.method().equals("DELETE") && c.path().equals("/models/" + inputKey)))
        .hasSize(1);
  }

  @Test
  void submit_whenTheModelFails_throwsModelErrorWithTheContainersText() {
    Endpoint endpoint = deployAsync("failing", AsyncInference.defaults());
    fake.modelError("input x holds a NaN at [0, 1]");
    assertThatThrownBy(() -> endpoint.submit(ContractModels.reluRequest(1, 2)).await())
        .isInstanceOf(ModelErrorException.class)
        .hasMessageContaining("input x holds a NaN at [0, 1]")
        .hasMessageContaining("s3://models/serve4j/async/failing/failure/");
    eventually(
        () -> fake.objectKeys().stream().noneMatch(k -> k.contains("/async/failing/input/")),
        "staged input deleted after a failure");
  }

  @Test
  void submit_whenDeadlineShorterThanTheQueue_timesOutWithinBound() {
    Endpoint endpoint = deployAsync("slow", AsyncInference.defaults());
    fake.asyncDelay(Duration.ofSeconds(5));
    InferenceRequest hurried =
        ContractModels.reluRequest(1, 2).toBuilder().timeout(Duration.ofMillis(700)).build();
    long start = System.nanoTime();
    assertThatThrownBy(() -> endpoint.submit(hurried).await())
        .isInstanceOf(TimeoutException.class)
        .hasMessageContaining("submit inference to slow");
    assertThat(Duration.ofNanos(System.nanoTime() - start))
        .isGreaterThanOrEqualTo(Duration.ofMillis(600))
        .isLessThan(Duration.ofMillis(2500));
    FakeAws.Call invoke = single(fake.calls(c -> c.path().endsWith("/async-invocations")));
    // Below SageMaker's minimum queue TTL the request asks for the minimum.
    assertThat(invoke.header("X-Amzn-SageMaker-RequestTTLSeconds")).isEqualTo("60");
    assertThat(invoke.header("X-Amzn-SageMaker-InvocationTimeoutSeconds")).isEqualTo("1");
  }

  @Test
  void submit_cancel_stopsPollingS3() throws InterruptedException {
    Endpoint endpoint = deployAsync("cancelled", AsyncInference.defaults());
    fake.asyncDelay(Duration.ofSeconds(30));
    Operation<InferenceResponse> op = endpoint.submit(ContractModels.reluRequest(1, 2));
    eventually(() -> resultReads("cancelled").size() >= 2, "polling started");
    assertThat(op.cancel()).isTrue();
    assertThatThrownBy(op::await).isInstanceOf(CancellationException.class);
    Thread.sleep(300); // grace for a poll already in flight
    int after = resultReads("cancelled").size();
    Thread.sleep(600); // many poll intervals (50 ms)
    assertThat(resultReads("cancelled")).hasSize(after);
    eventually(
        () -> fake.objectKeys().stream().noneMatch(k -> k.contains("/async/cancelled/input/")),
        "staged input deleted after cancellation");
  }

  @Test
  void predictOnAsync_andSubmitOnRealTime_areInvalidInputAfterSageMakerRefusesThem() {
    Endpoint async = deployAsync("queued", AsyncInference.defaults());
    assertThatThrownBy(() -> async.predict(ContractModels.reluRequest(1, 2)))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("endpoint 'queued' is asynchronous: use Endpoint.submit")
        .hasMessageContaining("SageMaker said:");
    assertThat(fake.calls(c -> c.path().equals("/endpoints/queued/invocations"))).hasSize(1);

    Endpoint realTime =
        aws.deploy(EndpointSpec.of("live", ContractModels.reluOnClasspath())).await();
    assertThatThrownBy(() -> realTime.submit(ContractModels.reluRequest(1, 2)).await())
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("endpoint 'live' is real-time: use Endpoint.predict");
    assertThat(fake.calls(c -> c.path().equals("/endpoints/live/async-invocations"))).hasSize(1);
    eventually(
        () -> fake.objectKeys().stream().noneMatch(k -> k.contains("/async/live/input/")),
        "staged input deleted after the refusal");
  }

  @Test
  void deploy_asyncWithMirrorSeveralDeploymentsOrNonS3Location_isRefusedBeforeAnyCall() {
    DeploymentSpec a = DeploymentSpec.of("a", ContractModels.reluOnClasspath());
    DeploymentSpec b = DeploymentSpec.of("b", ContractModels.reluOnClasspath());
    EndpointSpec mirrored =
        EndpointSpec.builder()
            .name("m")
            .deployment(a)
            .deployment(b)
            .mirror(new Mirror("b", 10))
            .asyncInference(AsyncInference.defaults())
            .build();
    assertThatThrownBy(() -> aws.deploy(mirrored).await())
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("shadow variants do not support asynchronous inference");
    EndpointSpec split =
        EndpointSpec.builder()
            .name("s")
            .deployment(a)
            .deployment(b)
            .traffic(Map.of("a", 50, "b", 50))
            .asyncInference(AsyncInference.defaults())
            .build();
    assertThatThrownBy(() -> aws.deploy(split).await())
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("exactly one deployment, has 2");
    EndpointSpec gcs =
        EndpointSpec.builder()
            .name("g")
            .deployment(a)
            .asyncInference(
                AsyncInference.builder().outputLocation(URI.create("gs://bucket/out/")).build())
            .build();
    assertThatThrownBy(() -> aws.deploy(gcs).await())
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("asyncInference outputLocation")
        .hasMessageContaining("s3://");
    assertThat(fake.calls()).isEmpty();
  }

  @Test
  void submit_rawPayload_keepsItsContentType() {
    Endpoint endpoint = deployAsync("csv", AsyncInference.defaults());
    InferenceResponse r =
        endpoint
            .submit(InferenceRequest.of(io.serve4j.Payload.ofText("-1,2.5", "text/csv")))
            .await();
    assertThat(new String(r.payload().orElseThrow().bytes(), StandardCharsets.UTF_8))
        .isEqualTo("0.0,2.5");
    FakeAws.Call invoke =
        single(fake.calls(c -> c.path().equals("/endpoints/csv/async-invocations")));
    assertThat(invoke.header("X-Amzn-SageMaker-Content-Type")).isEqualTo("text/csv");
    assertThat(invoke.header("X-Amzn-SageMaker-Accept")).isNull();
    assertThat(invoke.header("X-Amzn-SageMaker-InputLocation")).endsWith(".bin");
  }

  private List<FakeAws.Call> resultReads(String endpoint) {
    return fake.calls(
        c ->
            (c.method().equals("GET") || c.method().equals("HEAD"))
                && (c.path().contains("/async/" + endpoint + "/output/")
                    || c.path().contains("/async/" + endpoint + "/failure/")));
  }

  private static void eventually(BooleanSupplier condition, String what) {
    long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > until) {
        throw new AssertionError("timed out waiting until " + what);
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  private static <T> T single(List<T> list) {
    assertThat(list).hasSize(1);
    return list.get(0);
  }
}
