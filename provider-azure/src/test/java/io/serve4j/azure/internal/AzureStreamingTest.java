package io.serve4j.azure.internal;

import io.serve4j.EndpointSpec;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.testkit.ContractModels;
import io.serve4j.testkit.StreamingContract;
import io.serve4j.testkit.StreamingFixture;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The streaming contract on an Azure ML online endpoint's scoring URI answering server-sent events
 * over HTTP/1.1 chunked, through the real azure-core pipeline (Netty).
 */
class AzureStreamingTest extends StreamingContract {
  private static final AtomicInteger NAMES = new AtomicInteger();

  @Override
  protected StreamingFixture createFixture() {
    FakeAzureMl fake = new FakeAzureMl(Duration.ofMillis(50));
    FakeScoringStream scoring = new FakeScoringStream();
    TestSupport.StaticCredential credential = new TestSupport.StaticCredential();
    com.azure.core.http.HttpClient http = TestSupport.insecureHttpClient();
    return new StreamingFixture() {
      @Override
      public ServingClient newClient(Serve4j.Builder builder) {
        return builder.options(TestSupport.options(fake.base(), credential, http).build()).build();
      }

      @Override
      public String streamingEndpoint(
          ServingClient client, List<String> chunks, Duration gap, int failAfter) {
        String name = "stream-" + NAMES.incrementAndGet();
        fake.scoringUris.put(name, scoring.scoringUri(name));
        scoring.script(name, chunks, gap, failAfter, true);
        client.deploy(EndpointSpec.of(name, ContractModels.reluOnClasspath())).await();
        return name;
      }

      @Override
      public int produced(String endpoint) {
        return scoring.produced(endpoint);
      }

      @Override
      public void failNextOpen(String endpoint) {
        scoring.failNextOpen();
      }

      @Override
      public boolean producerFollowsDemand() {
        return false; // HTTP/1.1: only TCP's window holds the model server back
      }

      @Override
      public void close() {
        scoring.close();
        fake.close();
      }
    };
  }
}
