package io.serve4j.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.serve4j.Endpoint;
import io.serve4j.EndpointSpec;
import io.serve4j.ErrorCategory;
import io.serve4j.InferenceResponse;
import io.serve4j.RetryPolicy;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.ServingException;
import io.serve4j.ThrottledException;
import io.serve4j.spi.CallContext;
import io.serve4j.spi.Deadline;
import io.serve4j.spi.ProviderContext;
import io.serve4j.spi.ProviderSession;
import io.serve4j.testkit.ContractModels;
import io.serve4j.testkit.Fault;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Which layer retries what on SageMaker, and that the caller's deadline reaches each SDK call. Core
 * retries predict, describe, list and describeBatchJob: there the SDK makes exactly one attempt.
 * Operations are not retried by core: there the SDK's standard retries stay on. The deadline tests
 * call the provider's hooks directly, without core's deadline timer, so only the SDK's API call
 * timeout can end them in time.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AwsRetriesAndDeadlinesTest {
  private FakeAws fake;
  private AwsOptions options;
  private ScheduledExecutorService scheduler;

  @BeforeAll
  void start() {
    fake = new FakeAws().bucket("models").deployTime(Duration.ofMillis(100));
    options = AwsContractTest.options(fake).build();
    scheduler = Executors.newSingleThreadScheduledExecutor();
    try (ServingClient c = Serve4j.client(options)) {
      c.deploy(EndpointSpec.of("relu", ContractModels.reluOnClasspath()))
          .await(Duration.ofSeconds(30));
    }
  }

  @AfterAll
  void stop() {
    scheduler.shutdownNow();
    fake.close();
  }

  private ServingClient client(RetryPolicy retries) {
    return Serve4j.builder().options(options).retryPolicy(retries).build();
  }

  private long calls(String action) {
    return fake.calls("SageMaker." + action).size();
  }

  private long invocations() {
    return fake.calls(c -> c.path().endsWith("/invocations")).size();
  }

  // ---------------------------------------------------------------- who retries

  @Test
  void describe_whenThrottled_isOneWireAttempt_theSdkDoesNotRetryUnderCore() {
    try (ServingClient c = client(RetryPolicy.none())) {
      long before = calls("DescribeEndpoint");
      fake.throttle("DescribeEndpoint", 1);
      assertThatThrownBy(() -> c.endpoint("relu").describe())
          .isInstanceOf(ThrottledException.class);
      assertThat(calls("DescribeEndpoint") - before).isEqualTo(1);
    }
  }

  @Test
  void describe_whenThrottledOnce_isRetriedOnceByCore() {
    try (ServingClient c =
        client(
            RetryPolicy.builder().maxAttempts(3).initialBackoff(Duration.ofMillis(20)).build())) {
      long before = calls("DescribeEndpoint");
      fake.throttle("DescribeEndpoint", 1);
      // The fake's throttle carries Retry-After: 2, which core honours.
      assertThat(c.endpoint("relu").describe().name()).isEqualTo("relu");
      assertThat(calls("DescribeEndpoint") - before).isEqualTo(2);
    }
  }

  @Test
  void listEndpoints_whenThrottled_isOneWireAttempt() {
    try (ServingClient c = client(RetryPolicy.none())) {
      long before = calls("ListEndpoints");
      fake.throttle("ListEndpoints", 1);
      assertThatThrownBy(c::listEndpoints).isInstanceOf(ThrottledException.class);
      assertThat(calls("ListEndpoints") - before).isEqualTo(1);
    }
  }

  @Test
  void deploy_whenACallIsThrottled_theSdkRetriesItInsideTheOperation() {
    try (ServingClient c = client(RetryPolicy.none())) {
      String name = "t-" + UUID.randomUUID().toString().substring(0, 8);
      long before = calls("CreateEndpoint");
      fake.throttle("CreateEndpoint", 1);
      Endpoint e =
          c.deploy(EndpointSpec.of(name, ContractModels.reluOnClasspath()))
              .await(Duration.ofSeconds(30));
      assertThat(calls("CreateEndpoint") - before).isEqualTo(2);
      e.delete().await(Duration.ofSeconds(30));
    }
  }

  @Test
  void predict_whenThrottledAsSageMakerDoes_withoutRetryAfter_isThrottledWithNoHint() {
    try (ServingClient c = client(RetryPolicy.none())) {
      c.endpoint("relu").predict(ContractModels.reluRequest(1, 1));
      long before = invocations();
      fake.injectFaults(Fault.throttle(Duration.ZERO));
      assertThatThrownBy(() -> c.endpoint("relu").predict(ContractModels.reluRequest(1, 2)))
          .isInstanceOfSatisfying(
              ThrottledException.class,
              t -> {
                assertThat(t.retryable()).isTrue();
                assertThat(t.origin()).isEqualTo(ServingException.Origin.SERVICE);
                assertThat(t.statusCode()).hasValue(400);
                assertThat(t.retryAfter()).isEmpty();
              });
      assertThat(invocations() - before).isEqualTo(1);
    }
  }

  @Test
  void predict_whenThrottledAsSageMakerDoes_isRetriedAfterCoresOwnBackoff() {
    try (ServingClient c =
        client(
            RetryPolicy.builder()
                .maxAttempts(3)
                .initialBackoff(Duration.ofMillis(20))
                .maxBackoff(Duration.ofMillis(100))
                .build())) {
      c.endpoint("relu").predict(ContractModels.reluRequest(1, 1));
      long before = invocations();
      fake.injectFaults(Fault.throttle(Duration.ZERO));
      long start = System.nanoTime();
      InferenceResponse r = c.endpoint("relu").predict(ContractModels.reluRequest(-1, 3));
      assertThat(r.output("y").asFloats()).containsExactly(0f, 3f);
      assertThat(invocations() - before).isEqualTo(2);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
    }
  }

  // ---------------------------------------------------------------- the deadline reaches the SDK

  private <T> void assertSdkTimesOut(Duration deadline, Duration bound, HookCall<T> call) {
    try (ProviderSession aws = new AwsProvider().open(options, new ProviderContext(scheduler))) {
      long start = System.nanoTime();
      CompletableFuture<T> f = call.run(aws, CallContext.of(Deadline.after(deadline)));
      assertThatThrownBy(f::join)
          .isInstanceOf(CompletionException.class)
          .cause()
          .isInstanceOfSatisfying(
              ServingException.class,
              e -> assertThat(e.category()).isEqualTo(ErrorCategory.TIMEOUT));
      assertThat(Duration.ofNanos(System.nanoTime() - start))
          .isGreaterThanOrEqualTo(deadline.minusMillis(50))
          .isLessThan(bound);
    }
  }

  @Test
  void describeHook_slowerThanTheDeadline_isEndedByTheSdksApiCallTimeout() {
    fake.delay("DescribeEndpoint", Duration.ofSeconds(3));
    assertSdkTimesOut(
        Duration.ofMillis(400),
        Duration.ofMillis(2000),
        (aws, ctx) -> aws.lifecycle().describeEndpoint("relu", ctx));
  }

  @Test
  void predictHook_slowerThanTheDeadline_isEndedByTheSdksApiCallTimeout() {
    fake.injectFaults(Fault.slow(Duration.ofSeconds(3)));
    assertSdkTimesOut(
        Duration.ofMillis(400),
        Duration.ofMillis(2000),
        (aws, ctx) -> aws.inference().predict("relu", null, ContractModels.reluRequest(1, 2), ctx));
  }

  @Test
  void deployHook_whenTheS3UploadIsSlowerThanTheDeadline_isEndedByTheSdksApiCallTimeout() {
    fake.delay("S3 PUT", Duration.ofSeconds(4));
    String name = "t-" + UUID.randomUUID().toString().substring(0, 8);
    EndpointSpec spec =
        EndpointSpec.of(
            name,
            ContractModels.reluOnClasspath().toBuilder()
                .version(UUID.randomUUID().toString().substring(0, 8))
                .build());
    assertSdkTimesOut(
        Duration.ofMillis(1500),
        Duration.ofMillis(3500),
        (aws, ctx) -> aws.lifecycle().createEndpoint(spec, ctx));
    assertThat(fake.calls(c -> "PUT".equals(c.method()))).isNotEmpty();
    assertThat(
            fake.calls("SageMaker.CreateEndpoint").stream()
                .map(c -> c.json().path("EndpointName").asText()))
        .doesNotContain(name);
  }

  @FunctionalInterface
  private interface HookCall<T> {
    CompletableFuture<T> run(ProviderSession aws, CallContext ctx);
  }
}
