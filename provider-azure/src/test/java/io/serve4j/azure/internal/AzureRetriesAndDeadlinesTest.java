package io.serve4j.azure.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.azure.core.http.HttpClient;
import com.azure.core.http.HttpRequest;
import com.azure.core.http.HttpResponse;
import com.azure.core.util.Context;
import io.serve4j.EndpointSpec;
import io.serve4j.ErrorCategory;
import io.serve4j.InferenceRequest;
import io.serve4j.RetryPolicy;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.ServingException;
import io.serve4j.TimeoutException;
import io.serve4j.UnavailableException;
import io.serve4j.azure.AzureOptions;
import io.serve4j.spi.CallContext;
import io.serve4j.spi.Deadline;
import io.serve4j.spi.ProviderContext;
import io.serve4j.testkit.ContractModels;
import io.serve4j.testkit.Fault;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/**
 * What reaches the wire for predictions, whose retries are core's: the caller's deadline as each
 * HTTP exchange's azure-core response timeout, the exchange let go when the deadline passes (not
 * when the slow answer finally comes), exactly one scoring attempt per core attempt, and the typed
 * errors of a reset connection and a malformed body. Bounds are loose on the low side so that a
 * loaded build machine does not fail them.
 */
class AzureRetriesAndDeadlinesTest {
  /** One exchange as the HTTP client saw it. */
  record Exchange(String method, String path, Optional<Object> timeout, long[] endedAt) {}

  /** Delegates to the real Netty client and records each exchange's context and end. */
  static final class RecordingHttpClient implements HttpClient {
    final HttpClient delegate = TestSupport.insecureHttpClient();
    final List<Exchange> exchanges = new CopyOnWriteArrayList<>();

    @Override
    public Mono<HttpResponse> send(HttpRequest request) {
      return send(request, Context.NONE);
    }

    @Override
    public Mono<HttpResponse> send(HttpRequest request, Context context) {
      Exchange x =
          new Exchange(
              request.getHttpMethod().toString(),
              request.getUrl().getPath(),
              context.getData(Rest.RESPONSE_TIMEOUT_KEY),
              new long[] {0});
      exchanges.add(x);
      // Ends when the response's headers come, or when the exchange fails or is cancelled.
      return delegate.send(request, context).doFinally(s -> x.endedAt()[0] = System.nanoTime());
    }

    List<Exchange> to(String pathPart) {
      return exchanges.stream().filter(x -> x.path().contains(pathPart)).toList();
    }
  }

  private FakeAzureMl fake;
  private RecordingHttpClient http;
  private AzureOptions options;

  @BeforeEach
  void start() {
    fake = new FakeAzureMl(Duration.ofMillis(50));
    http = new RecordingHttpClient();
    options = TestSupport.options(fake.base(), new TestSupport.StaticCredential(), http).build();
    try (ServingClient c = Serve4j.client(options)) {
      c.deploy(EndpointSpec.of("relu", ContractModels.reluOnClasspath()))
          .await(Duration.ofSeconds(30));
    }
    http.exchanges.clear();
  }

  @AfterEach
  void stop() {
    fake.close();
  }

  private ServingClient client(RetryPolicy retries) {
    return Serve4j.builder()
        .options(options)
        .retryPolicy(retries)
        .callTimeout(Duration.ofSeconds(7))
        .predictTimeout(Duration.ofSeconds(9))
        .build();
  }

  @Test
  void predict_carriesTheRequestTimeoutIntoEveryHttpExchange() {
    try (ServingClient c = client(RetryPolicy.none())) {
      InferenceRequest r =
          ContractModels.reluRequest(1, 2).toBuilder().timeout(Duration.ofSeconds(3)).build();
      c.endpoint("relu").predict(r);
      // A fresh client: core describes the endpoint once (its call timeout, 7 s) and hands the
      // description to predict, which fetches the key and posts, both within 3 s.
      assertThat(http.to("/onlineEndpoints/relu"))
          .as("one describe per cold predict")
          .filteredOn(x -> x.method().equals("GET") && x.path().endsWith("/onlineEndpoints/relu"))
          .hasSize(1);
      assertThat(http.exchanges).allSatisfy(x -> assertThat(x.timeout()).isPresent());
      List<Exchange> bounded =
          http.exchanges.stream()
              .filter(x -> ((Duration) x.timeout().get()).compareTo(Duration.ofSeconds(3)) <= 0)
              .toList();
      assertThat(bounded)
          .extracting(x -> x.method() + " " + x.path().replaceAll(".*/workspaces/[^/]+", ""))
          .containsExactly(
              "POST /onlineEndpoints/relu/listKeys", "POST /online/relu/v2/models/relu/infer");
      assertThat(bounded).allSatisfy(x -> assertThat((Duration) x.timeout().get()).isPositive());
      http.exchanges.clear();
      c.endpoint("relu").predict(ContractModels.reluRequest(1, 2));
      assertThat(http.to("/infer").get(0).timeout())
          .hasValueSatisfying(
              t ->
                  assertThat((Duration) t)
                      .isGreaterThan(Duration.ofSeconds(3))
                      .isLessThanOrEqualTo(Duration.ofSeconds(9)));
    }
  }

  /**
   * The deadline bounds the whole exchange (below) without a timer task per prediction on reactor's
   * parallel scheduler: {@code Mono.timeout(Duration)} scheduled one (a {@code
   * ScheduledThreadPoolExecutor} task, a thread wake-up) per exchange, beside the response timer
   * azure-core's Netty client keeps on its event loop anyway (BENCHMARKS.md, remote path). The
   * deadline's watch is core's watchdog's instead. Tasks of that parallel scheduler scheduled with
   * a delay of the predict timeout's order are counted here.
   */
  @Test
  void predict_schedulesNoReactorTimerPerCall() {
    java.util.concurrent.atomic.AtomicInteger timers =
        new java.util.concurrent.atomic.AtomicInteger();
    try (ServingClient c = client(RetryPolicy.none())) {
      c.endpoint("relu").predict(ContractModels.reluRequest(1, 2)); // key and description cached
      reactor.core.scheduler.Schedulers.onScheduleHook(
          "count-timers",
          task -> {
            for (StackTraceElement e : new Throwable().getStackTrace()) {
              if (e.getClassName().startsWith("reactor.core.publisher.MonoDelay")) {
                timers.incrementAndGet();
                break;
              }
            }
            return task;
          });
      for (int i = 0; i < 20; i++) {
        c.endpoint("relu").predict(ContractModels.reluRequest(1, 2));
      }
    } finally {
      reactor.core.scheduler.Schedulers.resetOnScheduleHook("count-timers");
    }
    assertThat(timers.get()).as("reactor timers for 20 predictions").isLessThan(5);
  }

  @Test
  void describeAndList_carryTheCallTimeoutIntoEveryHttpExchange() {
    try (ServingClient c = client(RetryPolicy.none())) {
      c.endpoint("relu").describe();
      c.listEndpoints();
      assertThat(http.exchanges).isNotEmpty();
      for (Exchange x : http.exchanges) {
        assertThat(x.timeout())
            .as("%s %s", x.method(), x.path())
            .hasValueSatisfying(
                t ->
                    assertThat((Duration) t)
                        .isGreaterThan(Duration.ofSeconds(3))
                        .isLessThanOrEqualTo(Duration.ofSeconds(7)));
      }
    }
  }

  @Test
  void slowAnswer_theExchangeIsLetGoAtTheDeadline_notWhenTheAnswerComes() {
    try (ServingClient c = client(RetryPolicy.none())) {
      c.endpoint("relu").predict(ContractModels.reluRequest(1, 1));
      http.exchanges.clear();
      fake.injectFaults(Fault.slow(Duration.ofSeconds(4)));
      InferenceRequest r =
          ContractModels.reluRequest(1, 2).toBuilder().timeout(Duration.ofMillis(500)).build();
      long start = System.nanoTime();
      assertThatThrownBy(() -> c.endpoint("relu").predict(r)).isInstanceOf(TimeoutException.class);
      Exchange x = http.to("/infer").get(0);
      for (int i = 0; i < 40 && x.endedAt()[0] == 0; i++) {
        sleep(25);
      }
      assertThat(x.endedAt()[0]).isNotZero();
      assertThat(Duration.ofNanos(x.endedAt()[0] - start)).isLessThan(Duration.ofMillis(2500));
    }
  }

  @Test
  void slowAnswer_theProviderAloneEndsTheCallAtItsDeadline() throws Exception {
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    Workspace workspace = new Workspace(options, new ProviderContext(scheduler));
    Scoring client = new Scoring(workspace);
    try {
      client
          .predict("relu", null, ContractModels.reluRequest(1, 1), CallContext.of(Deadline.none()))
          .join();
      fake.injectFaults(Fault.slow(Duration.ofSeconds(4)));
      long start = System.nanoTime();
      // As core calls it: through core's one guard, which maps the provider's failure.
      CompletableFuture<?> f =
          AzureErrors.WIRE.call(
              "predict on endpoint 'relu'",
              () ->
                  client.predict(
                      "relu",
                      null,
                      ContractModels.reluRequest(1, 2),
                      CallContext.of(Deadline.after(Duration.ofMillis(500)))));
      assertThatThrownBy(f::join)
          .cause()
          .isInstanceOfSatisfying(
              ServingException.class,
              e -> {
                assertThat(e.category()).isEqualTo(ErrorCategory.TIMEOUT);
                assertThat(e.providerId()).contains("azure");
              });
      assertThat(Duration.ofNanos(System.nanoTime() - start))
          .isBetween(Duration.ofMillis(450), Duration.ofMillis(2500));
    } finally {
      workspace.close();
      scheduler.shutdownNow();
    }
  }

  @Test
  void unavailable_withRetriesOff_isOneAttemptOnTheWire() {
    try (ServingClient c = client(RetryPolicy.none())) {
      c.endpoint("relu").predict(ContractModels.reluRequest(1, 1));
      long before = fake.predictions.get();
      fake.injectFaults(Fault.of(Fault.Kind.UNAVAILABLE), Fault.of(Fault.Kind.UNAVAILABLE));
      assertThatThrownBy(() -> c.endpoint("relu").predict(ContractModels.reluRequest(1, 1)))
          .isInstanceOf(UnavailableException.class);
      assertThat(fake.predictions.get() - before).isEqualTo(1);
    }
  }

  @Test
  void unavailable_withCoreRetries_isRetriedByCoreOnly() {
    RetryPolicy three =
        RetryPolicy.builder()
            .maxAttempts(3)
            .initialBackoff(Duration.ofMillis(10))
            .maxBackoff(Duration.ofMillis(20))
            .build();
    try (ServingClient c = client(three)) {
      c.endpoint("relu").predict(ContractModels.reluRequest(1, 1));
      long before = fake.predictions.get();
      fake.injectFaults(Fault.of(Fault.Kind.UNAVAILABLE), Fault.of(Fault.Kind.UNAVAILABLE));
      c.endpoint("relu").predict(ContractModels.reluRequest(1, 1));
      assertThat(fake.predictions.get() - before).isEqualTo(3);
    }
  }

  @Test
  void connectionReset_isUnavailable_clientSide_withTheIoCause() {
    try (ServingClient c = client(RetryPolicy.none())) {
      c.endpoint("relu").predict(ContractModels.reluRequest(1, 1));
      fake.injectFaults(Fault.of(Fault.Kind.CONNECTION_RESET));
      assertThatThrownBy(() -> c.endpoint("relu").predict(ContractModels.reluRequest(1, 1)))
          .isInstanceOfSatisfying(
              UnavailableException.class,
              e -> {
                assertThat(e.retryable()).isTrue();
                assertThat(e.origin()).isEqualTo(ServingException.Origin.CLIENT);
                assertThat(e.providerId()).contains("azure");
                assertThat(e).hasRootCauseInstanceOf(IOException.class);
              });
    }
  }

  @Test
  void malformedBody_isATypedServiceError_fromThisProvider() {
    try (ServingClient c = client(RetryPolicy.none())) {
      c.endpoint("relu").predict(ContractModels.reluRequest(1, 1));
      fake.injectFaults(Fault.of(Fault.Kind.MALFORMED_BODY));
      assertThatThrownBy(() -> c.endpoint("relu").predict(ContractModels.reluRequest(1, 1)))
          .isInstanceOfSatisfying(
              ServingException.class,
              e -> {
                assertThat(e.category()).isEqualTo(ErrorCategory.INTERNAL);
                assertThat(e.retryable()).isFalse();
                assertThat(e.providerId()).contains("azure");
                assertThat(e.origin()).isEqualTo(ServingException.Origin.SERVICE);
                assertThat(e.statusCode()).hasValue(200);
              })
          .hasMessageContaining("malformed inference response");
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
