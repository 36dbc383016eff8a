package io.serve4j.gcp.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.serve4j.DeploymentSpec;
import io.serve4j.EndpointSpec;
import io.serve4j.ModelSignature;
import io.serve4j.spi.formats.SignatureJson;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What serve4j remembers about an endpoint on Vertex AI, kept as JSON in the endpoint's {@code
 * description} so that any client can read it back with one GetEndpoint: the protocol the serving
 * containers speak and, per deployment (the deployed model's display name), the serve4j model name,
 * version, signature and the settings that decide whether an update redeploys.
 *
 * @param protocol {@link #OIP} (Triton, rawPredict) or {@link #PREDICT} (instances / predictions)
 * @param deployments deployment name to its entry
 */
public record Manifest(String protocol, Map<String, Entry> deployments) {
  /** Open Inference Protocol v2 JSON through rawPredict (Triton). */
  public static final String OIP = "oip";

  /** Vertex AI's {@code instances} / {@code predictions} through predict (prebuilt containers). */
  public static final String PREDICT = "predict";

  /** The key that marks a description as a serve4j manifest. */
  static final String MARKER = "serve4j";

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Copies. */
  public Manifest {
    deployments = Map.copyOf(deployments);
  }

  /**
   * One deployment's facts.
   *
   * @param model serve4j model name
   * @param version model version
   * @param signature the declared signature, or null
   * @param fingerprint model, accelerator and batching: a change means redeploying
   */
  public record Entry(String model, String version, ModelSignature signature, String fingerprint) {}

  /**
   * Builds the manifest of a spec.
   *
   * @param spec the endpoint spec
   * @param protocol the protocol
   * @return the manifest
   */
  public static Manifest of(EndpointSpec spec, String protocol) {
    Map<String, Entry> m = new LinkedHashMap<>();
    for (DeploymentSpec d : spec.deployments()) {
      m.put(
          d.name(),
          new Entry(
              d.model().name(),
              d.model().version(),
              d.model().signature().orElse(null),
              fingerprint(d)));
    }
    return new Manifest(protocol, m);
  }

  /**
   * Returns what decides whether a changed deployment must be redeployed rather than mutated.
   *
   * @param d the deployment
   * @return a display string
   */
  public static String fingerprint(DeploymentSpec d) {
    return d.model()
        + "|"
        + d.model().sha256().orElse("")
        + "|"
        + d.accelerator()
        + "|"
        + d.batching().map(Object::toString).orElse("");
  }

  /**
   * Writes the manifest as JSON.
   *
   * @return the JSON text
   */
  public String toJson() {
    ObjectNode root = JSON.createObjectNode();
    root.put(MARKER, 1);
    root.put("protocol", protocol);
    ObjectNode deps = root.putObject("deployments");
    deployments.forEach(
        (name, e) -> {
          ObjectNode n = deps.putObject(name);
          n.put("model", e.model());
          n.put("version", e.version());
          n.put("fingerprint", e.fingerprint());
          if (e.signature() != null) {
            n.set("signature", SignatureJson.toNode(e.signature()));
          }
        });
    return root.toString();
  }

  /**
   * Reads a manifest from an endpoint description.
   *
   * @param description the endpoint's description
   * @return the manifest, empty if the endpoint was not made by serve4j
   */
  public static Optional<Manifest> parse(String description) {
    if (description == null || !description.startsWith("{")) {
      return Optional.empty();
    }
    try {
      JsonNode root = JSON.readTree(description);
      if (!root.has(MARKER)) {
        return Optional.empty();
      }
      Map<String, Entry> m = new LinkedHashMap<>();
      root.path("deployments")
          .properties()
          .forEach(
              f -> {
                JsonNode n = f.getValue();
                ModelSignature sig = SignatureJson.read(n.get("signature")).orElse(null);
                m.put(
                    f.getKey(),
                    new Entry(
                        n.path("model").asText(),
                        n.path("version").asText(),
                        sig,
                        n.path("fingerprint").asText()));
              });
      return Optional.of(new Manifest(root.path("protocol").asText(OIP), m));
    } catch (Exception e) {
      return Optional.empty();
    }
  }
}
