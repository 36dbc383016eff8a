package io.serve4j.azure.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import io.serve4j.DeploymentSpec;
import io.serve4j.Endpoint;
import io.serve4j.EndpointSpec;
import io.serve4j.ErrorCategory;
import io.serve4j.InvalidInputException;
import io.serve4j.Mirror;
import io.serve4j.ModelLoadException;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.ServingException;
import io.serve4j.testkit.ContractModels;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Issue 16, items 4, 5 and 10: the mirror share Azure ML takes, how long-running operations are
 * polled ({@code Retry-After}, the caller's deadline) and the request id a failed operation
 * carries.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AzureOperationRulesTest {
  private FakeAzureMl fake;
  private TestSupport.StaticCredential credential;
  private com.azure.core.http.HttpClient http;

  @BeforeAll
  void start() {
    fake = new FakeAzureMl(Duration.ofMillis(50));
    credential = new TestSupport.StaticCredential();
    http = TestSupport.insecureHttpClient();
  }

  @AfterEach
  void reset() {
    fake.putRetryAfter = null;
    fake.failDeployments = false;
  }

  @AfterAll
  void stop() {
    fake.close();
  }

  private ServingClient client(Duration timeout) {
    return Serve4j.builder()
        .options(TestSupport.options(fake.base(), credential, http).build())
        .operationTimeout(timeout)
        .build();
  }

  private static String name() {
    return "r-" + UUID.randomUUID().toString().substring(0, 8);
  }

  private static EndpointSpec blueAndShadow(String name, int mirror) {
    return EndpointSpec.builder()
        .name(name)
        .deployment(
            DeploymentSpec.builder().name("blue").model(ContractModels.reluOnClasspath()).build())
        .deployment(
            DeploymentSpec.builder().name("shadow").model(ContractModels.reluOnClasspath()).build())
        .traffic(Map.of("blue", 100))
        .mirror(new Mirror("shadow", mirror))
        .build();
  }

  private List<ServeEvent> events() {
    return fake.server.getAllServeEvents().stream()
        .sorted(Comparator.comparing(e -> e.getRequest().getLoggedDate()))
        .toList();
  }

  @Test
  void deployAndUpdate_withAMirrorShareOver50_areRefusedTyped_beforeAnyCall() {
    String name = name();
    try (ServingClient client = client(Duration.ofSeconds(30))) {
      int before = fake.server.getAllServeEvents().size();
      assertThatThrownBy(() -> client.deploy(blueAndShadow(name, 60)).await())
          .isInstanceOf(InvalidInputException.class)
          .hasMessageContaining("at most 50%");
      assertThat(fake.server.getAllServeEvents()).as("no wire call").hasSize(before);

      Endpoint e = client.deploy(blueAndShadow(name, 50)).await();
      assertThat(fake.endpoints.get(name).resource.at("/properties/mirrorTraffic/shadow").asInt())
          .isEqualTo(50);
      int afterDeploy = fake.server.getAllServeEvents().size();
      assertThatThrownBy(() -> e.update(blueAndShadow(name, 51)).await())
          .isInstanceOf(InvalidInputException.class);
      assertThat(fake.server.getAllServeEvents()).as("no wire call").hasSize(afterDeploy);
    }
  }

  @Test
  void operation_isFirstPolledAfterTheRetryAfterOfThePutThatStartedIt() {
    String name = name();
    fake.putRetryAfter = "1";
    try (ServingClient client = client(Duration.ofSeconds(30))) {
      client.deploy(EndpointSpec.of(name, ContractModels.reluOnClasspath())).await();
    }
    List<ServeEvent> all = events();
    int checked = 0;
    for (ServeEvent put : all) {
      var async = put.getResponse().getHeaders().getHeader("Azure-AsyncOperation");
      if (!put.getRequest().getMethod().getName().equals("PUT")
          || !put.getRequest().getUrl().contains(name)
          || !async.isPresent()) {
        continue;
      }
      String opPath = async.firstValue().substring(fake.base().toString().length());
      ServeEvent firstPoll =
          all.stream()
              .filter(e -> e.getRequest().getUrl().equals(opPath))
              .findFirst()
              .orElseThrow();
      long waited =
          firstPoll.getRequest().getLoggedDate().getTime()
              - put.getRequest().getLoggedDate().getTime();
      assertThat(waited).as("first poll of " + put.getRequest().getUrl()).isGreaterThan(900);
      checked++;
    }
    assertThat(checked).as("endpoint, deployment and traffic PUTs").isGreaterThanOrEqualTo(3);
  }

  @Test
  void operation_whoseRetryAfterEndsPastTheDeadline_timesOutAtOnce_withoutPolling() {
    String name = name();
    try (ServingClient ok = client(Duration.ofSeconds(30))) {
      ok.deploy(blueAndShadow(name, 10)).await();
    }
    fake.putRetryAfter = "600";
    try (ServingClient client = client(Duration.ofSeconds(5))) {
      int before = events().size();
      long start = System.nanoTime();
      assertThatThrownBy(
              () -> client.endpoint(name).shiftTraffic(Map.of("blue", 50, "shadow", 50)).await())
          .isInstanceOfSatisfying(
              ServingException.class,
              e -> assertThat(e.category()).isEqualTo(ErrorCategory.TIMEOUT))
          .hasMessageContaining("600 s");
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      assertThat(took).as("no sleep until the deadline").isLessThan(Duration.ofSeconds(3));
      List<ServeEvent> after = events();
      assertThat(after.subList(before, after.size()))
          .as("the operation was never polled")
          .noneMatch(e -> e.getRequest().getUrl().startsWith("/operations/"));
    }
  }

  @Test
  void cancel_duringTheWaitBeforeTheFirstPoll_isSeenWithinASecond_andTheUndoRuns()
      throws Exception {
    String name = name();
    fake.putRetryAfter = "30";
    try (ServingClient client = client(Duration.ofSeconds(120))) {
      io.serve4j.Operation<io.serve4j.Endpoint> op =
          client.deploy(EndpointSpec.of(name, ContractModels.reluOnClasspath()));
      long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (!fake.endpoints.containsKey(name) && System.nanoTime() < until) {
        Thread.sleep(20);
      }
      assertThat(fake.endpoints).containsKey(name);
      long start = System.nanoTime();
      op.cancel();
      until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (fake.endpoints.containsKey(name) && System.nanoTime() < until) {
        Thread.sleep(20);
      }
      assertThat(fake.endpoints)
          .as("the created endpoint is deleted again")
          .doesNotContainKey(name);
      assertThat(Duration.ofNanos(System.nanoTime() - start))
          .as("not after the 30 s Retry-After")
          .isLessThan(Duration.ofSeconds(5));
    }
  }

  @Test
  void failedDeployment_carriesTheRequestIdOfThePutThatStartedIt_withTheLogTail() {
    String name = name();
    fake.failDeployments = true;
    try (ServingClient client = client(Duration.ofSeconds(30))) {
      assertThatThrownBy(
              () -> client.deploy(EndpointSpec.of(name, ContractModels.reluOnClasspath())).await())
          .isInstanceOfSatisfying(
              ModelLoadException.class,
              e -> {
                assertThat(e.getMessage()).contains("deployment logs (tail)");
                String sent =
                    events().stream()
                        .filter(
                            x ->
                                x.getRequest().getMethod().getName().equals("PUT")
                                    && x.getRequest().getUrl().contains(name + "/deployments/"))
                        .findFirst()
                        .orElseThrow()
                        .getResponse()
                        .getHeaders()
                        .getHeader("x-ms-request-id")
                        .firstValue();
                assertThat(e.requestId()).contains(sent);
              });
    }
  }
}
