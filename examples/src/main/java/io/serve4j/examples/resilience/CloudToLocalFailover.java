package io.serve4j.examples.resilience;

import io.serve4j.CircuitBreakerPolicy;
import io.serve4j.Endpoint;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.RetryPolicy;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.resilience.FailoverEndpoint;
import io.serve4j.resilience.ShadowEndpoint;
import java.time.Duration;

/**
 * The README's failure-behaviour example: a cloud endpoint with retries and a circuit breaker,
 * falling back to a local ONNX Runtime endpoint of the same model, and a shadow check that the two
 * agree.
 */
public final class CloudToLocalFailover {
  private CloudToLocalFailover() {}

  /**
   * Builds the failover endpoint.
   *
   * @param cloud a client of a cloud provider (e.g. {@code Serve4j.client("aws")})
   * @param local a client of the local provider with the same model deployed
   * @param endpointName the endpoint's name on both
   * @return an endpoint that answers from the local model when the cloud cannot
   */
  public static Endpoint failover(ServingClient cloud, ServingClient local, String endpointName) {
    return FailoverEndpoint.builder()
        .primary(cloud.endpoint(endpointName))
        .fallback(local.endpoint(endpointName))
        .hedgeAfter(Duration.ofMillis(500)) // optional: also ask local when the cloud is slow
        .build();
  }

  /**
   * Builds a cloud client with explicit retry and breaker settings.
   *
   * @param providerId e.g. "aws"
   * @return the client
   */
  public static ServingClient resilientCloudClient(String providerId) {
    return Serve4j.builder()
        .provider(providerId)
        .predictTimeout(Duration.ofSeconds(2))
        .retryPolicy(RetryPolicy.builder().maxAttempts(3).build())
        .circuitBreaker(CircuitBreakerPolicy.defaults())
        .build();
  }

  /**
   * Predicts through a shadow check: the cloud answers, the local model is compared.
   *
   * @param cloud cloud endpoint
   * @param local local endpoint
   * @param request the request
   * @return the cloud's answer
   */
  public static InferenceResponse predictWithShadowCheck(
      Endpoint cloud, Endpoint local, InferenceRequest request) {
    Endpoint checked =
        ShadowEndpoint.builder()
            .primary(cloud)
            .shadow(local)
            .onComparison(
                c -> {
                  if (!c.matches(1e-4)) {
                    System.err.println("local model drifts from the cloud: " + c.differences());
                  }
                })
            .build();
    return checked.predict(request);
  }
}
