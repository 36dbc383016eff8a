package io.serve4j.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The IDE completion metadata the build generates from {@link Serve4jProperties} (with the
 * configuration processor) and merges with the hand-written additions.
 */
class ConfigurationMetadataTest {
  private static Map<String, JsonNode> properties() throws Exception {
    try (InputStream in =
        ConfigurationMetadataTest.class
            .getClassLoader()
            .getResourceAsStream("META-INF/spring-configuration-metadata.json")) {
      assertThat(in).as("META-INF/spring-configuration-metadata.json").isNotNull();
      Map<String, JsonNode> byName = new HashMap<>();
      new ObjectMapper()
          .readTree(in)
          .path("properties")
          .forEach(p -> byName.put(p.path("name").asText(), p));
      return byName;
    }
  }

  @Test
  void clients_areAMapOfTheClientSettings_soIdesCompleteTheirKeys() throws Exception {
    JsonNode clients = properties().get("serve4j.clients");
    assertThat(clients).isNotNull();
    assertThat(clients.path("type").asText())
        .isEqualTo(
            "java.util.Map<java.lang.String,io.serve4j.spring.boot.Serve4jProperties$Client>");
    assertThat(clients.path("description").asText()).contains("ServingClient bean");
  }

  @Test
  void healthAndMetrics_haveTypesDefaultsAndDescriptions() throws Exception {
    Map<String, JsonNode> p = properties();
    assertThat(p.get("serve4j.health.timeout").path("defaultValue").asText()).isEqualTo("5s");
    assertThat(p.get("serve4j.health.cache-ttl").path("defaultValue").asText()).isEqualTo("30s");
    assertThat(p.get("serve4j.metrics.enabled").path("defaultValue").asBoolean()).isTrue();
    assertThat(p.get("serve4j.metrics.observations").path("description").asText())
        .contains("Observation");
    assertThat(p.get("management.health.serve4j.enabled").path("type").asText())
        .isEqualTo("java.lang.Boolean");
  }
}
