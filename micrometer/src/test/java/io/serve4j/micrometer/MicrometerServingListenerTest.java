package io.serve4j.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.serve4j.CircuitBreakerPolicy;
import io.serve4j.Endpoint;
import io.serve4j.EndpointSpec;
import io.serve4j.InferenceRequest;
import io.serve4j.RetryPolicy;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.UnavailableException;
import io.serve4j.testkit.ContractModels;
import io.serve4j.testkit.Fault;
import io.serve4j.testkit.memory.MemoryBackend;
import io.serve4j.testkit.memory.MemoryFaultFixture;
import io.serve4j.testkit.memory.MemoryOptions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The listener's meters and observations on the in-memory provider. */
class MicrometerServingListenerTest {
  private static final InferenceRequest REQUEST = ContractModels.reluRequest(-1, 2);

  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final MemoryFaultFixture fixture = new MemoryFaultFixture();

  private ServingClient client(Serve4j.Builder builder) {
    return fixture.newClient(builder);
  }

  @Test
  void predict_success_recordsCallTimerWithDeploymentServed_andActiveGoesBackToZero() {
    try (ServingClient client =
        client(Serve4j.builder().listener(new MicrometerServingListener(meters)))) {
      client.endpoint("relu").predict(REQUEST);
      client.endpoint("relu").predict(REQUEST);
    }
    Timer t =
        meters
            .get(MicrometerServingListener.CALL)
            .tags("provider", "memory", "operation", "predict", "endpoint", "relu")
            .tags("outcome", "success", "error.category", "none", "retried", "false")
            .timer();
    assertThat(t.count()).isEqualTo(2);
    // the memory provider names the deployment that served each prediction
    assertThat(t.getId().getTag("deployment")).isNotEqualTo("none");
    assertThat(
            meters
                .get(MicrometerServingListener.CALL_ACTIVE)
                .tags("operation", "predict", "endpoint", "relu")
                .gauge()
                .value())
        .isZero();
  }

  @Test
  void retriedThenFailed_recordsRetriesWithDelays_errorsByCategory_andRetriedTag() {
    RetryPolicy retry =
        RetryPolicy.builder().maxAttempts(2).initialBackoff(Duration.ofMillis(5)).build();
    try (ServingClient client =
        client(
            Serve4j.builder().retryPolicy(retry).listener(new MicrometerServingListener(meters)))) {
      fixture.inject(Fault.of(Fault.Kind.UNAVAILABLE), Fault.of(Fault.Kind.UNAVAILABLE));
      assertThatThrownBy(() -> client.endpoint("relu").predict(REQUEST))
          .isInstanceOf(UnavailableException.class);
    }
    Timer retries =
        meters
            .get(MicrometerServingListener.RETRIES)
            .tags("endpoint", "relu", "error.category", "unavailable")
            .timer();
    assertThat(retries.count()).isEqualTo(1);
    assertThat(retries.totalTime(java.util.concurrent.TimeUnit.NANOSECONDS)).isPositive();
    assertThat(
            meters
                .get(MicrometerServingListener.ERRORS)
                .tags("operation", "predict", "endpoint", "relu", "error.category", "unavailable")
                .counter()
                .count())
        .isEqualTo(1);
    assertThat(
            meters
                .get(MicrometerServingListener.CALL)
                .tags("outcome", "error", "error.category", "unavailable", "retried", "true")
                .timer()
                .count())
        .isEqualTo(1);
  }

  @Test
  void deploy_recordsOperationTimer_andOperationGauge() {
    try (ServingClient client =
        Serve4j.builder()
            .options(MemoryOptions.builder().backend(new MemoryBackend()).build())
            .listener(new MicrometerServingListener(meters))
            .build()) {
      client.deploy(EndpointSpec.of("relu2", ContractModels.reluOnClasspath())).await();
    }
    assertThat(
            meters
                .get(MicrometerServingListener.OPERATION)
                .tags("operation", "deploy", "endpoint", "relu2", "outcome", "success")
                .timer()
                .count())
        .isEqualTo(1);
    assertThat(
            meters
                .get(MicrometerServingListener.OPERATION_ACTIVE)
                .tags("operation", "deploy")
                .gauge()
                .value())
        .isZero();
  }

  @Test
  void circuitOpens_gaugeShowsOpenState() {
    CircuitBreakerPolicy breaker =
        CircuitBreakerPolicy.builder()
            .slidingWindowSize(2)
            .minimumNumberOfCalls(2)
            .failureRateThreshold(50)
            .waitInOpenState(Duration.ofMinutes(1))
            .build();
    try (ServingClient client =
        client(
            Serve4j.builder()
                .retryPolicy(RetryPolicy.none())
                .circuitBreaker(breaker)
                .listener(new MicrometerServingListener(meters)))) {
      fixture.inject(Fault.of(Fault.Kind.UNAVAILABLE), Fault.of(Fault.Kind.UNAVAILABLE));
      for (int i = 0; i < 2; i++) {
        assertThatThrownBy(() -> client.endpoint("relu").predict(REQUEST))
            .isInstanceOf(UnavailableException.class);
      }
    }
    assertThat(state("open")).isEqualTo(1);
    assertThat(state("closed")).isZero();
    assertThat(state("half_open")).isZero();
  }

  private double state(String state) {
    return meters
        .get(MicrometerServingListener.CIRCUIT_STATE)
        .tags("provider", "memory", "endpoint", "relu", "state", state)
        .gauge()
        .value();
  }

  /** Records what the observations did, as a tracing handler would see it. */
  static final class Recorder implements ObservationHandler<Observation.Context> {
    final List<Observation.Context> stopped = new CopyOnWriteArrayList<>();
    final List<String> events = new CopyOnWriteArrayList<>();
    final List<String> started = new CopyOnWriteArrayList<>();

    @Override
    public void onStart(Observation.Context context) {
      started.add(context.getName());
    }

    @Override
    public void onEvent(Observation.Event event, Observation.Context context) {
      events.add(context.getContextualName() + ": " + event.getName());
    }

    @Override
    public void onStop(Observation.Context context) {
      stopped.add(context);
    }

    @Override
    public boolean supportsContext(Observation.Context context) {
      return true;
    }
  }

  @Test
  void observations_oneStoppedPerCall_withRetryEvent_andCurrentWhileTheProviderRuns() {
    ObservationRegistry observations = ObservationRegistry.create();
    Recorder recorder = new Recorder();
    observations.observationConfig().observationHandler(recorder);
    List<String> currentInProvider = new CopyOnWriteArrayList<>();
    MemoryBackend backend = new MemoryBackend();
    MemoryOptions options =
        MemoryOptions.builder()
            .backend(backend)
            .predictor(
                (d, r) -> {
                  currentInProvider.add(String.valueOf(observations.getCurrentObservation()));
                  return ContractModels.reluAnswer(r);
                })
            .build();
    try (ServingClient client =
        Serve4j.builder()
            .options(options)
            .retryPolicy(
                RetryPolicy.builder().maxAttempts(3).initialBackoff(Duration.ofMillis(5)).build())
            .listener(new MicrometerServingListener(meters, observations))
            .build()) {
      Endpoint e = client.deploy(EndpointSpec.of("relu", ContractModels.reluOnClasspath())).await();
      backend.injectFaults(Fault.of(Fault.Kind.UNAVAILABLE));
      e.predict(REQUEST);
    }
    // the deploy and the predict (the deploy's description is core's cache: no describe call)
    assertThat(recorder.started)
        .containsExactly(
            MicrometerServingListener.OBSERVATION, MicrometerServingListener.OBSERVATION);
    assertThat(recorder.stopped)
        .extracting(Observation.Context::getContextualName)
        .containsExactly("deploy relu", "predict relu");
    // the retried attempt ran on the scheduler's thread, inside the predict's observation too
    assertThat(currentInProvider)
        .hasSize(1)
        .allMatch(c -> c.contains("serve4j.operation='predict'"));
    assertThat(recorder.events).containsExactly("predict relu: serve4j.retry");
    Observation.Context predict =
        recorder.stopped.stream()
            .filter(c -> c.getContextualName().equals("predict relu"))
            .findFirst()
            .orElseThrow();
    assertThat(predict.getLowCardinalityKeyValue("serve4j.retried").getValue()).isEqualTo("true");
    assertThat(predict.getLowCardinalityKeyValue("outcome").getValue()).isEqualTo("success");
    assertThat(predict.getLowCardinalityKeyValue("error.type").getValue()).isEqualTo("none");
    assertThat(predict.getLowCardinalityKeyValue("serve4j.deployment").getValue())
        .isNotEqualTo("none");
    assertThat(predict.getHighCardinalityKeyValue("serve4j.request.id").getValue()).isNotBlank();
  }
}
