package io.serve4j.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.serve4j.ServingClient;
import io.serve4j.micrometer.MicrometerServingListener;
import io.serve4j.testkit.ContractModels;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** Meters and observations wired to the application's registries through serve4j-micrometer. */
class Serve4jMetricsTest {
  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(
              AutoConfigurations.of(
                  Serve4jAutoConfiguration.class, Serve4jMetricsAutoConfiguration.class))
          .withUserConfiguration(FakeCloud.class)
          .withBean(SimpleMeterRegistry.class)
          .withPropertyValues("serve4j.clients.cloud.uri=memory:");

  private static void predict(AssertableApplicationContext ctx) {
    ctx.getBean("cloud", ServingClient.class)
        .endpoint("relu")
        .predict(ContractModels.reluRequest(1, 2));
  }

  private static long calls(AssertableApplicationContext ctx) {
    Timer t =
        ctx.getBean(MeterRegistry.class)
            .find(MicrometerServingListener.CALL)
            .tag("provider", "memory")
            .tag("endpoint", "relu")
            .timer();
    return t == null ? 0 : t.count();
  }

  @Test
  void meterRegistry_andServe4jMicrometer_recordEveryClientsCalls() {
    runner.run(
        ctx -> {
          assertThat(ctx).hasSingleBean(MicrometerServingListener.class);
          predict(ctx);
          assertThat(calls(ctx)).isEqualTo(1);
        });
  }

  @Test
  void withoutServe4jMicrometer_noListener_andClientsStillWork() {
    runner
        .withClassLoader(new FilteredClassLoader(MicrometerServingListener.class))
        .run(
            ctx -> {
              assertThat(ctx).hasNotFailed().doesNotHaveBean(MicrometerServingListener.class);
              predict(ctx);
              assertThat(
                      ctx.getBean(MeterRegistry.class).find(MicrometerServingListener.CALL).meter())
                  .isNull();
            });
  }

  @Test
  void withoutMicrometerCore_clientsStillWork() {
    new ApplicationContextRunner()
        .withConfiguration(
            AutoConfigurations.of(
                Serve4jAutoConfiguration.class, Serve4jMetricsAutoConfiguration.class))
        .withUserConfiguration(FakeCloud.class)
        .withPropertyValues("serve4j.clients.cloud.uri=memory:")
        .withClassLoader(new FilteredClassLoader("io.micrometer.core", "io.serve4j.micrometer"))
        .run(
            ctx -> {
              assertThat(ctx).hasNotFailed();
              predict(ctx);
            });
  }

  @Test
  void withoutMeterRegistry_noListener() {
    new ApplicationContextRunner()
        .withConfiguration(
            AutoConfigurations.of(
                Serve4jAutoConfiguration.class, Serve4jMetricsAutoConfiguration.class))
        .withUserConfiguration(FakeCloud.class)
        .withPropertyValues("serve4j.clients.cloud.uri=memory:")
        .run(
            ctx -> assertThat(ctx).hasNotFailed().doesNotHaveBean(MicrometerServingListener.class));
  }

  @Test
  void metricsDisabled_noListener() {
    runner
        .withPropertyValues("serve4j.metrics.enabled=false")
        .run(
            ctx -> {
              assertThat(ctx).doesNotHaveBean(MicrometerServingListener.class);
              predict(ctx);
              assertThat(calls(ctx)).isZero();
            });
  }

  @Test
  void userListenerBean_wins_andCallsAreCountedOnce() {
    runner
        .withBean(
            "mine",
            MicrometerServingListener.class,
            () -> MicrometerServingListener.builder(new SimpleMeterRegistry()).build())
        .run(
            ctx -> {
              assertThat(ctx).hasSingleBean(MicrometerServingListener.class);
              assertThat(ctx).hasBean("mine");
              predict(ctx);
              assertThat(calls(ctx)).isZero();
            });
  }

  @Test
  void observationRegistry_observesEveryCall() {
    List<String> seen = new CopyOnWriteArrayList<>();
    ObservationRegistry observations = ObservationRegistry.create();
    observations.observationConfig().observationHandler(recorder(seen));
    runner
        .withBean(ObservationRegistry.class, () -> observations)
        .run(
            ctx -> {
              predict(ctx);
              assertThat(seen).contains(MicrometerServingListener.OBSERVATION);
              assertThat(calls(ctx)).isEqualTo(1);
            });
  }

  @Test
  void observationsOff_metersOnly() {
    List<String> seen = new CopyOnWriteArrayList<>();
    ObservationRegistry observations = ObservationRegistry.create();
    observations.observationConfig().observationHandler(recorder(seen));
    runner
        .withBean(ObservationRegistry.class, () -> observations)
        .withPropertyValues("serve4j.metrics.observations=false")
        .run(
            ctx -> {
              predict(ctx);
              assertThat(seen).isEmpty();
              assertThat(calls(ctx)).isEqualTo(1);
            });
  }

  private static ObservationHandler<Observation.Context> recorder(List<String> seen) {
    return new ObservationHandler<>() {
      @Override
      public void onStop(Observation.Context context) {
        seen.add(context.getName());
      }

      @Override
      public boolean supportsContext(Observation.Context context) {
        return true;
      }
    };
  }
}
