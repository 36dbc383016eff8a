package io.serve4j.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.serve4j.BatchJobSpec;
import io.serve4j.Capability;
import io.serve4j.DeploymentDescription;
import io.serve4j.DeploymentSpec;
import io.serve4j.Endpoint;
import io.serve4j.EndpointDescription;
import io.serve4j.EndpointSpec;
import io.serve4j.Model;
import io.serve4j.Operation;
import io.serve4j.Scaling;
import io.serve4j.ScalingMetric;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.ServingException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;

/**
 * The rules that make a failed or cancelled operation safe, checked against a provider's fake at
 * every step of the operation:
 *
 * <ul>
 *   <li>cancelling a deploy, an update or a batch job at any step leaves nothing behind ({@link
 *       LifecycleSafetyFixture#resources()} as before) and creates nothing after the cancel;
 *   <li>a failed update (the cloud refusing any of its calls, the update call itself included)
 *       leaves the endpoint as it was, with its deployments, models, traffic and scaling, and leaks
 *       nothing;
 *   <li>use of a closed client is a typed {@link ServingException}.
 * </ul>
 *
 * <p>The steps of an operation are learnt by running it once and reading the fake's {@link
 * WireCalls} log: step k is the first call of the k-th distinct call name. Each case then pauses
 * (or fails) that call, cancels the operation while the call is held, releases it, and waits (at
 * most {@value #SETTLE_SECONDS} s) for the fake to settle before comparing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class LifecycleSafetyContract {
  private static final int SETTLE_SECONDS = 30;
  private static final Duration QUIET = Duration.ofMillis(300);
  private static final AtomicInteger NAMES = new AtomicInteger();

  private LifecycleSafetyFixture fixture;
  private ServingClient client;
  private ExecutorService starter;
  private List<String> updateSteps;

  /**
   * Creates the provider's fixture; called once per test class.
   *
   * @return the fixture
   */
  protected abstract LifecycleSafetyFixture createFixture();

  @BeforeAll
  void start() {
    fixture = createFixture();
    client = fixture.newClient(Serve4j.builder().operationTimeout(Duration.ofMinutes(2)));
    starter =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "lifecycle-safety-starter");
              t.setDaemon(true);
              return t;
            });
  }

  @AfterAll
  void stop() {
    if (client != null) {
      client.close();
    }
    if (starter != null) {
      starter.shutdownNow();
    }
    if (fixture != null) {
      fixture.close();
    }
  }

  private static String newName(String what) {
    return "safe-" + what + "-" + NAMES.incrementAndGet();
  }

  // ---------------------------------------------------------------- specs

  private EndpointSpec before(String name) {
    return EndpointSpec.builder()
        .name(name)
        .deployment(
            DeploymentSpec.builder()
                .name("blue")
                .model(fixture.reluModel())
                .scaling(Scaling.fixed(1))
                .build())
        .traffic(Map.of("blue", 100))
        .build();
  }

  /** The update: a new model version in a new deployment, new traffic, new scaling. */
  private EndpointSpec after(String name) {
    Set<Capability> caps = client.capabilities();
    Model v2 = fixture.reluModel().toBuilder().version("2").build();
    Scaling scaling =
        caps.contains(Capability.AUTOSCALING)
            ? Scaling.autoscale(1, 3, ScalingMetric.INVOCATIONS_PER_INSTANCE, 50)
            : Scaling.fixed(1);
    DeploymentSpec green =
        DeploymentSpec.builder().name("green").model(v2).scaling(scaling).build();
    EndpointSpec.Builder b = EndpointSpec.builder().name(name);
    if (caps.contains(Capability.TRAFFIC_SPLIT)) {
      b.deployment(before(name).deployments().get(0))
          .deployment(green)
          .traffic(Map.of("blue", 50, "green", 50));
    } else {
      b.deployment(green).traffic(Map.of("green", 100));
    }
    return b.build();
  }

  // ---------------------------------------------------------------- cancel a deploy

  @TestFactory
  Stream<DynamicTest> cancellingADeploy_atAnyStep_leavesNothing_andCreatesNothingAfter() {
    String probe = newName("probe-deploy");
    List<String> steps = steps("deploy", () -> client.deploy(before(probe)));
    deleteQuietly(probe);
    return dynamic(
        steps,
        step -> {
          Set<String> was = fixture.resources();
          String name = newName("cancel-deploy");
          int after = cancelAt(step, () -> client.deploy(before(name)));
          settle(was, null, name, after);
        });
  }

  // ---------------------------------------------------------------- cancel an update

  @TestFactory
  Stream<DynamicTest> cancellingAnUpdate_atAnyStep_leavesTheEndpointAsItWas() {
    return dynamic(
        updateSteps(),
        step -> {
          String name = newName("cancel-update");
          Endpoint endpoint = client.deploy(before(name)).await();
          try {
            Set<String> was = fixture.resources();
            String described = shape(endpoint.describe());
            int after = cancelAt(step, () -> endpoint.update(after(name)));
            settle(was, described, name, after);
          } finally {
            deleteQuietly(name);
          }
        });
  }

  // ---------------------------------------------------------------- fail an update

  @TestFactory
  Stream<DynamicTest> aFailedUpdate_atAnyStep_leavesTheEndpointAsItWas_andLeaksNothing() {
    List<String> steps = updateSteps();
    List<String> failedAt = new ArrayList<>();
    Stream<DynamicTest> each =
        dynamic(
            steps,
            step -> {
              String name = newName("fail-update");
              Endpoint endpoint = client.deploy(before(name)).await();
              try {
                Set<String> was = fixture.resources();
                String described = shape(endpoint.describe());
                fixture.wireCalls().fail(step, Fault.of(Fault.Kind.SERVER_ERROR));
                Throwable outcome;
                try {
                  outcome = outcome(endpoint.update(after(name)));
                } finally {
                  fixture.wireCalls().fail(step);
                }
                if (outcome == null) {
                  // The provider recovered from this call's failure (e.g. it retried a read): the
                  // update went through, which is not the case checked here.
                  return;
                }
                assertThat(outcome)
                    .as("a refused update fails with a typed error")
                    .isInstanceOf(ServingException.class);
                failedAt.add(step);
                settle(was, described, name, -1);
              } finally {
                deleteQuietly(name);
              }
            });
    DynamicTest refused =
        DynamicTest.dynamicTest(
            "the cloud refusing the update call itself fails the update",
            () ->
                assertThat(failedAt)
                    .as("failing one of the update's calls %s must fail the update", steps)
                    .isNotEmpty());
    return Stream.concat(each, Stream.of(refused));
  }

  // ---------------------------------------------------------------- cancel a batch job

  @TestFactory
  Stream<DynamicTest> cancellingABatchJob_atAnyStep_leavesNothing_andCreatesNothingAfter() {
    assumeTrue(
        client.capabilities().contains(Capability.BATCH_JOBS), "the provider has no batch jobs");
    assumeTrue(
        fixture.batchJob(newName("any")).isPresent(), "the fixture supplies no batch job to run");
    List<String> steps =
        steps("batch job", () -> client.submitBatchJob(batchJob(newName("probe-job"))));
    return dynamic(
        steps,
        step -> {
          Set<String> was = fixture.resources();
          BatchJobSpec job = batchJob(newName("cancel-job"));
          int after = cancelAt(step, () -> client.submitBatchJob(job));
          settle(was, null, null, after);
        });
  }

  private BatchJobSpec batchJob(String name) {
    return fixture.batchJob(name).orElseThrow();
  }

  // ---------------------------------------------------------------- use after close

  @Test
  void useAfterClose_isATypedServingException() {
    ServingClient c = fixture.newClient(Serve4j.builder());
    Endpoint e = c.endpoint("anything");
    c.close();
    assertThatThrownBy(() -> e.predict(ContractModels.reluRequest(1, 2)))
        .as("predict after close")
        .isInstanceOf(ServingException.class);
    assertThatThrownBy(e::describe).as("describe after close").isInstanceOf(ServingException.class);
    assertThatThrownBy(() -> c.deploy(before(newName("closed"))))
        .as("deploy after close")
        .isInstanceOf(ServingException.class);
    assertThatThrownBy(c::listEndpoints)
        .as("list after close")
        .isInstanceOf(ServingException.class)
        .satisfies(t -> assertThat(((ServingException) t).retryable()).isFalse());
    assertThatThrownBy(() -> c.endpoint("x"))
        .as("endpoint after close")
        .isInstanceOf(ServingException.class);
  }

  // ---------------------------------------------------------------- machinery

  private List<String> updateSteps() {
    if (updateSteps == null) {
      String probe = newName("probe-update");
      Endpoint endpoint = client.deploy(before(probe)).await();
      try {
        updateSteps = steps("update", () -> endpoint.update(after(probe)));
      } finally {
        deleteQuietly(probe);
      }
    }
    return updateSteps;
  }

  /** Runs the operation once to the end and returns its steps: its distinct calls, in order. */
  private List<String> steps(String what, Supplier<Operation<?>> operation) {
    WireCalls wire = fixture.wireCalls();
    int from = wire.size();
    operation.get().await(Duration.ofMinutes(2));
    List<String> steps = List.copyOf(new LinkedHashSet<>(wire.since(from)));
    assertThat(steps)
        .as(
            "the fake logged no wire call for a %s: its dispatch must call WireCalls.arrive for"
                + " every request",
            what)
        .isNotEmpty();
    return steps;
  }

  private static Stream<DynamicTest> dynamic(List<String> steps, StepCase check) {
    List<DynamicTest> tests = new ArrayList<>();
    for (int k = 0; k < steps.size(); k++) {
      String step = steps.get(k);
      tests.add(
          DynamicTest.dynamicTest(
              "step " + (k + 1) + " of " + steps.size() + ": " + step, () -> check.run(step)));
    }
    return tests.stream();
  }

  @FunctionalInterface
  private interface StepCase {
    void run(String step) throws Exception;
  }

  /**
   * Starts the operation with call {@code step} paused, cancels it while the call is held, then
   * releases the call; checks that the operation ended cancelled. Returns the wire log's position
   * right after the cancel.
   */
  private int cancelAt(String step, Supplier<Operation<?>> start) throws Exception {
    WireCalls wire = fixture.wireCalls();
    WireCalls.Pause pause = wire.pauseNext(step);
    CompletableFuture<Operation<?>> started = CompletableFuture.supplyAsync(start, starter);
    int after;
    Operation<?> op;
    try {
      if (!pause.awaitReached(Duration.ofSeconds(SETTLE_SECONDS))) {
        fail("the operation never made call %s this time (its log: %s)", step, wire.log());
      }
      try {
        op = started.get(10, TimeUnit.SECONDS);
      } catch (java.util.concurrent.TimeoutException e) {
        throw new AssertionError(
            "the operation did not return while its call "
                + step
                + " was in flight: it made a blocking wire call on the caller's thread, so it"
                + " cannot be cancelled at that step");
      }
      op.cancel();
      after = wire.size();
    } finally {
      wire.reset();
      pause.release();
    }
    Operation<?> cancelled = op;
    assertThatThrownBy(() -> cancelled.await(Duration.ofSeconds(SETTLE_SECONDS)))
        .as("a cancelled operation ends cancelled")
        .isInstanceOf(CancellationException.class);
    return after;
  }

  /** The operation's error, or null if it succeeded. */
  private static Throwable outcome(Operation<?> op) {
    try {
      op.await(Duration.ofMinutes(2));
      return null;
    } catch (RuntimeException e) {
      return e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    }
  }

  /**
   * Waits until the fake holds {@code resources} (and the endpoint is described as {@code
   * described}, if given) and its wire is quiet, then asserts both, and that no call after position
   * {@code after} of the log (if not -1) creates anything.
   */
  private void settle(Set<String> resources, String described, String endpoint, int after)
      throws InterruptedException {
    WireCalls wire = fixture.wireCalls();
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(SETTLE_SECONDS);
    int lastSize = -1;
    long lastChange = System.nanoTime();
    while (System.nanoTime() < end) {
      int size = wire.size();
      if (size != lastSize) {
        lastSize = size;
        lastChange = System.nanoTime();
      }
      boolean quiet = System.nanoTime() - lastChange >= QUIET.toNanos();
      if (quiet
          && fixture.resources().equals(resources)
          && (described == null || described.equals(describeQuietly(endpoint)))) {
        break;
      }
      Thread.sleep(25);
    }
    assertThat(new java.util.TreeSet<>(fixture.resources()))
        .as("the fake's resources after the operation ended")
        .isEqualTo(new java.util.TreeSet<>(resources));
    if (described != null) {
      assertThat(describeQuietly(endpoint))
          .as("endpoint %s is described as before", endpoint)
          .isEqualTo(described);
    }
    if (after >= 0) {
      List<String> creates =
          wire.since(after).stream().filter(fixture::creates).collect(Collectors.toList());
      assertThat(creates).as("calls that create something, made after the cancel").isEmpty();
    }
  }

  private String describeQuietly(String endpoint) {
    try {
      return shape(client.endpoint(endpoint).describe());
    } catch (ServingException e) {
      return "not described: " + e.category();
    }
  }

  /** What must not change: status, deployments (model, version, instances, type), traffic. */
  static String shape(EndpointDescription d) {
    StringBuilder s = new StringBuilder(d.status().toString());
    d.deployments().stream()
        .sorted(Comparator.comparing(DeploymentDescription::name))
        .forEach(
            x ->
                s.append(" | ")
                    .append(x.name())
                    .append(' ')
                    .append(x.modelName())
                    .append(':')
                    .append(x.modelVersion().orElse("-"))
                    .append(" x")
                    .append(x.instances())
                    .append(' ')
                    .append(x.instanceType().orElse("-")));
    s.append(" | traffic ").append(new TreeMap<>(d.traffic()));
    d.mirror().ifPresent(m -> s.append(" | mirror ").append(m));
    return s.toString();
  }

  private void deleteQuietly(String name) {
    try {
      client.endpoint(name).delete().await(Duration.ofMinutes(2));
    } catch (RuntimeException ignored) {
      // already gone, or the case's failure is what matters
    }
  }
}
