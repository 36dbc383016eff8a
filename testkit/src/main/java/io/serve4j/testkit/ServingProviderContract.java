package io.serve4j.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.abort;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.serve4j.Accelerator;
import io.serve4j.AsyncInference;
import io.serve4j.BatchJobSpec;
import io.serve4j.Capability;
import io.serve4j.DeploymentSpec;
import io.serve4j.DeviceType;
import io.serve4j.Endpoint;
import io.serve4j.EndpointDescription;
import io.serve4j.EndpointSpec;
import io.serve4j.EndpointStatus;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.InvalidInputException;
import io.serve4j.Mirror;
import io.serve4j.Model;
import io.serve4j.NotFoundException;
import io.serve4j.Operation;
import io.serve4j.Payload;
import io.serve4j.Scaling;
import io.serve4j.ScalingMetric;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.Tensor;
import io.serve4j.TimeoutException;
import io.serve4j.UnavailableException;
import io.serve4j.UnsupportedCapabilityException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * The contract every provider passes, run by extending this class and supplying a {@link
 * ContractFixture}:
 *
 * <pre>{@code
 * class AwsContractTest extends ServingProviderContract {
 *   protected ContractFixture createFixture() { return new AwsFakeFixture(); }
 * }
 * }</pre>
 *
 * <p>Cases that need a capability the provider lacks check that it answers with a typed {@link
 * UnsupportedCapabilityException} before sending anything, then report themselves as skipped.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(180)
public abstract class ServingProviderContract {
  private static final Duration ASYNC_WAIT = Duration.ofMinutes(1);

  private ContractFixture fixture;
  private ServingClient client;
  private final List<String> created = new ArrayList<>();

  /**
   * Creates the provider's fixture; called once per test class.
   *
   * @return the fixture
   */
  protected abstract ContractFixture createFixture();

  /**
   * Returns the fixture, for subclasses that add provider-specific cases.
   *
   * @return the fixture
   */
  protected final ContractFixture fixture() {
    return fixture;
  }

  @BeforeAll
  void startFixture() {
    fixture = createFixture();
  }

  @AfterAll
  void stopFixture() {
    if (fixture != null) {
      fixture.close();
    }
  }

  @BeforeEach
  void openClient() {
    client = fixture.newClient(Serve4j.builder().operationTimeout(Duration.ofMinutes(2)));
  }

  @AfterEach
  void cleanUp() {
    if (client == null) {
      return;
    }
    try {
      for (String name : created) {
        try {
          client.endpoint(name).delete().await(Duration.ofSeconds(60));
        } catch (RuntimeException ignored) {
          // already gone, or the case left it half-made on purpose
        }
      }
    } finally {
      created.clear();
      client.close();
    }
  }

  // ---------------------------------------------------------------- naming

  @Test
  void provider_oneName_idConstantPackageAndClassAgree() throws Exception {
    String id = client.providerId();
    io.serve4j.spi.ServingProvider provider =
        java.util.ServiceLoader.load(io.serve4j.spi.ServingProvider.class).stream()
            .map(java.util.ServiceLoader.Provider::get)
            .filter(p -> p.id().equals(id))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no ServiceLoader entry for " + id));
    // One name per provider: id "aws" -> io.serve4j.aws.AwsProvider.ID, "local" ->
    // io.serve4j.local.LocalProvider.ID (whatever the Maven module is called).
    String capitalised = Character.toUpperCase(id.charAt(0)) + id.substring(1);
    assertThat(provider.getClass().getSimpleName()).isEqualTo(capitalised + "Provider");
    assertThat(provider.getClass().getPackageName()).endsWith("." + id);
    java.lang.reflect.Field constant = provider.getClass().getField("ID");
    assertThat(java.lang.reflect.Modifier.isStatic(constant.getModifiers())).isTrue();
    assertThat(constant.get(null)).isEqualTo(id);
    assertThat(java.util.Arrays.stream(provider.optionsType().getFields()).map(f -> f.getName()))
        .as("the options type names no second provider id constant")
        .doesNotContain("ID", "PROVIDER_ID");
  }

  // ---------------------------------------------------------------- lifecycle

  @Test
  void lifecycle_deployDescribePredictShiftTrafficDelete() {
    boolean split = client.capabilities().contains(Capability.TRAFFIC_SPLIT);
    String name = newName();
    EndpointSpec.Builder spec =
        EndpointSpec.builder()
            .name(name)
            .deployment(DeploymentSpec.of("blue", fixture.reluModel()));
    if (split) {
      spec.deployment(DeploymentSpec.of("green", fixture.reluModel()))
          .traffic(Map.of("blue", 100, "green", 0));
    }
    Endpoint endpoint = deploy(spec.build());

    EndpointDescription d = endpoint.describe();
    assertThat(d.name()).isEqualTo(name);
    assertThat(d.status()).isEqualTo(EndpointStatus.IN_SERVICE);
    assertThat(d.deployments()).extracting(x -> x.name()).contains("blue");
    assertThat(d.traffic()).containsEntry("blue", 100);
    assertThat(client.listEndpoints()).extracting(EndpointDescription::name).contains(name);

    assertRelu(endpoint.predict(ContractModels.reluRequest(-1.5f, 2.5f)), -1.5f, 2.5f);

    if (split) {
      EndpointDescription shifted = endpoint.shiftTraffic(Map.of("blue", 90, "green", 10)).await();
      assertThat(shifted.traffic()).containsEntry("blue", 90).containsEntry("green", 10);
      assertThat(endpoint.describe().traffic())
          .containsEntry("blue", 90)
          .containsEntry("green", 10);
      assertRelu(endpoint.predict(ContractModels.reluRequest(3f, -4f)), 3f, -4f);
    }

    endpoint.delete().await();
    created.remove(name);
    assertThatThrownBy(endpoint::describe).isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> endpoint.predict(ContractModels.reluRequest(1, 1)))
        .isInstanceOf(NotFoundException.class);
  }

  @Test
  void shiftTraffic_whenSplitDoesNotSumTo100_throwsInvalidInput() {
    Endpoint endpoint = deploy(EndpointSpec.of(newName(), fixture.reluModel()));
    assertThatThrownBy(() -> endpoint.shiftTraffic(Map.of("default", 50)).await())
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("100");
  }

  @Test
  void deploy_whenEndpointNameExists_failsTyped() {
    String name = newName();
    deploy(EndpointSpec.of(name, fixture.reluModel()));
    assertThatThrownBy(() -> client.deploy(EndpointSpec.of(name, fixture.reluModel())).await())
        .isInstanceOf(io.serve4j.ServingException.class)
        .satisfies(
            e ->
                assertThat(((io.serve4j.ServingException) e).category())
                    .isIn(
                        io.serve4j.ErrorCategory.CONFLICT, io.serve4j.ErrorCategory.INVALID_INPUT));
  }

  // ---------------------------------------------------------------- predict

  @Test
  void predict_syncEqualsAsync() throws Exception {
    Endpoint endpoint = deploy(EndpointSpec.of(newName(), fixture.reluModel()));
    InferenceRequest request = ContractModels.reluRequest(0.25f, -0.75f);
    InferenceResponse sync = endpoint.predict(request);
    InferenceResponse async = endpoint.predictAsync(request).get();
    assertThat(async.outputs()).isEqualTo(sync.outputs());
    assertRelu(async, 0.25f, -0.75f);
  }

  @Test
  void predict_64Concurrent_allCorrect() throws Exception {
    Endpoint endpoint = deploy(EndpointSpec.of(newName(), fixture.reluModel()));
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      List<Future<InferenceResponse>> futures = new ArrayList<>();
      for (int i = 0; i < 64; i++) {
        float a = i - 32f;
        float b = 32f - i * 0.5f;
        futures.add(pool.submit(() -> endpoint.predict(ContractModels.reluRequest(a, b))));
      }
      for (int i = 0; i < 64; i++) {
        assertRelu(futures.get(i).get(), i - 32f, 32f - i * 0.5f);
      }
      List<CompletableFuture<InferenceResponse>> asyncs = new ArrayList<>();
      for (int i = 0; i < 64; i++) {
        asyncs.add(endpoint.predictAsync(ContractModels.reluRequest(i, -i)));
      }
      for (int i = 0; i < 64; i++) {
        assertRelu(asyncs.get(i).get(), i, -i);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void predict_whenShapeMismatch_throwsInvalidInputBeforeSending() {
    Endpoint endpoint = deploy(EndpointSpec.of(newName(), fixture.reluModel()));
    endpoint.predict(ContractModels.reluRequest(1, 2));
    long before = fixture.predictionsReceived();
    InferenceRequest bad =
        InferenceRequest.of(Tensor.ofFloats("x", new long[] {1, 3}, new float[] {1, 2, 3}));
    assertThatThrownBy(() -> endpoint.predict(bad))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("x")
        .hasMessageContaining("[1, 2]")
        .hasMessageContaining("[1, 3]");
    assertThat(fixture.predictionsReceived()).isEqualTo(before);
  }

  @Test
  void predict_whenTypeMismatch_throwsInvalidInputBeforeSending() {
    Endpoint endpoint = deploy(EndpointSpec.of(newName(), fixture.reluModel()));
    endpoint.predict(ContractModels.reluRequest(1, 2));
    long before = fixture.predictionsReceived();
    InferenceRequest bad =
        InferenceRequest.of(Tensor.ofInts("x", new long[] {1, 2}, new int[] {1, 2}));
    assertThatThrownBy(() -> endpoint.predictAsync(bad).join())
        .hasCauseInstanceOf(InvalidInputException.class)
        .hasMessageContaining("FP32")
        .hasMessageContaining("INT32");
    assertThat(fixture.predictionsReceived()).isEqualTo(before);
  }

  @Test
  void predict_whenInputNameUnknown_throwsInvalidInputNamingIt() {
    Endpoint endpoint = deploy(EndpointSpec.of(newName(), fixture.reluModel()));
    InferenceRequest bad =
        InferenceRequest.of(Tensor.ofFloats("z", new long[] {1, 2}, new float[] {1, 2}));
    assertThatThrownBy(() -> endpoint.predict(bad))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("'z'");
  }

  @Test
  void predict_onFreshHandle_validatesBeforeSending() {
    String name = newName();
    deploy(EndpointSpec.of(name, fixture.reluModel()));
    try (ServingClient other = fixture.newClient(Serve4j.builder())) {
      long before = fixture.predictionsReceived();
      InferenceRequest bad =
          InferenceRequest.of(Tensor.ofFloats("x", new long[] {2, 2}, new float[] {1, 2, 3, 4}));
      assertThatThrownBy(() -> other.endpoint(name).predict(bad))
          .isInstanceOf(InvalidInputException.class);
      assertThat(fixture.predictionsReceived()).isEqualTo(before);
      assertRelu(other.endpoint(name).predict(ContractModels.reluRequest(-2, 7)), -2, 7);
    }
  }

  @Test
  void predict_whenEndpointUnknown_throwsNotFound() {
    Endpoint missing = client.endpoint("missing-" + UUID.randomUUID().toString().substring(0, 8));
    assertThatThrownBy(() -> missing.predict(ContractModels.reluRequest(1, 2)))
        .isInstanceOf(NotFoundException.class);
    assertThatThrownBy(missing::describe).isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> missing.delete().await()).isInstanceOf(NotFoundException.class);
  }

  // ---------------------------------------------------------------- deadlines

  @Test
  void operation_awaitWithShortTimeout_throwsTimeoutWithinBound() {
    Duration min = fixture.minimumDeployTime();
    assumeTrue(!min.isZero(), "deployments are instant on this fixture");
    String name = newName();
    Operation<Endpoint> op = client.deploy(EndpointSpec.of(name, fixture.reluModel()));
    created.add(name);
    Duration wait = min.dividedBy(4);
    long start = System.nanoTime();
    assertThatThrownBy(() -> op.await(wait)).isInstanceOf(TimeoutException.class);
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    assertThat(took).isGreaterThanOrEqualTo(wait).isLessThan(wait.plusSeconds(2));
    assertThat(op.await()).isNotNull(); // the operation went on
  }

  @Test
  void operation_whenDeadlineShorterThanDeploy_failsWithTimeout() {
    Duration min = fixture.minimumDeployTime();
    assumeTrue(!min.isZero(), "deployments are instant on this fixture");
    Duration deadline = min.dividedBy(4);
    try (ServingClient hurried = fixture.newClient(Serve4j.builder().operationTimeout(deadline))) {
      String name = newName();
      Operation<Endpoint> op = hurried.deploy(EndpointSpec.of(name, fixture.reluModel()));
      created.add(name);
      long start = System.nanoTime();
      assertThatThrownBy(op::await).isInstanceOf(TimeoutException.class);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(deadline.plusSeconds(2));
      assertThat(op.isDone()).isTrue();
    }
  }

  @Test
  void operation_cancel_stopsWaiting() {
    Duration min = fixture.minimumDeployTime();
    assumeTrue(!min.isZero(), "deployments are instant on this fixture");
    String name = newName();
    Operation<Endpoint> op = client.deploy(EndpointSpec.of(name, fixture.reluModel()));
    created.add(name);
    assertThat(op.cancel()).isTrue();
    assertThat(op.isDone()).isTrue();
    assertThatThrownBy(op::await).isInstanceOf(java.util.concurrent.CancellationException.class);
  }

  @Test
  void predict_whenRequestTimeoutTooShortForTheCall_throwsTimeoutOrAnswers() {
    Endpoint endpoint = deploy(EndpointSpec.of(newName(), fixture.reluModel()));
    InferenceRequest tiny =
        ContractModels.reluRequest(1, 2).toBuilder().timeout(Duration.ofNanos(1)).build();
    // A 1 ns deadline cannot be met by a remote call; a local one may still win the race.
    try {
      assertRelu(endpoint.predict(tiny), 1, 2);
    } catch (TimeoutException e) {
      assertThat(e.retryable()).isTrue();
    }
  }

  // ---------------------------------------------------------------- close

  @Test
  void close_isIdempotent_andLaterCallsFail() {
    ServingClient c = fixture.newClient(Serve4j.builder());
    c.close();
    c.close();
    for (ThrowingCallable call :
        List.<ThrowingCallable>of(() -> c.endpoint("x"), c::listEndpoints)) {
      assertThatThrownBy(call)
          .isInstanceOfSatisfying(
              UnavailableException.class, e -> assertThat(e.retryable()).isFalse())
          .hasMessageContaining("is closed");
    }
  }

  @Test
  void close_makesExistingHandlesFail() {
    ServingClient c = fixture.newClient(Serve4j.builder());
    Endpoint e = c.endpoint("anything");
    c.close();
    assertThatThrownBy(() -> e.predict(ContractModels.reluRequest(1, 2)))
        .isInstanceOfSatisfying(
            UnavailableException.class, x -> assertThat(x.retryable()).isFalse())
        .hasMessageContaining("is closed");
    assertThat(e.predictAsync(ContractModels.reluRequest(1, 2)))
        .failsWithin(Duration.ofSeconds(5))
        .withThrowableOfType(java.util.concurrent.ExecutionException.class)
        .withCauseInstanceOf(UnavailableException.class);
  }

  // ---------------------------------------------------------------- capabilities

  @Test
  void shadow_mirrorsToShadowDeployment_orIsUnsupported() {
    String name = newName();
    EndpointSpec spec =
        EndpointSpec.builder()
            .name(name)
            .deployment(DeploymentSpec.of("live", fixture.reluModel()))
            .deployment(DeploymentSpec.of("shadow", fixture.reluModel()))
            .traffic(Map.of("live", 100))
            .mirror(new Mirror("shadow", 100))
            .build();
    Endpoint endpoint = deployOrSkip(spec, Capability.SHADOW);
    assertThat(endpoint.describe().mirror()).contains(new Mirror("shadow", 100));
    InferenceResponse r = endpoint.predict(ContractModels.reluRequest(-1, 1));
    assertRelu(r, -1, 1);
    r.deployment().ifPresent(dep -> assertThat(dep).isEqualTo("live"));
  }

  @Test
  void autoscaling_isAccepted_orIsUnsupported() {
    String name = newName();
    EndpointSpec spec =
        EndpointSpec.builder()
            .name(name)
            .deployment(
                DeploymentSpec.builder()
                    .name("auto")
                    .model(fixture.reluModel())
                    .scaling(Scaling.autoscale(1, 3, ScalingMetric.INVOCATIONS_PER_INSTANCE, 100))
                    .build())
            .build();
    Endpoint endpoint = deployOrSkip(spec, Capability.AUTOSCALING);
    assertThat(endpoint.describe().deployment("auto")).isPresent();
    assertRelu(endpoint.predict(ContractModels.reluRequest(5, -5)), 5, -5);
  }

  @Test
  void gpu_deploys_orIsUnsupported() {
    EndpointSpec spec =
        EndpointSpec.builder()
            .name(newName())
            .deployment(
                DeploymentSpec.builder()
                    .name("gpu")
                    .model(fixture.reluModel())
                    .accelerator(Accelerator.gpu(DeviceType.NVIDIA_T4, 1))
                    .build())
            .build();
    Endpoint endpoint = deployOrSkip(spec, Capability.GPU);
    assertRelu(endpoint.predict(ContractModels.reluRequest(-9, 9)), -9, 9);
  }

  @Test
  void multiModel_withoutCapability_isRefusedTypedBeforeAnyCall() {
    assumeTrue(
        !client.capabilities().contains(Capability.MULTI_MODEL),
        "provider has MULTI_MODEL; its multi-model tests cover it");
    Model fleet =
        fixture.reluModel().toBuilder().signature(null).sha256(null).multiModel(true).build();
    EndpointSpec spec = EndpointSpec.of(newName(), fleet);
    long before = fixture.predictionsReceived();
    assertThatThrownBy(() -> client.deploy(spec))
        .isInstanceOf(UnsupportedCapabilityException.class)
        .hasMessageContaining(Capability.MULTI_MODEL.name());
    InferenceRequest targeted =
        ContractModels.reluRequest(1, 2).toBuilder().targetModel("relu.onnx").build();
    assertThatThrownBy(() -> client.endpoint(spec.name()).predict(targeted))
        .isInstanceOf(UnsupportedCapabilityException.class)
        .hasMessageContaining(Capability.MULTI_MODEL.name());
    assertThat(fixture.predictionsReceived()).isEqualTo(before);
    assertThat(client.listEndpoints())
        .extracting(EndpointDescription::name)
        .doesNotContain(spec.name());
  }

  @Test
  void streaming_withoutCapability_isRefusedTypedBeforeAnyCall() throws Exception {
    assumeTrue(
        !client.capabilities().contains(Capability.STREAMING),
        "provider has STREAMING; its StreamingContract covers it");
    String name = newName();
    long before = fixture.predictionsReceived();
    assertThatThrownBy(() -> client.endpoint(name).stream(ContractModels.reluRequest(1, 2)))
        .isInstanceOf(UnsupportedCapabilityException.class)
        .hasMessageContaining(Capability.STREAMING.name());
    java.util.concurrent.CompletableFuture<Throwable> signalled =
        new java.util.concurrent.CompletableFuture<>();
    client
        .endpoint(name)
        .streamAsync(ContractModels.reluRequest(1, 2))
        .subscribe(
            new java.util.concurrent.Flow.Subscriber<>() {
              @Override
              public void onSubscribe(java.util.concurrent.Flow.Subscription s) {
                s.request(1);
              }

              @Override
              public void onNext(io.serve4j.InferenceResponse item) {
                signalled.completeExceptionally(new AssertionError("a chunk: " + item));
              }

              @Override
              public void onError(Throwable t) {
                signalled.complete(t);
              }

              @Override
              public void onComplete() {
                signalled.completeExceptionally(new AssertionError("completed"));
              }
            });
    assertThat(signalled.get(10, java.util.concurrent.TimeUnit.SECONDS))
        .isInstanceOf(UnsupportedCapabilityException.class)
        .hasMessageContaining(Capability.STREAMING.name());
    assertThat(fixture.predictionsReceived()).isEqualTo(before);
  }

  @Test
  void asyncInference_withoutCapability_isRefusedTypedBeforeAnyCall() {
    assumeTrue(
        !client.capabilities().contains(Capability.ASYNC_INFERENCE),
        "provider has ASYNC_INFERENCE; the async cases below cover it");
    EndpointSpec spec =
        EndpointSpec.builder()
            .name(newName())
            .deployment(DeploymentSpec.of("default", fixture.reluModel()))
            .asyncInference(AsyncInference.defaults())
            .build();
    long before = fixture.predictionsReceived();
    assertThatThrownBy(() -> client.deploy(spec))
        .isInstanceOf(UnsupportedCapabilityException.class)
        .hasMessageContaining(Capability.ASYNC_INFERENCE.name());
    assertThatThrownBy(() -> client.endpoint(spec.name()).submit(ContractModels.reluRequest(1, 2)))
        .isInstanceOf(UnsupportedCapabilityException.class)
        .hasMessageContaining(Capability.ASYNC_INFERENCE.name());
    assertThat(fixture.predictionsReceived()).isEqualTo(before);
    assertThat(client.listEndpoints())
        .extracting(EndpointDescription::name)
        .doesNotContain(spec.name());
  }

  @Test
  void asyncInference_submitAnswersLikeTheModel_andDescribeSaysAsynchronous() {
    assumeTrue(
        client.capabilities().contains(Capability.ASYNC_INFERENCE),
        "provider has no ASYNC_INFERENCE; the refusal case covers it");
    Endpoint endpoint =
        deploy(
            EndpointSpec.builder()
                .name(newName())
                .deployment(DeploymentSpec.of("default", fixture.reluModel()))
                .asyncInference(AsyncInference.defaults())
                .build());
    EndpointDescription d = endpoint.describe();
    assertThat(d.status()).isEqualTo(EndpointStatus.IN_SERVICE);
    assertThat(d.asyncInference()).isPresent();
    InferenceResponse r = endpoint.submit(ContractModels.reluRequest(-3, 4)).await(ASYNC_WAIT);
    assertThat(r.outputs())
        .isEqualTo(ContractModels.reluAnswer(ContractModels.reluRequest(-3, 4)).outputs());
    assertRelu(r, -3, 4);
    assertRelu(endpoint.submit(ContractModels.reluRequest(7, -0.5f)).await(ASYNC_WAIT), 7, -0.5f);
  }

  @Test
  void asyncInference_predictOnAsyncAndSubmitOnRealTime_areInvalidInput() {
    assumeTrue(
        client.capabilities().contains(Capability.ASYNC_INFERENCE),
        "provider has no ASYNC_INFERENCE; the refusal case covers it");
    Endpoint async =
        deploy(
            EndpointSpec.builder()
                .name(newName())
                .deployment(DeploymentSpec.of("default", fixture.reluModel()))
                .asyncInference(AsyncInference.defaults())
                .build());
    assertThatThrownBy(() -> async.predict(ContractModels.reluRequest(1, 2)))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("asynchronous")
        .hasMessageContaining("submit");
    Endpoint realTime = deploy(EndpointSpec.of(newName(), fixture.reluModel()));
    assertThatThrownBy(() -> realTime.submit(ContractModels.reluRequest(1, 2)).await(ASYNC_WAIT))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("real-time")
        .hasMessageContaining("predict");
  }

  @Test
  void rawPayload_isUnsupportedTyped_orCoveredByProviderTests() {
    assumeTrue(
        !client.capabilities().contains(Capability.RAW_PAYLOAD),
        "raw payloads are supported; their semantics are container-specific");
    Endpoint endpoint = client.endpoint("anything");
    long before = fixture.predictionsReceived();
    assertThatThrownBy(
            () -> endpoint.predict(InferenceRequest.of(Payload.ofText("1,2", "text/csv"))))
        .isInstanceOf(UnsupportedCapabilityException.class);
    assertThat(fixture.predictionsReceived()).isEqualTo(before);
  }

  @Test
  void batchJobs_areUnsupportedTyped_orCoveredByProviderTests() {
    assumeTrue(
        !client.capabilities().contains(Capability.BATCH_JOBS),
        "batch jobs are supported; they need the provider's storage and have their own tests");
    BatchJobSpec job =
        BatchJobSpec.builder()
            .name("job")
            .model(fixture.reluModel())
            .input(URI.create("file:/in"))
            .output(URI.create("file:/out"))
            .build();
    assertThatThrownBy(() -> client.submitBatchJob(job))
        .isInstanceOf(UnsupportedCapabilityException.class);
  }

  // ---------------------------------------------------------------- helpers

  /**
   * Returns a fresh endpoint name, deleted after the case.
   *
   * @return the name
   */
  protected String newName() {
    String name = "contract-" + UUID.randomUUID().toString().substring(0, 8);
    created.add(name);
    return name;
  }

  /**
   * Deploys and waits.
   *
   * @param spec the spec
   * @return the endpoint
   */
  protected Endpoint deploy(EndpointSpec spec) {
    if (!created.contains(spec.name())) {
      created.add(spec.name());
    }
    return client.deploy(spec).await();
  }

  private Endpoint deployOrSkip(EndpointSpec spec, Capability capability) {
    if (!client.capabilities().contains(capability)) {
      long before = fixture.predictionsReceived();
      assertThatThrownBy(() -> client.deploy(spec))
          .isInstanceOf(UnsupportedCapabilityException.class)
          .hasMessageContaining(capability.name());
      assertThat(fixture.predictionsReceived()).isEqualTo(before);
      abort("provider has no " + capability + "; typed refusal checked");
    }
    return deploy(spec);
  }

  /**
   * Asserts a ReLU answer.
   *
   * @param response the response
   * @param a first input
   * @param b second input
   */
  protected static void assertRelu(InferenceResponse response, float a, float b) {
    Tensor y = response.output("y");
    assertThat(y.shape().toArray()).containsExactly(1, 2);
    float[] v = y.asFloats();
    assertThat(v[0]).isCloseTo(Math.max(0, a), within(1e-6f));
    assertThat(v[1]).isCloseTo(Math.max(0, b), within(1e-6f));
  }
}
