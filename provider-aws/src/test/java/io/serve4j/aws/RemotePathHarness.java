package io.serve4j.aws;

import io.serve4j.Endpoint;
import io.serve4j.EndpointSpec;
import io.serve4j.InferenceRequest;
import io.serve4j.Model;
import io.serve4j.ModelFormat;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.Tensor;
import io.serve4j.testkit.SideBySide;
import io.serve4j.testkit.SideBySide.RawOipJson;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.http.async.SdkAsyncHttpClient;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sagemakerruntime.SageMakerRuntimeAsyncClient;
import software.amazon.awssdk.services.sagemakerruntime.model.InvokeEndpointResponse;

/**
 * The remote path measured (issue 22): {@code Endpoint.predict} through serve4j beside the raw
 * SageMaker Runtime SDK's {@code invokeEndpoint} against the same {@link FakeAws} (loopback HTTP),
 * over one shared Netty HTTP client and a runtime client configured as serve4j configures its own
 * (same region, credentials, endpoint, no SDK retries), interleaved ({@link SideBySide}).
 *
 * <p>Both sides do a user's whole call: from a {@code float[]} to the request body and from the
 * answer back to a {@code float[]}. The raw side writes Open Inference Protocol JSON with Jackson
 * data binding ({@link RawOipJson}) and hands the bytes to the SDK without a copy ({@code
 * fromByteArrayUnsafe} / {@code asByteArrayUnsafe}); serve4j builds a tensor, predicts and reads
 * {@code y}. Prints latency at concurrency 1 (p50, mean) and throughput at {@code
 * harness.concurrency}, with their ratios; asserts only that both read ReLU(x). Off by default:
 *
 * <pre>{@code
 * ./mvnw -B -o -pl provider-aws -am test -Dtest=RemotePathHarness -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dserve4j.harness=true -Dharness.iterations=3000 -Dharness.windows=8 -Dharness.elements=256
 * }</pre>
 *
 * <p>With {@code -Dharness.rawDeadline=true} the raw call also carries a per-call timeout
 * (serve4j's default predict timeout) as serve4j's does, which leaves the cost of that deadline
 * out.
 */
@EnabledIfSystemProperty(named = "serve4j.harness", matches = "true")
class RemotePathHarness {
  static {
    // The fake (JDK HttpServer) answers in small writes: without TCP_NODELAY, Nagle's algorithm and
    // the client's delayed ACK add ~40 ms to every call, raw SDK and serve4j alike.
    System.setProperty("sun.net.httpserver.nodelay", "true");
  }

  @Test
  void predictThroughServe4jBesideTheRawSdk() throws Exception {
    SideBySide.ReluRow input = SideBySide.ReluRow.fromSystemProperties();
    long[] shape = input.shape();
    float[] x = input.x();
    try (FakeAws fake = new FakeAws().bucket("models");
        SdkAsyncHttpClient http = NettyNioAsyncHttpClient.create();
        SageMakerRuntimeAsyncClient raw =
            SageMakerRuntimeAsyncClient.builder()
                .region(Region.US_EAST_1)
                .credentialsProvider(
                    StaticCredentialsProvider.create(
                        AwsBasicCredentials.create("AKIDTESTTESTTEST", "test-secret-key")))
                .endpointOverride(URI.create(fake.uri().toString()))
                .httpClient(http)
                .overrideConfiguration(c -> c.retryStrategy(AwsRetryStrategy.doNotRetry()))
                .build();
        ServingClient client =
            Serve4j.builder()
                .options(AwsContractTest.options(fake).httpClient(http).build())
                .build()) {
      client
          .deploy(
              EndpointSpec.of(
                  "relu",
                  Model.builder()
                      .name("relu")
                      .format(ModelFormat.CUSTOM_CONTAINER)
                      .image("123456789012.dkr.ecr.us-east-1.amazonaws.com/relu:1")
                      .build()))
          .await();
      Endpoint endpoint = client.endpoint("relu");
      // -Dharness.rawDeadline=true: the raw call carries serve4j's default predict timeout (60 s)
      // as its apiCallTimeout, as serve4j's does, so the ratio leaves the deadline's cost out.
      boolean deadline = Boolean.getBoolean("harness.rawDeadline");
      SideBySide.Call rawCall =
          () -> {
            InvokeEndpointResponse r =
                raw.invokeEndpoint(
                        b ->
                            b.overrideConfiguration(
                                    o -> {
                                      if (deadline) {
                                        o.apiCallTimeout(Duration.ofSeconds(60));
                                      }
                                    })
                                .endpointName("relu")
                                .contentType("application/json")
                                .body(
                                    SdkBytes.fromByteArrayUnsafe(
                                        RawOipJson.request("x", shape, x))))
                    .join();
            input.check(RawOipJson.firstOutput(r.body().asByteArrayUnsafe()));
          };
      SideBySide.Call serve4jCall =
          () ->
              input.check(
                  endpoint
                      .predict(InferenceRequest.of(Tensor.ofFloats("x", shape, x)))
                      .output("y")
                      .asFloats());
      SideBySide.Result result =
          SideBySide.run(
              "aws InvokeEndpoint, FP32 [1,"
                  + input.elements()
                  + "]"
                  + (deadline ? ", raw call with the same per-call timeout" : ""),
              rawCall,
              serve4jCall,
              SideBySide.Settings.fromSystemProperties());
      System.out.print(result.report());
    }
  }
}
