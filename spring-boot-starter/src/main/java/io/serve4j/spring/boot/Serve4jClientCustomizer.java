package io.serve4j.spring.boot;

import io.serve4j.Serve4j;

/**
 * Adjusts the builder of each auto-configured {@link io.serve4j.ServingClient} after the {@code
 * serve4j.clients.<name>.*} properties were applied and before the client is built: typed provider
 * options (credentials, a vendor client, a scheduler) and anything the properties do not cover.
 * Every bean of this type is applied to every client, in {@link org.springframework.core.Ordered}
 * order.
 *
 * <pre>{@code
 * @Bean
 * Serve4jClientCustomizer awsCredentials(AwsCredentialsProvider credentials) {
 *   return (name, builder) -> {
 *     if (name.equals("cloud")) {
 *       builder.options(AwsOptions.builder().region("eu-west-1").credentials(credentials).build());
 *     }
 *   };
 * }
 * }</pre>
 */
@FunctionalInterface
public interface Serve4jClientCustomizer {
  /**
   * Customizes one client's builder.
   *
   * @param clientName the name under {@code serve4j.clients}, also the bean's name
   * @param builder the builder, with the properties applied
   */
  void customize(String clientName, Serve4j.Builder builder);
}
