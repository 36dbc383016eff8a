package io.serve4j.azure.internal;

import com.azure.core.http.HttpClient;
import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.HttpMethod;
import com.azure.core.http.HttpPipeline;
import com.azure.core.http.HttpPipelineBuilder;
import com.azure.core.http.HttpRequest;
import com.azure.core.http.policy.ExponentialBackoffOptions;
import com.azure.core.http.policy.HttpLogOptions;
import com.azure.core.http.policy.HttpLoggingPolicy;
import com.azure.core.http.policy.HttpPipelinePolicy;
import com.azure.core.http.policy.HttpPolicyProviders;
import com.azure.core.http.policy.RequestIdPolicy;
import com.azure.core.http.policy.RetryOptions;
import com.azure.core.http.policy.RetryPolicy;
import com.azure.core.http.policy.UserAgentPolicy;
import com.azure.core.util.Context;
import io.serve4j.DataType;
import io.serve4j.DeploymentDescription;
import io.serve4j.Endpoint;
import io.serve4j.EndpointSpec;
import io.serve4j.InferenceRequest;
import io.serve4j.Model;
import io.serve4j.ModelSignature;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.Tensor;
import io.serve4j.TensorSpec;
import io.serve4j.testkit.ContractModels;
import io.serve4j.testkit.SideBySide;
import io.serve4j.testkit.SideBySide.RawOipJson;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import reactor.core.publisher.Mono;

/**
 * The remote path measured (issue 22): {@code Endpoint.predict} through serve4j beside a raw
 * azure-core {@link HttpPipeline} POST to the same online endpoint's scoring route on {@link
 * FakeAzureMl} (WireMock over loopback HTTPS), interleaved ({@link SideBySide}). Both use the one
 * Netty HTTP client, and the raw pipeline has the policies serve4j's scoring pipeline has (user
 * agent, request id, retry policy with no retries, HTTP logging at azure-core's default level), as
 * an azure-core client builder would set it up.
 *
 * <p>The endpoint serves the ReLU ONNX model on Triton, declared with a dynamic second dimension so
 * that any width can be sent; predictions go to its Open Inference Protocol route {@code
 * /v2/models/{model}/infer} with the endpoint key. Both sides go from a {@code float[]} to the
 * request and from the answer back to a {@code float[]}: the raw side writes and reads the JSON
 * with Jackson data binding ({@link RawOipJson}). Off by default:
 *
 * <pre>{@code
 * ./mvnw -B -o -pl provider-azure -am test -Dtest=RemotePathHarness -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dserve4j.harness=true -Dharness.iterations=3000 -Dharness.windows=8 -Dharness.elements=256
 * }</pre>
 *
 * <p>With {@code -Dharness.rawDeadline=true} the raw exchange is also bounded as serve4j bounds its
 * own (a per-call response timeout and a timeout over the whole exchange), which leaves the cost of
 * that deadline out.
 */
@EnabledIfSystemProperty(named = "serve4j.harness", matches = "true")
class RemotePathHarness {
  @Test
  void scoringThroughServe4jBesideTheRawPipeline() throws Exception {
    SideBySide.ReluRow input = SideBySide.ReluRow.fromSystemProperties();
    int elements = input.elements();
    long[] shape = input.shape();
    float[] x = input.x();
    Model relu =
        ContractModels.reluOnClasspath().toBuilder()
            .signature(
                new ModelSignature(
                    List.of(TensorSpec.of("x", DataType.FP32, 1, -1)),
                    List.of(TensorSpec.of("y", DataType.FP32, 1, -1))))
            .build();
    HttpClient http = TestSupport.insecureHttpClient();
    // As azure-core's client builders assemble a pipeline (and serve4j's scoring pipeline is).
    List<HttpPipelinePolicy> policies = new ArrayList<>();
    policies.add(new UserAgentPolicy("raw-azure-core"));
    policies.add(new RequestIdPolicy());
    HttpPolicyProviders.addBeforeRetryPolicies(policies);
    policies.add(
        new RetryPolicy(new RetryOptions(new ExponentialBackoffOptions().setMaxRetries(0))));
    HttpPolicyProviders.addAfterRetryPolicies(policies);
    policies.add(new HttpLoggingPolicy(new HttpLogOptions()));
    HttpPipeline raw =
        new HttpPipelineBuilder()
            .httpClient(http)
            .policies(policies.toArray(new HttpPipelinePolicy[0]))
            .build();
    try (FakeAzureMl fake = new FakeAzureMl(Duration.ofMillis(50));
        ServingClient client =
            Serve4j.builder()
                .options(
                    TestSupport.options(fake.base(), new TestSupport.StaticCredential(), http)
                        .build())
                .build()) {
      Endpoint endpoint = client.deploy(EndpointSpec.of("relu", relu)).await();
      var description = endpoint.describe();
      DeploymentDescription deployment = description.deployments().get(0);
      String url =
          Scoring.oipUrl(
              description.url().orElseThrow().toString(),
              deployment.details().get(Scoring.TRITON_DETAIL));
      String authorization = "Bearer " + fake.primaryKey;
      // -Dharness.rawDeadline=true: the raw exchange is bounded as serve4j bounds its own, by
      // azure-core's per-call response timeout and a reactor timeout over the whole exchange
      // (serve4j's
      // default predict timeout, 60 s), so the ratio leaves the deadline's cost out.
      boolean deadline = Boolean.getBoolean("harness.rawDeadline");
      Duration timeout = Duration.ofSeconds(60);
      SideBySide.Call rawCall =
          () -> {
            HttpRequest request =
                new HttpRequest(HttpMethod.POST, url)
                    .setHeader(HttpHeaderName.AUTHORIZATION, authorization)
                    .setHeader(HttpHeaderName.CONTENT_TYPE, "application/json")
                    .setBody(RawOipJson.request("x", shape, x));
            Mono<byte[]> exchange =
                (deadline
                        ? raw.send(request, new Context(Rest.RESPONSE_TIMEOUT_KEY, timeout))
                        : raw.send(request))
                    .flatMap(
                        r -> {
                          if (r.getStatusCode() != 200) {
                            return Mono.error(
                                new IllegalStateException("HTTP " + r.getStatusCode()));
                          }
                          return r.getBodyAsByteArray();
                        });
            byte[] body = (deadline ? exchange.timeout(timeout) : exchange).block();
            input.check(RawOipJson.firstOutput(body));
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
              "azure online scoring (OIP JSON over HttpPipeline), FP32 [1,"
                  + elements
                  + "]"
                  + (deadline ? ", raw exchange with the same timeouts" : ""),
              rawCall,
              serve4jCall,
              SideBySide.Settings.fromSystemProperties());
      System.out.print(result.report());
    }
  }
}
