package io.serve4j.spring.boot.internal;

import io.serve4j.EndpointDescription;
import io.serve4j.EndpointStatus;
import io.serve4j.ServingClient;
import io.serve4j.spring.boot.Serve4jProperties;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthContributor;

/**
 * Builds the {@code serve4j} health contributor: one child per client; a client with endpoint beans
 * has one child per endpoint (describe), a client without has one check that lists its endpoints
 * (credentials and reachability).
 */
public final class HealthContributors {
  private HealthContributors() {}

  /**
   * Builds the composite.
   *
   * @param properties the bound properties
   * @param clients client name to its bean
   * @param nanoTime the clock
   * @return the composite
   */
  public static CompositeHealthContributor of(
      Serve4jProperties properties,
      Function<String, ServingClient> clients,
      LongSupplier nanoTime) {
    Serve4jProperties.Health h = properties.getHealth();
    Duration timeout = ClientFactory.positive("serve4j.health.timeout", h.getTimeout());
    Duration ttl = ClientFactory.notNegative("serve4j.health.cache-ttl", h.getCacheTtl());
    Map<String, HealthContributor> byClient = new LinkedHashMap<>();
    properties
        .getClients()
        .forEach(
            (name, c) -> {
              if (!c.isHealthEnabled()) {
                return;
              }
              if (name.contains("/")) {
                throw new InvalidConfigurationPropertyValueException(
                    "serve4j.clients", name, "a client name must not contain '/'");
              }
              ServingClient client = clients.apply(name);
              List<String> endpoints =
                  c.getEndpoints().values().stream().distinct().sorted().toList();
              if (endpoints.isEmpty()) {
                byClient.put(name, listCheck(name, client, timeout, ttl, nanoTime));
              } else {
                Map<String, HealthContributor> byEndpoint = new LinkedHashMap<>();
                for (String e : endpoints) {
                  byEndpoint.put(e, describeCheck(name, client, e, timeout, ttl, nanoTime));
                }
                byClient.put(name, CompositeHealthContributor.fromMap(byEndpoint));
              }
            });
    return CompositeHealthContributor.fromMap(byClient);
  }

  static CachedHealthCheck<List<EndpointDescription>> listCheck(
      String clientName,
      ServingClient client,
      Duration timeout,
      Duration ttl,
      LongSupplier nanoTime) {
    Map<String, Object> id = new LinkedHashMap<>();
    id.put("client", clientName);
    id.put("provider", client.providerId());
    return new CachedHealthCheck<>(
        id,
        client::listEndpointsAsync,
        list -> Health.up().withDetail("endpoints", list.size()).build(),
        timeout,
        ttl,
        nanoTime);
  }

  static CachedHealthCheck<EndpointDescription> describeCheck(
      String clientName,
      ServingClient client,
      String endpoint,
      Duration timeout,
      Duration ttl,
      LongSupplier nanoTime) {
    Map<String, Object> id = new LinkedHashMap<>();
    id.put("client", clientName);
    id.put("provider", client.providerId());
    id.put("endpoint", endpoint);
    return new CachedHealthCheck<>(
        id,
        () -> client.endpoint(endpoint).describeAsync(),
        HealthContributors::health,
        timeout,
        ttl,
        nanoTime);
  }

  /**
   * Maps a description: IN_SERVICE and UPDATING (still serving) are UP, CREATING and DELETING
   * OUT_OF_SERVICE, FAILED DOWN with the provider's failure reason.
   *
   * @param d the description
   * @return the health
   */
  static Health health(EndpointDescription d) {
    Health.Builder b =
        switch (d.status()) {
          case IN_SERVICE, UPDATING -> Health.up();
          case CREATING, DELETING -> Health.outOfService();
          case FAILED -> Health.down();
        };
    b.withDetail("status", d.status().name());
    Map<String, String> deployments = new LinkedHashMap<>();
    d.deployments().forEach(x -> deployments.put(x.name(), x.status().name()));
    if (!deployments.isEmpty()) {
      b.withDetail("deployments", deployments);
    }
    if (d.status() == EndpointStatus.FAILED) {
      d.failureReason().ifPresent(r -> b.withDetail("failureReason", r));
    }
    return b.build();
  }
}
