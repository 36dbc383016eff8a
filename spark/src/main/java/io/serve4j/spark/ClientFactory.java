package io.serve4j.spark;

import io.serve4j.ServingClient;
import java.io.Serializable;

/**
 * Creates the {@link ServingClient} an executor scores through, when a provider URI is not enough
 * (an endpoint override, a credentials provider, a retry policy of your own). It is serialized into
 * every task, so capture only serializable values; it runs once per executor JVM, and factories
 * whose serialized forms are equal share one client.
 *
 * <pre>{@code
 * ClientFactory aws = () -> Serve4j.builder()
 *     .options(AwsOptions.builder().region(Region.EU_WEST_1).build())
 *     .retryPolicy(RetryPolicy.builder().maxAttempts(5).build())
 *     .build();
 * ScoringSpec spec = ScoringSpec.builder().client(aws).endpoint("fraud")...build();
 * }</pre>
 *
 * <p>Credentials should come from the cluster's role or identity through the vendor's default
 * chain, not from values captured here: a captured secret travels in every task.
 */
@FunctionalInterface
public interface ClientFactory extends Serializable {
  /**
   * Creates the client; called once per executor JVM.
   *
   * @return a new client, closed by serve4j-spark when the JVM shuts down
   */
  ServingClient create();
}
