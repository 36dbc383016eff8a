package io.serve4j.kserve.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.serve4j.DeploymentDescription;
import io.serve4j.EndpointDescription;
import io.serve4j.EndpointStatus;
import io.serve4j.spi.formats.SignatureJson;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads an InferenceService into an {@link EndpointDescription}: the status from {@code
 * status.conditions} (type {@code Ready}) checked against {@code status.observedGeneration},
 * failures from {@code status.modelStatus} and failed conditions, the URL from {@code status.url},
 * the split from {@code status.components.predictor.traffic} (the latest revision is the canary),
 * the deployments from serve4j's annotation.
 */
public final class Descriptions {
  /** Condition reasons after which KServe / Knative stop trying: the rollout failed. */
  static final Set<String> TERMINAL_REASONS =
      Set.of(
          "RevisionFailed",
          "ContainerMissing",
          "ProgressDeadlineExceeded",
          "ModelLoadFailed",
          "InvalidPredictorSpec",
          "NoSupportingRuntime",
          "RuntimeNotRecognized",
          "InvalidSpec");

  private static final ObjectMapper JSON = new ObjectMapper();

  private Descriptions() {}

  /** The state of one InferenceService as serve4j reads it. */
  record State(EndpointStatus status, String failureReason, String failureMessage) {}

  /**
   * Reads the state.
   *
   * @param r the resource
   * @return the state
   */
  static State state(GenericKubernetesResource r) {
    JsonNode root = JSON.valueToTree(r);
    if (r.getMetadata().getDeletionTimestamp() != null) {
      return new State(EndpointStatus.DELETING, null, null);
    }
    JsonNode status = root.path("status");
    JsonNode model = status.path("modelStatus");
    String transition = model.path("transitionStatus").asText("");
    String target = model.path("states").path("targetModelState").asText("");
    if (transition.equals("BlockedByFailedLoad")
        || transition.equals("InvalidSpec")
        || target.equals("FailedToLoad")) {
      JsonNode info = model.path("lastFailureInfo");
      return new State(
          EndpointStatus.FAILED,
          info.path("reason").asText(transition.isEmpty() ? target : transition),
          info.path("message").asText(""));
    }
    boolean ready = false;
    for (JsonNode c : status.path("conditions")) {
      String type = c.path("type").asText();
      String st = c.path("status").asText();
      String reason = c.path("reason").asText("");
      if ("False".equals(st) && TERMINAL_REASONS.contains(reason)) {
        return new State(EndpointStatus.FAILED, type + ": " + reason, c.path("message").asText(""));
      }
      if ("Ready".equals(type) && "True".equals(st)) {
        ready = true;
      }
    }
    Long generation = r.getMetadata().getGeneration();
    long observed = status.path("observedGeneration").asLong(-1);
    boolean current = generation == null || observed >= generation;
    if (ready && current) {
      return new State(EndpointStatus.IN_SERVICE, null, null);
    }
    boolean everServed = !status.path("url").asText("").isEmpty();
    return new State(everServed ? EndpointStatus.UPDATING : EndpointStatus.CREATING, null, null);
  }

  /** One deployment as recorded in serve4j's annotation. */
  record Recorded(String name, String model, String version, String role, JsonNode signature) {}

  /**
   * Reads serve4j's deployments annotation; an InferenceService serve4j did not create has one
   * deployment, {@code predictor}, serving a model named like the service.
   *
   * @param r the resource
   * @return the deployments, stable first
   */
  static List<Recorded> recorded(GenericKubernetesResource r) {
    Map<String, String> ann = r.getMetadata().getAnnotations();
    String json = ann == null ? null : ann.get(Manifests.DEPLOYMENTS);
    List<Recorded> out = new ArrayList<>();
    if (json != null) {
      try {
        for (JsonNode d : JSON.readTree(json)) {
          out.add(
              new Recorded(
                  d.path("name").asText(),
                  d.path("model").asText(),
                  d.path("version").asText(null),
                  d.path("role").asText(Manifests.STABLE),
                  d.get("signature")));
        }
      } catch (IOException e) {
        out.clear(); // someone edited the annotation: fall back to what KServe says
      }
    }
    if (out.isEmpty()) {
      out.add(new Recorded("predictor", r.getMetadata().getName(), null, Manifests.STABLE, null));
    }
    return out;
  }

  /**
   * Describes an InferenceService.
   *
   * @param r the resource
   * @return the description
   */
  public static EndpointDescription describe(GenericKubernetesResource r) {
    JsonNode root = JSON.valueToTree(r);
    State state = state(r);
    List<Recorded> deps = recorded(r);
    JsonNode predictor = root.path("spec").path("predictor");
    EndpointDescription.Builder b =
        EndpointDescription.builder().name(r.getMetadata().getName()).status(state.status());
    int replicas = predictor.path("minReplicas").asInt(1);
    for (Recorded d : deps) {
      DeploymentDescription.Builder db =
          DeploymentDescription.builder()
              .name(d.name())
              .modelName(d.model())
              .status(state.status())
              .instances(replicas)
              .detail("role", d.role());
      if (d.version() != null) {
        db.modelVersion(d.version());
      }
      if (d.signature() != null) {
        SignatureJson.read(d.signature()).ifPresent(db::signature);
      }
      b.deployment(db.build());
    }
    b.traffic(traffic(root, deps));
    String url = root.path("status").path("url").asText("");
    if (!url.isEmpty()) {
      b.url(URI.create(url));
    }
    if (state.failureReason() != null) {
      b.failureReason(
          state.failureReason()
              + (state.failureMessage() == null || state.failureMessage().isEmpty()
                  ? ""
                  : ": " + state.failureMessage()));
    }
    b.detail("namespace", String.valueOf(r.getMetadata().getNamespace()));
    JsonNode comp = root.path("status").path("components").path("predictor");
    if (comp.has("latestReadyRevision")) {
      b.detail("latestReadyRevision", comp.path("latestReadyRevision").asText());
    }
    return b.build();
  }

  private static Map<String, Integer> traffic(JsonNode root, List<Recorded> deps) {
    Map<String, Integer> split = new LinkedHashMap<>();
    if (deps.size() == 1) {
      split.put(deps.get(0).name(), 100);
      return split;
    }
    // the latest revision serves the deployment now in spec.predictor; the previous one the other
    String current =
        root.path("spec")
            .path("predictor")
            .path("annotations")
            .path(Manifests.DEPLOYMENT)
            .asText(deps.get(1).name());
    String stable = deps.get(0).name().equals(current) ? deps.get(1).name() : deps.get(0).name();
    String canary = current;
    JsonNode traffic = root.path("status").path("components").path("predictor").path("traffic");
    if (traffic.isArray() && traffic.size() > 0) {
      int toCanary = 0;
      int toStable = 0;
      for (JsonNode t : traffic) {
        int pct = t.path("percent").asInt(0);
        if (t.path("latestRevision").asBoolean(false)) {
          toCanary += pct;
        } else {
          toStable += pct;
        }
      }
      split.put(deps.get(0).name(), deps.get(0).name().equals(canary) ? toCanary : toStable);
      split.put(deps.get(1).name(), deps.get(1).name().equals(canary) ? toCanary : toStable);
      return split;
    }
    JsonNode pct = root.path("spec").path("predictor").path("canaryTrafficPercent");
    int toCanary = pct.isNumber() ? pct.asInt() : 100;
    split.put(stable, 100 - toCanary);
    split.put(canary, toCanary);
    split.put(deps.get(0).name(), split.remove(deps.get(0).name())); // stable first
    return split;
  }
}
