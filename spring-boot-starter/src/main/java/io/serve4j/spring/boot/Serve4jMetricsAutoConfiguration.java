package io.serve4j.spring.boot;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import io.serve4j.micrometer.MicrometerServingListener;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;

/**
 * Records every auto-configured client's calls in the application's {@link MeterRegistry} (and, if
 * there is one, its {@link ObservationRegistry}) through serve4j-micrometer's {@link
 * MicrometerServingListener}: only when {@code serve4j-micrometer} is on the class path and Boot
 * made a meter registry (Actuator). The listener is a {@link io.serve4j.ServingListener} bean, so
 * {@link Serve4jAutoConfiguration} adds it to every client like any other listener bean; define
 * your own {@code MicrometerServingListener} bean to change its options. Off with {@code
 * serve4j.metrics.enabled=false}; meters without observations with {@code
 * serve4j.metrics.observations=false}.
 */
@AutoConfiguration(
    before = Serve4jAutoConfiguration.class,
    afterName = {
      "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
      "org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration",
      "org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration"
    })
@ConditionalOnClass({MicrometerServingListener.class, MeterRegistry.class})
@ConditionalOnBean(MeterRegistry.class)
@ConditionalOnProperty(
    prefix = "serve4j.metrics",
    name = "enabled",
    havingValue = "true",
    matchIfMissing = true)
public class Serve4jMetricsAutoConfiguration {
  /** Created by Spring. */
  public Serve4jMetricsAutoConfiguration() {}

  /**
   * The listener every client reports to.
   *
   * @param meters the application's meter registry
   * @param observations the application's observation registry, if any
   * @param properties the properties
   * @return the listener
   */
  @Bean
  @ConditionalOnMissingBean
  public MicrometerServingListener serve4jMicrometerListener(
      MeterRegistry meters,
      ObjectProvider<ObservationRegistry> observations,
      Serve4jProperties properties) {
    MicrometerServingListener.Builder b = MicrometerServingListener.builder(meters);
    if (properties.getMetrics().isObservations()) {
      observations.ifAvailable(b::observationRegistry);
    }
    return b.build();
  }
}
