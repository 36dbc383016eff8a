package io.serve4j.azure.internal;

import static io.serve4j.azure.internal.Workspace.ONLINE;
import static org.assertj.core.api.Assertions.assertThat;

import io.serve4j.EndpointDescription;
import io.serve4j.EndpointSpec;
import io.serve4j.InferenceResponse;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.azure.AzureOptions;
import io.serve4j.azure.ScoringAuthMode;
import io.serve4j.spi.CallContext;
import io.serve4j.spi.Deadline;
import io.serve4j.spi.ProviderContext;
import io.serve4j.testkit.ContractModels;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The per-prediction path of scoring (BENCHMARKS.md, remote path): what routing derives from an
 * endpoint's description is made once per description core hands over, not on every call, and a
 * cached endpoint key is read without a future; a changed description and a forgotten or failed key
 * are never served from those caches.
 */
class AzureScoringPathTest {
  private FakeAzureMl fake;
  private ScheduledExecutorService scheduler;
  private Workspace ws;
  private Scoring scoring;

  @BeforeEach
  void start() {
    fake = new FakeAzureMl(Duration.ofMillis(50));
    AzureOptions options =
        TestSupport.options(
                fake.base(), new TestSupport.StaticCredential(), TestSupport.insecureHttpClient())
            .build();
    try (ServingClient c = Serve4j.client(options)) {
      c.deploy(EndpointSpec.of("relu", ContractModels.reluOnClasspath()))
          .await(Duration.ofSeconds(30));
    }
    scheduler = Executors.newSingleThreadScheduledExecutor();
    ws = new Workspace(options, new ProviderContext(scheduler));
    scoring = new Scoring(ws);
  }

  @AfterEach
  void stop() {
    ws.close();
    scheduler.shutdownNow();
    fake.close();
  }

  private EndpointDescription describe() {
    return new EndpointDescriptions(ws).describe("relu", ws.armOnce).join();
  }

  private float[] predict(EndpointDescription d) {
    return scoring
        .predict(
            "relu",
            d,
            ContractModels.reluRequest(1, 2),
            CallContext.of(Deadline.after(Duration.ofSeconds(20))))
        .join()
        .output("y")
        .asFloats();
  }

  @Test
  void routing_isDerivedOncePerDescription_andAgainWhenTheDescriptionChanges() {
    EndpointDescription first = describe();
    float[] answer = predict(first);
    Scoring.Target target = scoring.target("relu", first);
    assertThat(predict(first)).containsExactly(answer);
    assertThat(scoring.target("relu", first)).as("same description").isSameAs(target);
    assertThat(target.url(null)).endsWith("/v2/models/relu/infer");

    EndpointDescription second = describe(); // core's next description, e.g. after an update
    assertThat(second).isNotSameAs(first);
    assertThat(predict(second)).containsExactly(answer);
    Scoring.Target changed = scoring.target("relu", second);
    assertThat(changed).isNotSameAs(target);
    assertThat(changed.description).isSameAs(second);
  }

  @Test
  void cachedKey_isReadWithoutAFuture_onlyWhileItIsCached() {
    assertThat(ws.auth.cached(ONLINE, "relu", ScoringAuthMode.KEY)).as("nothing fetched").isNull();
    String header =
        ws.auth.authorization(ONLINE, "relu", ScoringAuthMode.KEY, Deadline.none()).join();
    assertThat(header).isEqualTo("Bearer " + fake.primaryKey);
    assertThat(ws.auth.cached(ONLINE, "relu", ScoringAuthMode.KEY)).isEqualTo(header);
    assertThat(ws.auth.cached(ONLINE, "relu", ScoringAuthMode.AAD_TOKEN))
        .as("Entra ID tokens are azure-core's to cache")
        .isNull();
    ws.auth.forget(ONLINE, "relu");
    assertThat(ws.auth.cached(ONLINE, "relu", ScoringAuthMode.KEY)).isNull();

    // A key that could not be fetched is not served (nor does reading it throw).
    assertThat(
            ws.auth
                .authorization(ONLINE, "missing", ScoringAuthMode.KEY, Deadline.none())
                .handle((h, e) -> e))
        .succeedsWithin(Duration.ofSeconds(20))
        .isNotNull();
    assertThat(ws.auth.cached(ONLINE, "missing", ScoringAuthMode.KEY)).isNull();
  }

  @Test
  void withACachedKey_thePredictionsFutureIsTheExchangesOwn_withNoStageBetween() {
    EndpointDescription d = describe();
    float[] answer = predict(d); // fetches and caches the key
    CompletableFuture<InferenceResponse> f =
        scoring.predict(
            "relu",
            d,
            ContractModels.reluRequest(1, 2),
            CallContext.of(Deadline.after(Duration.ofSeconds(20))));
    // Before: a mapped future completed by a stage on the exchange's, with a stage of its own.
    assertThat(f.getNumberOfDependents()).as("stages waiting on the prediction's future").isZero();
    assertThat(f.join().output("y").asFloats()).containsExactly(answer);
  }
}
