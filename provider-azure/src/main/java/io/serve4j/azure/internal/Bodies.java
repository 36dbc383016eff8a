package io.serve4j.azure.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.serve4j.BatchJobDescription;
import io.serve4j.BatchJobSpec;
import io.serve4j.BatchJobStatus;
import io.serve4j.DeploymentDescription;
import io.serve4j.DeploymentSpec;
import io.serve4j.EndpointDescription;
import io.serve4j.EndpointStatus;
import io.serve4j.Mirror;
import io.serve4j.Model;
import io.serve4j.Scaling;
import io.serve4j.azure.AzureOptions;
import io.serve4j.azure.ScoringAuthMode;
import io.serve4j.spi.formats.SignatureJson;
import java.net.URI;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Request bodies of the Azure ML REST API (shapes as in the service's own examples for api-version
 * 2025-12-01) and the mapping of its resources back to serve4j descriptions.
 */
final class Bodies {
  static final String P_MODEL = "serve4j.model";
  static final String P_VERSION = "serve4j.modelVersion";
  static final String P_SIGNATURE = "serve4j.signature";
  static final String P_TRITON = "serve4j.tritonModel";

  private Bodies() {}

  /** {@code OnlineEndpoints_CreateOrUpdate}. */
  static ObjectNode onlineEndpoint(
      String location,
      ScoringAuthMode authMode,
      Map<String, String> tags,
      Map<String, Integer> traffic,
      Mirror mirror) {
    ObjectNode root = Rest.JSON.createObjectNode();
    root.put("location", location);
    root.putObject("identity").put("type", "SystemAssigned");
    ObjectNode t = root.putObject("tags");
    tags.forEach(t::put);
    ObjectNode p = root.putObject("properties");
    p.put("authMode", authMode.armValue());
    p.put("description", "managed by serve4j");
    ObjectNode tr = p.putObject("traffic");
    traffic.forEach(tr::put);
    if (mirror != null) {
      p.putObject("mirrorTraffic").put(mirror.deployment(), mirror.percent());
    }
    return root;
  }

  /** {@code OnlineDeployments_CreateOrUpdate} of a managed online deployment. */
  static ObjectNode onlineDeployment(
      String location,
      DeploymentSpec d,
      String sku,
      Models.Registered model,
      String environmentId,
      AzureOptions options) {
    Scaling scaling = d.scaling();
    ObjectNode root = Rest.JSON.createObjectNode();
    root.put("location", location);
    ObjectNode s = root.putObject("sku");
    s.put("name", "Default");
    s.put("capacity", scaling.initialInstances());
    ObjectNode p = root.putObject("properties");
    p.put("endpointComputeType", "Managed");
    p.put("description", "serve4j deployment of " + d.model().name() + ":" + d.model().version());
    p.put("instanceType", sku);
    if (model.assetId() != null) {
      p.put("model", model.assetId());
    }
    if (environmentId != null) {
      p.put("environmentId", environmentId);
    }
    // Managed deployments scale by an Azure Monitor autoscale setting (Autoscale), the route Azure
    // ML documents for them; TargetUtilization is the spec's default for Kubernetes deployments.
    p.putObject("scaleSettings").put("scaleType", "Default");
    ObjectNode rs = p.putObject("requestSettings");
    rs.put("requestTimeout", options.requestTimeout().toString());
    rs.put("maxConcurrentRequestsPerInstance", options.maxConcurrentRequestsPerInstance());
    ObjectNode env = p.putObject("environmentVariables");
    d.model().environment().forEach(env::put);
    ObjectNode props = p.putObject("properties");
    Model m = d.model();
    props.put(P_MODEL, m.name());
    props.put(P_VERSION, m.version());
    props.put("serve4j.accelerator", d.accelerator().toString());
    if (model.triton()) {
      props.put(P_TRITON, model.tritonName());
    }
    m.signature().ifPresent(sig -> props.put(P_SIGNATURE, SignatureJson.write(sig)));
    return root;
  }

  static EndpointStatus status(String provisioningState) {
    return switch (provisioningState.toLowerCase(Locale.ROOT)) {
      case "creating" -> EndpointStatus.CREATING;
      case "updating" -> EndpointStatus.UPDATING;
      case "deleting" -> EndpointStatus.DELETING;
      case "failed", "canceled" -> EndpointStatus.FAILED;
      default -> EndpointStatus.IN_SERVICE;
    };
  }

  /** An online endpoint and its deployments as serve4j sees them. */
  static EndpointDescription describe(JsonNode endpoint, List<JsonNode> deployments) {
    JsonNode p = endpoint.path("properties");
    EndpointStatus status = status(p.path("provisioningState").asText("Succeeded"));
    EndpointDescription.Builder b =
        EndpointDescription.builder()
            .name(endpoint.path("name").asText())
            .traffic(ints(p.path("traffic")));
    boolean anyFailed = false;
    boolean anyBusy = false;
    for (JsonNode d : deployments) {
      JsonNode dp = d.path("properties");
      JsonNode props = dp.path("properties");
      EndpointStatus ds = status(dp.path("provisioningState").asText("Succeeded"));
      anyFailed |= ds == EndpointStatus.FAILED;
      anyBusy |= ds == EndpointStatus.CREATING || ds == EndpointStatus.UPDATING;
      String modelId = dp.path("model").asText("");
      String modelName = props.path(P_MODEL).asText(modelPart(modelId, "models"));
      String version = props.path(P_VERSION).asText(modelPart(modelId, "versions"));
      b.deployment(
          DeploymentDescription.builder()
              .name(d.path("name").asText())
              .modelName(modelName.isEmpty() ? "unknown" : modelName)
              .modelVersion(version.isEmpty() ? null : version)
              .status(ds)
              .instances(d.path("sku").path("capacity").asInt(1))
              .instanceType(dp.path("instanceType").asText(null))
              .signature(SignatureJson.read(props.path(P_SIGNATURE).asText(null)).orElse(null))
              .detail("model", modelId.isEmpty() ? null : modelId)
              .detail("provisioningState", dp.path("provisioningState").asText(null))
              .detail("scaleType", dp.path("scaleSettings").path("scaleType").asText(null))
              .detail(Scoring.TRITON_DETAIL, emptyToNull(props.path(P_TRITON).asText("")))
              .build());
    }
    if (status == EndpointStatus.IN_SERVICE && anyFailed) {
      status = EndpointStatus.FAILED;
    } else if (status == EndpointStatus.IN_SERVICE && anyBusy) {
      status = EndpointStatus.UPDATING;
    }
    b.status(status);
    Map<String, Integer> mirror = ints(p.path("mirrorTraffic"));
    mirror.entrySet().stream()
        .filter(e -> e.getValue() > 0)
        .findFirst()
        .ifPresent(e -> b.mirror(new Mirror(e.getKey(), e.getValue())));
    String scoring = p.path("scoringUri").asText(null);
    if (scoring != null && !scoring.isEmpty()) {
      b.url(URI.create(scoring));
    }
    b.detail("id", endpoint.path("id").asText(null))
        .detail("authMode", p.path("authMode").asText(null))
        .detail("provisioningState", p.path("provisioningState").asText(null))
        .detail("swaggerUri", p.path("swaggerUri").asText(null))
        .detail("location", endpoint.path("location").asText(null));
    return b.build();
  }

  private static String emptyToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }

  /** The name after {@code /models/} or {@code /versions/} in a model asset id. */
  private static String modelPart(String assetId, String segment) {
    String[] parts = assetId.split("/");
    for (int i = 0; i < parts.length - 1; i++) {
      if (parts[i].equalsIgnoreCase(segment)) {
        return parts[i + 1];
      }
    }
    return "";
  }

  // ---------------------------------------------------------------- batch

  /** A batch endpoint name from a job name: 3-32 lower-case letters, digits, '-'. */
  static String batchEndpointName(String jobName) {
    String s = jobName.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
    if (s.isEmpty() || !Character.isLetter(s.charAt(0))) {
      s = "b-" + s;
    }
    if (s.length() > 32) {
      s = s.substring(0, 32);
    }
    while (s.endsWith("-")) {
      s = s.substring(0, s.length() - 1);
    }
    while (s.length() < 3) {
      s = s + "x";
    }
    return s;
  }

  /** {@code BatchEndpoints_CreateOrUpdate}; batch endpoints take Entra ID tokens only. */
  static ObjectNode batchEndpoint(String location, String defaultDeployment) {
    ObjectNode root = Rest.JSON.createObjectNode();
    root.put("location", location);
    ObjectNode p = root.putObject("properties");
    p.put("authMode", "AADToken");
    p.put("description", "managed by serve4j");
    if (defaultDeployment != null) {
      p.putObject("defaults").put("deploymentName", defaultDeployment);
    }
    return root;
  }

  /** {@code BatchDeployments_CreateOrUpdate}. */
  static ObjectNode batchDeployment(
      String location,
      BatchJobSpec spec,
      Models.Registered model,
      String computeId,
      AzureOptions options) {
    ObjectNode root = Rest.JSON.createObjectNode();
    root.put("location", location);
    ObjectNode p = root.putObject("properties");
    p.put("description", "serve4j batch deployment of " + spec.model().name());
    p.put("compute", computeId);
    if (model.assetId() != null) {
      ObjectNode m = p.putObject("model");
      m.put("referenceType", "Id");
      m.put("assetId", model.assetId());
    }
    ObjectNode code = p.putObject("codeConfiguration");
    code.put("codeId", options.batchCodeId().orElseThrow());
    code.put("scoringScript", options.batchScoringScript().orElseThrow());
    p.put("environmentId", options.environment().orElseThrow());
    p.putObject("resources").put("instanceCount", spec.instances());
    p.put("maxConcurrencyPerInstance", 1);
    p.put("miniBatchSize", spec.splitType() == BatchJobSpec.SplitType.LINE ? 10 : 1);
    p.put("errorThreshold", -1);
    p.put("loggingLevel", "Info");
    p.put("outputAction", "AppendRow");
    p.put("outputFileName", "predictions.csv");
    ObjectNode retry = p.putObject("retrySettings");
    retry.put("maxRetries", 3);
    retry.put("timeout", "PT5M");
    ObjectNode env = p.putObject("environmentVariables");
    spec.model().environment().forEach(env::put);
    return root;
  }

  /** The body POSTed to a batch endpoint's scoring URI to start a job. */
  static ObjectNode batchInvocation(BatchJobSpec spec) {
    ObjectNode root = Rest.JSON.createObjectNode();
    ObjectNode p = root.putObject("properties");
    String input = spec.input().toString();
    ObjectNode in = p.putObject("InputData").putObject("input_data");
    in.put("JobInputType", input.endsWith("/") ? "UriFolder" : "UriFile");
    in.put("Uri", input);
    ObjectNode out = p.putObject("OutputData").putObject("score");
    out.put("JobOutputType", "UriFolder");
    out.put("Uri", spec.output().toString());
    return root;
  }

  static BatchJobStatus batchStatus(JsonNode job) {
    String s = job.path("properties").path("status").asText("NotStarted");
    return switch (s.toLowerCase(Locale.ROOT)) {
      case "completed" -> BatchJobStatus.SUCCEEDED;
      case "failed", "notresponding" -> BatchJobStatus.FAILED;
      case "canceled" -> BatchJobStatus.CANCELLED;
      case "running", "finalizing", "cancelrequested" -> BatchJobStatus.RUNNING;
      default -> BatchJobStatus.PENDING;
    };
  }

  static BatchJobDescription batchJob(String name, String job, URI output, JsonNode json) {
    BatchJobStatus status = batchStatus(json);
    JsonNode p = json.path("properties");
    Map<String, String> details = new LinkedHashMap<>();
    details.put("azureJobName", job);
    details.put("azureStatus", p.path("status").asText(""));
    String studio = p.path("services").path("Studio").path("endpoint").asText("");
    if (!studio.isEmpty()) {
      details.put("studioUrl", studio);
    }
    String failure = null;
    if (status == BatchJobStatus.FAILED) {
      JsonNode err = p.path("error").path("error");
      if (err.isMissingNode()) {
        err = p.path("error");
      }
      failure =
          err.isMissingNode()
              ? "job " + job + " ended " + p.path("status").asText()
              : err.path("code").asText("") + ": " + err.path("message").asText("");
    }
    URI out = output;
    if (out == null) {
      String u = p.path("outputs").path("score").path("uri").asText("");
      out = u.isEmpty() ? null : URI.create(u);
    }
    return new BatchJobDescription(name, status, out, failure, details);
  }

  static Map<String, Integer> ints(JsonNode node) {
    Map<String, Integer> m = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      m.put(e.getKey(), e.getValue().asInt());
    }
    return m;
  }

  /**
   * A resource as read (GET), made a body that puts it back as it was: without what the service
   * sets itself ({@code id}, {@code name}, {@code type}, {@code systemData}, the provisioning state
   * and the scoring URIs).
   *
   * @param resource the resource as read
   * @return the body
   */
  static ObjectNode restorable(JsonNode resource) {
    ObjectNode body = resource.deepCopy();
    body.remove(List.of("id", "name", "type", "systemData"));
    if (body.path("properties") instanceof ObjectNode p) {
      p.remove(List.of("provisioningState", "scoringUri", "swaggerUri"));
    }
    if (body.path("identity") instanceof ObjectNode identity) {
      identity.remove(List.of("principalId", "tenantId"));
      if (identity.path("userAssignedIdentities") instanceof ObjectNode users) {
        users.fieldNames().forEachRemaining(k -> users.putObject(k));
      }
    }
    return body;
  }

  /**
   * {@code OnlineEndpoints_CreateOrUpdate} that changes only the traffic and mirror share of an
   * endpoint as read: everything else it holds (identity, publicNetworkAccess, description,
   * properties, tags, kind, sku, and what serve4j does not know) is sent back unchanged.
   *
   * @param current the endpoint as read (GET)
   * @param traffic the new traffic
   * @param mirror the new mirror share, or null for none
   * @return the body
   */
  static ObjectNode withTraffic(JsonNode current, Map<String, Integer> traffic, Mirror mirror) {
    ObjectNode body = restorable(current);
    ObjectNode p =
        body.path("properties") instanceof ObjectNode props ? props : body.putObject("properties");
    ObjectNode tr = p.putObject("traffic");
    traffic.forEach(tr::put);
    if (mirror != null) {
      p.putObject("mirrorTraffic").put(mirror.deployment(), mirror.percent());
    } else {
      p.remove("mirrorTraffic");
    }
    return body;
  }
}
