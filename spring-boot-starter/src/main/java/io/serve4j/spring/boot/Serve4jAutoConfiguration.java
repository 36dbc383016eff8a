package io.serve4j.spring.boot;

import io.serve4j.ServingClient;
import io.serve4j.ServingListener;
import io.serve4j.spring.boot.internal.ClientBeanRegistrar;
import io.serve4j.spring.boot.internal.ClientFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;

/**
 * Creates a {@link ServingClient} bean for each {@code serve4j.clients.<name>} (named {@code
 * <name>}, closed with the context) and an {@link io.serve4j.Endpoint} bean for each {@code
 * serve4j.clients.<name>.endpoints.<bean>=<endpoint>}. Every {@link ServingListener} bean is added
 * to every client and every {@link Serve4jClientCustomizer} bean applied to its builder.
 *
 * <pre>{@code
 * serve4j.clients.local.uri=local:/
 * serve4j.clients.cloud.uri=aws://eu-west-1
 * serve4j.clients.cloud.endpoints.fraud=fraud-prod
 *
 * @Autowired @Qualifier("fraud") Endpoint fraud;
 * }</pre>
 */
@AutoConfiguration
@ConditionalOnClass(ServingClient.class)
@EnableConfigurationProperties(Serve4jProperties.class)
@Import(ClientBeanRegistrar.class)
public class Serve4jAutoConfiguration {
  /** Created by Spring. */
  public Serve4jAutoConfiguration() {}

  /**
   * The factory the client beans are built with.
   *
   * @param properties the properties
   * @param listeners every listener bean, in order
   * @param customizers every customizer bean, in order
   * @return the factory
   */
  @Bean
  @ConditionalOnMissingBean
  public ClientFactory serve4jClientFactory(
      Serve4jProperties properties,
      ObjectProvider<ServingListener> listeners,
      ObjectProvider<Serve4jClientCustomizer> customizers) {
    return new ClientFactory(
        properties, listeners.orderedStream().toList(), customizers.orderedStream().toList());
  }
}
