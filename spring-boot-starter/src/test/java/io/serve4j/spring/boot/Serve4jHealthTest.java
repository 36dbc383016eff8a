package io.serve4j.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.serve4j.EndpointSpec;
import io.serve4j.ServingClient;
import io.serve4j.testkit.ContractModels;
import io.serve4j.testkit.Fault;
import io.serve4j.testkit.memory.MemoryBackend;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthContributor;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * Actuator health per client and endpoint: a local ONNX Runtime endpoint and a fake cloud (the
 * in-memory provider with injected faults), as {@code /actuator/health} would show them.
 */
class Serve4jHealthTest {
  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(
              AutoConfigurations.of(
                  Serve4jAutoConfiguration.class, Serve4jHealthAutoConfiguration.class))
          .withUserConfiguration(FakeCloud.class)
          .withPropertyValues(
              "serve4j.clients.local.uri=local:",
              "serve4j.clients.local.endpoints.localRelu=relu",
              "serve4j.clients.cloud.uri=memory:",
              "serve4j.clients.cloud.retry.enabled=false",
              "serve4j.clients.cloud.endpoints.cloudRelu=relu",
              "serve4j.clients.cloud.endpoints.cloudMissing=missing");

  @Test
  void localOnnxEndpoint_inService_isUp() {
    runner.run(
        ctx -> {
          ctx.getBean("local", ServingClient.class)
              .deploy(EndpointSpec.of("relu", ContractModels.reluOnClasspath()))
              .await();
          Health h = health(ctx, "local", "relu");
          assertThat(h.getStatus()).isEqualTo(Status.UP);
          assertThat(h.getDetails())
              .containsEntry("provider", "local")
              .containsEntry("client", "local")
              .containsEntry("endpoint", "relu")
              .containsEntry("status", "IN_SERVICE");
        });
  }

  @Test
  void localEndpoint_notDeployed_isDown_notFound() {
    runner.run(
        ctx -> {
          Health h = health(ctx, "local", "relu");
          assertThat(h.getStatus()).isEqualTo(Status.DOWN);
          assertThat(h.getDetails()).containsEntry("category", "NOT_FOUND");
        });
  }

  @Test
  void fakeCloudEndpoint_isUp_andMissingOneDown() {
    runner.run(
        ctx -> {
          assertThat(health(ctx, "cloud", "relu").getStatus()).isEqualTo(Status.UP);
          Health missing = health(ctx, "cloud", "missing");
          assertThat(missing.getStatus()).isEqualTo(Status.DOWN);
          assertThat(missing.getDetails())
              .containsEntry("category", "NOT_FOUND")
              .containsEntry("provider", "memory");
        });
  }

  @Test
  void fakeCloudEndpoint_unavailable_isDown_withTheCategory() {
    runner.run(
        ctx -> {
          ctx.getBean(MemoryBackend.class)
              .injectFaults(Fault.Call.DESCRIBE, Fault.of(Fault.Kind.UNAVAILABLE));
          Health h = health(ctx, "cloud", "relu");
          assertThat(h.getStatus()).isEqualTo(Status.DOWN);
          assertThat(h.getDetails())
              .containsEntry("category", "UNAVAILABLE")
              .containsEntry("origin", "SERVICE")
              .containsEntry("retryable", true);
        });
  }

  @Test
  void results_areCached_forTheTtl() {
    runner.run(
        ctx -> {
          MemoryBackend backend = ctx.getBean(MemoryBackend.class);
          HealthIndicator relu = indicator(ctx, "cloud", "relu");
          long before = backend.requests(Fault.Call.DESCRIBE);
          for (int i = 0; i < 5; i++) {
            assertThat(relu.health().getStatus()).isEqualTo(Status.UP);
          }
          assertThat(backend.requests(Fault.Call.DESCRIBE) - before).isEqualTo(1);
        });
  }

  @Test
  void failures_areCached_too_soAFailingCloudIsNotHammered() {
    runner.run(
        ctx -> {
          MemoryBackend backend = ctx.getBean(MemoryBackend.class);
          backend.injectFaults(Fault.Call.DESCRIBE, Fault.of(Fault.Kind.UNAVAILABLE));
          HealthIndicator relu = indicator(ctx, "cloud", "relu");
          long before = backend.requests(Fault.Call.DESCRIBE);
          assertThat(relu.health().getStatus()).isEqualTo(Status.DOWN);
          assertThat(relu.health().getStatus()).isEqualTo(Status.DOWN);
          assertThat(backend.requests(Fault.Call.DESCRIBE) - before).isEqualTo(1);
        });
  }

  @Test
  void zeroTtl_checksEveryTime() {
    runner
        .withPropertyValues("serve4j.health.cache-ttl=0s")
        .run(
            ctx -> {
              MemoryBackend backend = ctx.getBean(MemoryBackend.class);
              HealthIndicator relu = indicator(ctx, "cloud", "relu");
              long before = backend.requests(Fault.Call.DESCRIBE);
              relu.health();
              relu.health();
              relu.health();
              assertThat(backend.requests(Fault.Call.DESCRIBE) - before).isEqualTo(3);
            });
  }

  @Test
  void slowDescribe_isDown_afterTheHealthTimeout() {
    runner
        .withPropertyValues("serve4j.health.timeout=200ms")
        .run(
            ctx -> {
              ctx.getBean(MemoryBackend.class)
                  .injectFaults(Fault.Call.DESCRIBE, Fault.slow(Duration.ofSeconds(10)));
              long start = System.nanoTime();
              Health h = health(ctx, "cloud", "relu");
              assertThat(Duration.ofNanos(System.nanoTime() - start))
                  .isLessThan(Duration.ofSeconds(3));
              assertThat(h.getStatus()).isEqualTo(Status.DOWN);
              assertThat(h.getDetails()).containsEntry("category", "TIMEOUT");
            });
  }

  @Test
  void clientWithoutEndpointBeans_isCheckedByListingItsEndpoints() {
    new ApplicationContextRunner()
        .withConfiguration(
            AutoConfigurations.of(
                Serve4jAutoConfiguration.class, Serve4jHealthAutoConfiguration.class))
        .withUserConfiguration(FakeCloud.class)
        .withPropertyValues(
            "serve4j.clients.cloud.uri=memory:",
            "serve4j.clients.cloud.retry.enabled=false",
            "serve4j.health.cache-ttl=0s")
        .run(
            ctx -> {
              HealthContributor c = serve4j(ctx).getContributor("cloud");
              assertThat(c).isInstanceOf(HealthIndicator.class);
              HealthIndicator cloud = (HealthIndicator) c;
              Health h = cloud.health();
              assertThat(h.getStatus()).isEqualTo(Status.UP);
              assertThat(h.getDetails())
                  .containsEntry("endpoints", 1)
                  .containsEntry("provider", "memory");
              ctx.getBean(MemoryBackend.class)
                  .injectFaults(Fault.Call.LIST, Fault.of(Fault.Kind.SERVER_ERROR));
              Health down = cloud.health();
              assertThat(down.getStatus()).isEqualTo(Status.DOWN);
              assertThat(down.getDetails()).containsEntry("category", "UNAVAILABLE");
            });
  }

  @Test
  void healthDisabledClient_isLeftOut() {
    runner
        .withPropertyValues("serve4j.clients.local.health-enabled=false")
        .run(
            ctx -> {
              assertThat(serve4j(ctx).getContributor("local")).isNull();
              assertThat(serve4j(ctx).getContributor("cloud")).isNotNull();
            });
  }

  @Test
  void managementHealthServe4jDisabled_noContributor() {
    runner
        .withPropertyValues("management.health.serve4j.enabled=false")
        .run(ctx -> assertThat(ctx).doesNotHaveBean("serve4jHealthContributor"));
  }

  @Test
  void withoutBootsHealthSupport_clientsStillWork_andNoContributor() {
    runner
        .withClassLoader(new FilteredClassLoader("org.springframework.boot.health"))
        .run(
            ctx -> {
              assertThat(ctx).hasNotFailed().doesNotHaveBean("serve4jHealthContributor");
              assertThat(ctx.getBean("cloud", ServingClient.class).listEndpoints()).hasSize(1);
            });
  }

  @Test
  void noClients_noContributor() {
    new ApplicationContextRunner()
        .withConfiguration(
            AutoConfigurations.of(
                Serve4jAutoConfiguration.class, Serve4jHealthAutoConfiguration.class))
        .run(ctx -> assertThat(ctx).hasNotFailed().doesNotHaveBean("serve4jHealthContributor"));
  }

  private static CompositeHealthContributor serve4j(AssertableApplicationContext ctx) {
    assertThat(ctx).hasNotFailed();
    return ctx.getBean("serve4jHealthContributor", CompositeHealthContributor.class);
  }

  private static HealthIndicator indicator(
      AssertableApplicationContext ctx, String client, String endpoint) {
    CompositeHealthContributor c = (CompositeHealthContributor) serve4j(ctx).getContributor(client);
    return (HealthIndicator) c.getContributor(endpoint);
  }

  private static Health health(AssertableApplicationContext ctx, String client, String endpoint) {
    return indicator(ctx, client, endpoint).health();
  }
}
