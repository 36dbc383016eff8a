package io.serve4j.aws;

import io.serve4j.EndpointSpec;
import io.serve4j.Model;
import io.serve4j.ModelFormat;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.testkit.StreamingContract;
import io.serve4j.testkit.StreamingFixture;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The streaming contract on SageMaker's InvokeEndpointWithResponseStream, through the real SDK
 * client (Netty, HTTP/1.1 chunked) against FakeAws streaming AWS event-stream messages.
 */
class AwsStreamingTest extends StreamingContract {
  private static final AtomicInteger NAMES = new AtomicInteger();

  @Override
  protected StreamingFixture createFixture() {
    FakeAws fake = new FakeAws().bucket("models");
    return new StreamingFixture() {
      @Override
      public ServingClient newClient(Serve4j.Builder builder) {
        return builder.options(AwsContractTest.options(fake).build()).build();
      }

      @Override
      public String streamingEndpoint(
          ServingClient client, List<String> chunks, Duration gap, int failAfter) {
        String name = "stream-" + NAMES.incrementAndGet();
        client
            .deploy(
                EndpointSpec.of(
                    name,
                    Model.builder()
                        .name(name)
                        .format(ModelFormat.CUSTOM_CONTAINER)
                        .image("123456789012.dkr.ecr.us-east-1.amazonaws.com/llm:1")
                        .build()))
            .await();
        fake.streamScript(name, chunks, gap, failAfter);
        return name;
      }

      @Override
      public int produced(String endpoint) {
        return fake.streamed(endpoint);
      }

      @Override
      public void failNextOpen(String endpoint) {
        fake.failNextStreamOpen();
      }

      @Override
      public boolean producerFollowsDemand() {
        return false; // HTTP/1.1: only TCP's window holds the container back
      }

      @Override
      public void close() {
        fake.close();
      }
    };
  }
}
