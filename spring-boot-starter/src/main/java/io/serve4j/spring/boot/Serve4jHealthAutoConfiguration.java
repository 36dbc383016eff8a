package io.serve4j.spring.boot;

import io.serve4j.ServingClient;
import io.serve4j.spring.boot.internal.ClientBeanRegistrar;
import io.serve4j.spring.boot.internal.HealthContributors;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Actuator health of the auto-configured clients, under {@code serve4j} in {@code
 * /actuator/health}: per client, one check per endpoint bean (describe: IN_SERVICE is UP), or one
 * that lists the client's endpoints if it has none. Each check is bounded by {@code
 * serve4j.health.timeout} and its result reused for {@code serve4j.health.cache-ttl}. Turned off
 * with {@code management.health.serve4j.enabled=false}, per client with {@code
 * serve4j.clients.<name>.health-enabled=false}.
 */
@AutoConfiguration(after = Serve4jAutoConfiguration.class)
@ConditionalOnClass({ServingClient.class, HealthIndicator.class})
@Conditional(Serve4jHealthAutoConfiguration.OnClients.class)
public class Serve4jHealthAutoConfiguration {
  /** Created by Spring. */
  public Serve4jHealthAutoConfiguration() {}

  /**
   * The {@code serve4j} health contributor.
   *
   * @param properties the properties
   * @param beanFactory where the client beans are
   * @return the composite of the clients' checks
   */
  @Bean
  // On the method, not the class: its condition class is in spring-boot-health, which may be absent
  // (the class-level @ConditionalOnClass is checked first).
  @ConditionalOnEnabledHealthIndicator("serve4j")
  @ConditionalOnMissingBean(name = "serve4jHealthContributor")
  public CompositeHealthContributor serve4jHealthContributor(
      Serve4jProperties properties, BeanFactory beanFactory) {
    return HealthContributors.of(
        properties, name -> beanFactory.getBean(name, ServingClient.class), System::nanoTime);
  }

  /** Matches when at least one client is configured. */
  static final class OnClients extends SpringBootCondition {
    @Override
    public ConditionOutcome getMatchOutcome(
        ConditionContext context, AnnotatedTypeMetadata metadata) {
      return ClientBeanRegistrar.clients(context.getEnvironment()).isEmpty()
          ? ConditionOutcome.noMatch("no serve4j.clients configured")
          : ConditionOutcome.match("serve4j.clients configured");
    }
  }
}
