package io.serve4j.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.serve4j.CallInfo;
import io.serve4j.Endpoint;
import io.serve4j.OperationKind;
import io.serve4j.ServingClient;
import io.serve4j.ServingListener;
import io.serve4j.TimeoutException;
import io.serve4j.UnavailableException;
import io.serve4j.testkit.ContractModels;
import io.serve4j.testkit.Fault;
import io.serve4j.testkit.memory.MemoryBackend;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

class Serve4jAutoConfigurationTest {
  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(AutoConfigurations.of(Serve4jAutoConfiguration.class))
          .withUserConfiguration(FakeCloud.class);

  @Test
  void clients_fromProperties_areBeansNamedAfterTheirKey() {
    runner
        .withPropertyValues("serve4j.clients.local.uri=local:", "serve4j.clients.cloud.uri=memory:")
        .run(
            ctx -> {
              assertThat(ctx).hasNotFailed();
              assertThat(ctx.getBeansOfType(ServingClient.class))
                  .containsOnlyKeys("local", "cloud");
              assertThat(ctx.getBean("local", ServingClient.class).providerId()).isEqualTo("local");
              assertThat(ctx.getBean("cloud", ServingClient.class).providerId())
                  .isEqualTo("memory");
            });
  }

  @Test
  void noClients_noClientBeans() {
    runner.run(ctx -> assertThat(ctx).hasNotFailed().doesNotHaveBean(ServingClient.class));
  }

  @Test
  void clients_areClosed_withTheContext() {
    ServingClient[] held = new ServingClient[1];
    runner
        .withPropertyValues("serve4j.clients.cloud.uri=memory:")
        .run(
            ctx -> {
              held[0] = ctx.getBean("cloud", ServingClient.class);
              assertThat(held[0].listEndpoints()).extracting(d -> d.name()).contains("relu");
            });
    assertThatThrownBy(() -> held[0].listEndpoints())
        .isInstanceOf(UnavailableException.class)
        .hasMessageContaining("closed");
  }

  @Test
  void endpointBeans_areHandlesOnTheNamedEndpoints() {
    runner
        .withPropertyValues(
            "serve4j.clients.cloud.uri=memory:",
            "serve4j.clients.cloud.endpoints.reluEndpoint=relu",
            "serve4j.clients.cloud.endpoints.other=missing")
        .run(
            ctx -> {
              assertThat(ctx).hasNotFailed();
              Endpoint relu = ctx.getBean("reluEndpoint", Endpoint.class);
              assertThat(relu.name()).isEqualTo("relu");
              assertThat(relu.predict(ContractModels.reluRequest(-1, 2)).output("y").asFloats())
                  .containsExactly(0f, 2f);
              assertThat(ctx.getBean("other", Endpoint.class).name()).isEqualTo("missing");
            });
  }

  @Test
  void predictTimeout_isTheClients() {
    runner
        .withPropertyValues(
            "serve4j.clients.cloud.uri=memory:",
            "serve4j.clients.cloud.predict-timeout=150ms",
            "serve4j.clients.cloud.retry.enabled=false")
        .run(
            ctx -> {
              ctx.getBean(MemoryBackend.class).injectFaults(Fault.slow(Duration.ofSeconds(5)));
              Endpoint relu = ctx.getBean("cloud", ServingClient.class).endpoint("relu");
              long start = System.nanoTime();
              assertThatThrownBy(() -> relu.predict(ContractModels.reluRequest(1, 2)))
                  .isInstanceOf(TimeoutException.class);
              assertThat(Duration.ofNanos(System.nanoTime() - start))
                  .isLessThan(Duration.ofSeconds(3));
            });
  }

  @Test
  void retry_maxAttempts_isTheClients() {
    runner
        .withPropertyValues(
            "serve4j.clients.cloud.uri=memory:",
            "serve4j.clients.cloud.retry.max-attempts=4",
            "serve4j.clients.cloud.retry.initial-backoff=1ms",
            "serve4j.clients.cloud.retry.max-backoff=1ms")
        .run(
            ctx -> {
              MemoryBackend backend = ctx.getBean(MemoryBackend.class);
              Fault u = Fault.of(Fault.Kind.UNAVAILABLE);
              backend.injectFaults(u, u, u);
              Endpoint relu = ctx.getBean("cloud", ServingClient.class).endpoint("relu");
              long before = backend.predictionsReceived();
              assertThat(relu.predict(ContractModels.reluRequest(1, 2)).output("y").asFloats())
                  .containsExactly(1f, 2f);
              assertThat(backend.predictionsReceived() - before).isEqualTo(4);
            });
  }

  @Test
  void retry_disabled_isOneAttempt() {
    runner
        .withPropertyValues(
            "serve4j.clients.cloud.uri=memory:", "serve4j.clients.cloud.retry.enabled=false")
        .run(
            ctx -> {
              MemoryBackend backend = ctx.getBean(MemoryBackend.class);
              backend.injectFaults(Fault.of(Fault.Kind.UNAVAILABLE));
              Endpoint relu = ctx.getBean("cloud", ServingClient.class).endpoint("relu");
              long before = backend.predictionsReceived();
              assertThatThrownBy(() -> relu.predict(ContractModels.reluRequest(1, 2)))
                  .isInstanceOf(UnavailableException.class);
              assertThat(backend.predictionsReceived() - before).isEqualTo(1);
            });
  }

  @Test
  void circuitBreaker_enabled_opensAfterTheConfiguredFailures() {
    runner
        .withPropertyValues(
            "serve4j.clients.cloud.uri=memory:",
            "serve4j.clients.cloud.retry.enabled=false",
            "serve4j.clients.cloud.circuit-breaker.enabled=true",
            "serve4j.clients.cloud.circuit-breaker.sliding-window-size=2",
            "serve4j.clients.cloud.circuit-breaker.minimum-number-of-calls=2",
            "serve4j.clients.cloud.circuit-breaker.wait-in-open-state=1m")
        .run(
            ctx -> {
              MemoryBackend backend = ctx.getBean(MemoryBackend.class);
              Fault u = Fault.of(Fault.Kind.UNAVAILABLE);
              backend.injectFaults(u, u);
              Endpoint relu = ctx.getBean("cloud", ServingClient.class).endpoint("relu");
              for (int i = 0; i < 2; i++) {
                assertThatThrownBy(() -> relu.predict(ContractModels.reluRequest(1, 2)))
                    .isInstanceOf(UnavailableException.class);
              }
              long before = backend.predictionsReceived();
              assertThatThrownBy(() -> relu.predict(ContractModels.reluRequest(1, 2)))
                  .isInstanceOf(UnavailableException.class);
              assertThat(backend.predictionsReceived()).isEqualTo(before);
            });
  }

  @Test
  void circuitBreaker_isOffByDefault() {
    runner
        .withPropertyValues(
            "serve4j.clients.cloud.uri=memory:", "serve4j.clients.cloud.retry.enabled=false")
        .run(
            ctx -> {
              MemoryBackend backend = ctx.getBean(MemoryBackend.class);
              Fault u = Fault.of(Fault.Kind.UNAVAILABLE);
              backend.injectFaults(u, u, u, u, u, u, u, u, u, u);
              Endpoint relu = ctx.getBean("cloud", ServingClient.class).endpoint("relu");
              long before = backend.predictionsReceived();
              for (int i = 0; i < 10; i++) {
                assertThatThrownBy(() -> relu.predict(ContractModels.reluRequest(1, 2)))
                    .isInstanceOf(UnavailableException.class);
              }
              assertThat(backend.predictionsReceived() - before).isEqualTo(10);
            });
  }

  @Test
  void listenerBeans_hearEveryClientsCalls() {
    runner
        .withBean(CountingListener.class)
        .withPropertyValues("serve4j.clients.cloud.uri=memory:")
        .run(
            ctx -> {
              ctx.getBean("cloud", ServingClient.class)
                  .endpoint("relu")
                  .predict(ContractModels.reluRequest(1, 2));
              assertThat(ctx.getBean(CountingListener.class).successes.get()).isEqualTo(1);
            });
  }

  @Test
  void invalidValue_failsTheStart_namingTheProperty() {
    runner
        .withPropertyValues(
            "serve4j.clients.cloud.uri=memory:", "serve4j.clients.cloud.retry.max-attempts=0")
        .run(
            ctx ->
                assertThat(ctx)
                    .getFailure()
                    .hasRootCauseInstanceOf(InvalidConfigurationPropertyValueException.class)
                    .rootCause()
                    .extracting(e -> ((InvalidConfigurationPropertyValueException) e).getName())
                    .isEqualTo("serve4j.clients.cloud.retry.max-attempts"));
  }

  @Test
  void invalidCircuitBreaker_failsTheStart_namingTheProperty() {
    runner
        .withPropertyValues(
            "serve4j.clients.cloud.uri=memory:",
            "serve4j.clients.cloud.circuit-breaker.enabled=true",
            "serve4j.clients.cloud.circuit-breaker.failure-rate-threshold=150")
        .run(
            ctx ->
                assertThat(invalidProperty(ctx.getStartupFailure()))
                    .isEqualTo("serve4j.clients.cloud.circuit-breaker.failure-rate-threshold"));
  }

  @Test
  void missingUri_failsTheStart_namingTheProperty() {
    runner
        .withPropertyValues("serve4j.clients.cloud.predict-timeout=1s")
        .run(
            ctx ->
                assertThat(invalidProperty(ctx.getStartupFailure()))
                    .isEqualTo("serve4j.clients.cloud.uri"));
  }

  @Test
  void unknownProvider_failsTheStart_namingThePropertyAndTheProviders() {
    runner
        .withPropertyValues("serve4j.clients.other.uri=nosuch://x")
        .run(
            ctx -> {
              Throwable root = rootCause(ctx.getStartupFailure());
              assertThat(root).isInstanceOf(InvalidConfigurationPropertyValueException.class);
              assertThat(((InvalidConfigurationPropertyValueException) root).getName())
                  .isEqualTo("serve4j.clients.other.uri");
              assertThat(root.getMessage()).contains("nosuch").contains("memory");
            });
  }

  @Test
  void zeroTimeout_failsTheStart_namingTheProperty() {
    runner
        .withPropertyValues(
            "serve4j.clients.cloud.uri=memory:", "serve4j.clients.cloud.predict-timeout=0s")
        .run(
            ctx ->
                assertThat(invalidProperty(ctx.getStartupFailure()))
                    .isEqualTo("serve4j.clients.cloud.predict-timeout"));
  }

  @Test
  void malformedValue_failsTheStart_namingTheProperty() {
    runner
        .withPropertyValues(
            "serve4j.clients.cloud.uri=memory:",
            "serve4j.clients.cloud.retry.retry-on=NOT_A_CATEGORY")
        .run(
            ctx -> {
              Throwable f = ctx.getStartupFailure();
              BindException bind = find(f, BindException.class);
              assertThat(bind).isNotNull();
              assertThat(bind.getProperty().getName().toString())
                  .isEqualTo("serve4j.clients.cloud.retry.retry-on");
            });
  }

  @Test
  void blankEndpointName_failsTheStart_namingTheProperty() {
    runner
        .withPropertyValues(
            "serve4j.clients.cloud.uri=memory:", "serve4j.clients.cloud.endpoints.e=")
        .run(
            ctx ->
                assertThat(invalidProperty(ctx.getStartupFailure()))
                    .isEqualTo("serve4j.clients.cloud.endpoints.e"));
  }

  private static String invalidProperty(Throwable failure) {
    InvalidConfigurationPropertyValueException e =
        find(failure, InvalidConfigurationPropertyValueException.class);
    assertThat(e).as("an InvalidConfigurationPropertyValueException in %s", failure).isNotNull();
    return e.getName();
  }

  private static <T extends Throwable> T find(Throwable t, Class<T> type) {
    for (Throwable e = t; e != null; e = e.getCause()) {
      if (type.isInstance(e)) {
        return type.cast(e);
      }
    }
    return null;
  }

  private static Throwable rootCause(Throwable t) {
    Throwable e = t;
    while (e.getCause() != null) {
      e = e.getCause();
    }
    return e;
  }

  static class CountingListener implements ServingListener {
    final AtomicInteger successes = new AtomicInteger();

    @Override
    public void onSuccess(CallInfo call, Duration elapsed) {
      if (call.operation() == OperationKind.PREDICT) {
        successes.incrementAndGet();
      }
    }
  }
}
