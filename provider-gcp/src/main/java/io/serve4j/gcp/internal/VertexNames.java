package io.serve4j.gcp.internal;

import io.serve4j.BatchingPolicy;
import io.serve4j.ErrorCategory;
import io.serve4j.Model;
import io.serve4j.ServingException;
import io.serve4j.gcp.GcpOptions;
import io.serve4j.gcp.GcpProvider;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * How serve4j names map to Vertex AI resource names, ids, version aliases and labels.
 *
 * <p>A serve4j endpoint {@code fraud} is the Vertex endpoint with id {@code fraud} (lower-cased;
 * {@code e-} in front of a leading digit) and display name {@code fraud}; each serve4j deployment
 * is a deployed model whose display name is the deployment name.
 */
final class VertexNames {
  /** The label every resource serve4j creates carries. */
  static final String MANAGED_LABEL = "serve4j-managed";

  private final String parent;

  VertexNames(GcpOptions options) {
    this.parent = "projects/" + options.project() + "/locations/" + options.location();
  }

  /** Returns {@code projects/P/locations/L}. */
  String parent() {
    return parent;
  }

  /** Returns the Vertex resource name of a serve4j endpoint. */
  String endpointName(String endpoint) {
    return parent + "/endpoints/" + endpointId(endpoint);
  }

  /** Returns the Vertex resource name of a model id (no version). */
  String modelName(String modelId) {
    return parent + "/models/" + modelId;
  }

  /**
   * The Vertex endpoint id of a serve4j endpoint name: lower-cased, with {@code e-} in front of a
   * leading digit (Vertex reads a leading digit as a numeric id).
   *
   * @param name the serve4j name
   * @return the id
   */
  static String endpointId(String name) {
    String id = name.toLowerCase(Locale.ROOT);
    if (Character.isDigit(id.charAt(0))) {
      id = "e-" + id;
    }
    if (id.endsWith("-") || id.length() > 63) {
      throw invalid(
          "endpoint name '"
              + name
              + "' cannot be a Vertex AI endpoint id: it must end with a letter or digit and be at"
              + " most 63 characters");
    }
    return id;
  }

  /**
   * The Vertex model id of a serve4j model name: lower-case letters, digits, '_' and '-', starting
   * with a letter.
   *
   * @param name the model name
   * @return the id
   */
  static String modelId(String name) {
    String id = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_-]", "-");
    return Character.isLetter(id.charAt(0)) ? id : "m-" + id;
  }

  /**
   * The version alias of a model version (plus its batching, which is baked into Triton's config).
   *
   * @param model the model
   * @param batching the deployment's batching, or null
   * @return e.g. {@code v1} or {@code v2-b1a2b3c4}
   */
  static String versionAlias(Model model, BatchingPolicy batching) {
    String v = "v" + model.version().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
    if (batching != null) {
      v += "-b" + Integer.toHexString(batching.hashCode());
    }
    while (v.endsWith("-")) {
      v = v.substring(0, v.length() - 1);
    }
    return v;
  }

  static Map<String, String> labels(Map<String, String> tags) {
    Map<String, String> out = new LinkedHashMap<>();
    tags.forEach((k, v) -> out.put(label(k), label(v)));
    return out;
  }

  static String label(String s) {
    String l = s.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_-]", "_");
    return l.length() > 63 ? l.substring(0, 63) : l;
  }

  static String lastSegment(String resource) {
    return resource.substring(resource.lastIndexOf('/') + 1);
  }

  static ServingException invalid(String message) {
    return ServingException.builder(ErrorCategory.INVALID_INPUT)
        .providerId(GcpProvider.ID)
        .message(message)
        .build();
  }
}
