package io.serve4j.azure.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Azure ML's own REST examples (api-version 2025-12-01) from {@code
 * src/test/resources/azureml/2025-12-01}, see PROVENANCE.md there: response bodies to serve, and
 * the request bodies that serve4j's must conform to.
 */
final class Examples {
  static final ObjectMapper JSON = new ObjectMapper();

  /** Fields whose children are user-chosen keys (the examples write them as "string"). */
  private static final Set<String> DICTIONARIES =
      Set.of(
          "tags",
          "properties.traffic",
          "properties.mirrorTraffic",
          "properties.properties",
          "properties.environmentVariables",
          "properties.resources.properties",
          "identity.userAssignedIdentities");

  private Examples() {}

  static JsonNode load(String relative) {
    String resource = "azureml/2025-12-01/" + relative;
    try (InputStream in = Examples.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalArgumentException("no example " + resource);
      }
      return JSON.readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A copy of the example's response body for a status. */
  static ObjectNode response(String relative, int status) {
    return (ObjectNode)
        load(relative).path("responses").path(String.valueOf(status)).path("body").deepCopy();
  }

  /** The example's request body. */
  static JsonNode request(String relative) {
    return load(relative).path("parameters").path("body");
  }

  /** The example's path and query parameters. */
  static JsonNode parameters(String relative) {
    return load(relative).path("parameters");
  }

  /** Every field path of a body, user-chosen dictionary keys written as '*'. */
  static Set<String> paths(JsonNode body) {
    Set<String> out = new TreeSet<>();
    collect(body, "", out);
    return out;
  }

  private static void collect(JsonNode node, String prefix, Set<String> out) {
    if (!node.isObject()) {
      return;
    }
    boolean dictionary = DICTIONARIES.contains(prefix);
    if (dictionary) {
      out.add(prefix + ".*"); // user-chosen keys, even where the example has none
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String key = dictionary ? "*" : e.getKey();
      String path = prefix.isEmpty() ? key : prefix + "." + key;
      out.add(path);
      if (!dictionary) {
        collect(e.getValue(), path, out);
      }
    }
  }
}
