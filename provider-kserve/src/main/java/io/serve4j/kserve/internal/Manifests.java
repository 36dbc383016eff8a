package io.serve4j.kserve.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.serve4j.Accelerator;
import io.serve4j.ContainerSpec;
import io.serve4j.DeploymentSpec;
import io.serve4j.DeviceKind;
import io.serve4j.DeviceType;
import io.serve4j.EndpointSpec;
import io.serve4j.ErrorCategory;
import io.serve4j.Model;
import io.serve4j.ModelFormat;
import io.serve4j.Scaling;
import io.serve4j.ServingException;
import io.serve4j.kserve.KServeOptions;
import io.serve4j.kserve.KserveProvider;
import io.serve4j.spi.formats.SignatureJson;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What serve4j writes into an InferenceService ({@code serving.kserve.io/v1beta1}): the predictor
 * of a deployment, and serve4j's bookkeeping in labels and annotations. The field names are
 * KServe's v1beta1 API (https://kserve.github.io/website/docs/reference/crd-api): {@code
 * spec.predictor.model.{modelFormat.name, protocolVersion, runtime, storageUri, resources}}, {@code
 * spec.predictor.containers[0]}, {@code spec.predictor.{minReplicas, maxReplicas, scaleTarget,
 * scaleMetric, canaryTrafficPercent, nodeSelector}}.
 *
 * <p>The mapping:
 *
 * <pre>
 * Model ONNX, no image       predictor.model: modelFormat onnx, protocolVersion v2,
 *                            runtime (KServeOptions.tritonRuntime), storageUri = artifact
 * Model with image           predictor.containers[0]: image, env, ports[0].containerPort
 *                            (ContainerSpec.port, default 8080), command, args, liveness /
 *                            readiness httpGet probes from health / readiness routes;
 *                            STORAGE_URI env = artifact if any
 * Model.environment          env of the model / container
 * Accelerator                resources.requests = limits: cpu, memory (GiB), nvidia.com/gpu
 * GPU type                   nodeSelector {gpuProductLabel: product} when that label is set
 * Scaling.fixed(n)           minReplicas = maxReplicas = n
 * Scaling.autoscale          minReplicas, maxReplicas, scaleMetric + scaleTarget:
 *                              CPU_UTILIZATION -> cpu, target percent
 *                              INVOCATIONS_PER_INSTANCE (per minute) -> rps, ceil(target / 60)
 *                              GPU_UTILIZATION -> refused (KServe has no such metric)
 * two deployments            the first is rolled out, then the second with
 *                            canaryTrafficPercent = its share
 * protocol GRPC              the predictor's port is named h2c (Knative's name for HTTP/2
 *                            cleartext, which routes gRPC to it): Triton's gRPC port 9000 for
 *                            ONNX, ports[0] of an image
 * </pre>
 */
public final class Manifests {
  /** The InferenceService API group. */
  public static final String GROUP = "serving.kserve.io";

  /** The InferenceService API version. */
  public static final String API_VERSION = GROUP + "/v1beta1";

  /** The kind. */
  public static final String KIND = "InferenceService";

  /** The label every InferenceService serve4j creates carries. */
  public static final String MANAGED_BY = "app.kubernetes.io/managed-by";

  /** Its value. */
  public static final String SERVE4J = "serve4j";

  /** Annotation: the deployments, JSON array of {name, model, version, role, signature}. */
  public static final String DEPLOYMENTS = "serve4j.io/deployments";

  /**
   * Predictor annotation naming the serve4j deployment a revision serves; it also makes two
   * deployments of the same model two revisions, as a canary needs.
   */
  public static final String DEPLOYMENT = "serve4j.io/deployment";

  /** Annotation: the request id of the operation that created the service (to undo only that). */
  public static final String OPERATION = "serve4j.io/created-by-operation";

  /** Annotation: the endpoint's tags, a JSON object. */
  public static final String TAGS = "serve4j.io/tags";

  /** The gRPC port of KServe's Triton runtime ({@code --grpc-port=9000}). */
  static final int TRITON_GRPC_PORT = 9000;

  /** The resource name of NVIDIA GPUs (the NVIDIA device plugin's). */
  public static final String NVIDIA_GPU = "nvidia.com/gpu";

  static final String STABLE = "stable";
  static final String CANARY = "canary";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern DNS_LABEL = Pattern.compile("[a-z]([-a-z0-9]{0,43}[a-z0-9])?");

  /**
   * GPU product names as NVIDIA GPU Feature Discovery labels nodes ({@code
   * nvidia.com/gpu.product}).
   */
  static final Map<String, String> GPU_PRODUCTS =
      Map.of(
          DeviceType.NVIDIA_T4.id(), "Tesla-T4",
          DeviceType.NVIDIA_A10G.id(), "NVIDIA-A10G",
          DeviceType.NVIDIA_L4.id(), "NVIDIA-L4",
          DeviceType.NVIDIA_A100_40GB.id(), "NVIDIA-A100-SXM4-40GB",
          DeviceType.NVIDIA_A100_80GB.id(), "NVIDIA-A100-SXM4-80GB",
          DeviceType.NVIDIA_H100_80GB.id(), "NVIDIA-H100-80GB-HBM3");

  private static final Set<String> STORAGE_SCHEMES =
      Set.of("s3", "gs", "pvc", "https", "http", "hdfs", "webhdfs", "oci", "hf");

  private final KServeOptions options;

  /**
   * Creates the writer.
   *
   * @param options the provider's options
   */
  public Manifests(KServeOptions options) {
    this.options = options;
  }

  /**
   * Refuses, before any call, what KServe cannot express: more than two deployments, an invalid
   * name, an artifact KServe's storage initializer cannot read, a metric KServe has no name for,
   * two deployments serving different model names behind one URL.
   *
   * @param spec the endpoint spec
   */
  public void check(EndpointSpec spec) {
    if (!DNS_LABEL.matcher(spec.name()).matches()) {
      throw invalid(
          "endpoint name '"
              + spec.name()
              + "' must be a DNS label (lower-case letters, digits and '-', starting with a"
              + " letter, at most 45 characters) to name an InferenceService");
    }
    List<DeploymentSpec> ds = spec.deployments();
    if (ds.size() > 2) {
      throw ServingException.builder(ErrorCategory.UNSUPPORTED_CAPABILITY)
          .providerId(KserveProvider.ID)
          .message(
              "an InferenceService serves at most two revisions (a rolled-out one and a canary"
                  + " with canaryTrafficPercent); endpoint '"
                  + spec.name()
                  + "' has "
                  + ds.size()
                  + " deployments")
          .build();
    }
    if (ds.size() == 2 && !ds.get(0).model().name().equals(ds.get(1).model().name())) {
      throw invalid(
          "KServe routes one URL to both revisions, so both deployments must serve the same model"
              + " name; got '"
              + ds.get(0).model().name()
              + "' and '"
              + ds.get(1).model().name()
              + "'");
    }
    for (DeploymentSpec d : ds) {
      predictor(d); // throws on what cannot be mapped
    }
  }

  /**
   * Builds the whole InferenceService for a first rollout of {@code stable}.
   *
   * @param spec the endpoint spec
   * @param namespace the namespace
   * @return the resource
   */
  public GenericKubernetesResource create(EndpointSpec spec, String namespace) {
    GenericKubernetesResource r = new GenericKubernetesResource();
    r.setApiVersion(API_VERSION);
    r.setKind(KIND);
    ObjectMeta meta = new ObjectMeta();
    meta.setName(spec.name());
    meta.setNamespace(namespace);
    r.setMetadata(meta);
    Map<String, Object> specMap = new LinkedHashMap<>();
    r.setAdditionalProperty("spec", specMap);
    annotate(r, spec);
    setPredictor(r, spec.deployments().get(0), null);
    return r;
  }

  /**
   * Writes serve4j's labels and annotations onto an existing resource, keeping the others.
   *
   * @param r the resource
   * @param spec the spec
   */
  public void annotate(GenericKubernetesResource r, EndpointSpec spec) {
    ObjectMeta meta = r.getMetadata();
    Map<String, String> labels =
        meta.getLabels() == null ? new LinkedHashMap<>() : new LinkedHashMap<>(meta.getLabels());
    labels.put(MANAGED_BY, SERVE4J);
    meta.setLabels(labels);
    Map<String, String> ann =
        meta.getAnnotations() == null
            ? new LinkedHashMap<>()
            : new LinkedHashMap<>(meta.getAnnotations());
    List<Map<String, Object>> deps = new ArrayList<>();
    List<DeploymentSpec> ds = spec.deployments();
    for (int i = 0; i < ds.size(); i++) {
      DeploymentSpec d = ds.get(i);
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", d.name());
      m.put("model", d.model().name());
      m.put("version", d.model().version());
      m.put("role", i == 0 ? STABLE : CANARY);
      d.model().signature().ifPresent(s -> m.put("signature", SignatureJson.toNode(s)));
      deps.add(m);
    }
    try {
      ann.put(DEPLOYMENTS, JSON.writeValueAsString(deps));
      if (!spec.tags().isEmpty()) {
        ann.put(TAGS, JSON.writeValueAsString(spec.tags()));
      } else {
        ann.remove(TAGS);
      }
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    meta.setAnnotations(ann);
  }

  /**
   * Sets {@code spec.predictor} to a deployment's, keeping every predictor field serve4j does not
   * own (service account, tolerations, logger, batcher...), and the canary share.
   *
   * @param r the resource
   * @param d the deployment
   * @param canaryPercent the canary share, or null to remove it
   */
  @SuppressWarnings("unchecked")
  public void setPredictor(GenericKubernetesResource r, DeploymentSpec d, Integer canaryPercent) {
    Map<String, Object> spec = (Map<String, Object>) r.getAdditionalProperties().get("spec");
    if (spec == null) {
      spec = new LinkedHashMap<>();
      r.setAdditionalProperty("spec", spec);
    }
    Object old = spec.get("predictor");
    Map<String, Object> predictor =
        old instanceof Map<?, ?> m
            ? new LinkedHashMap<>((Map<String, Object>) m)
            : new LinkedHashMap<>();
    // the fields serve4j owns: replaced; all others kept
    for (String owned :
        List.of(
            "model",
            "containers",
            "minReplicas",
            "maxReplicas",
            "scaleTarget",
            "scaleMetric",
            "canaryTrafficPercent")) {
      predictor.remove(owned);
    }
    Map<String, Object> mine = predictor(d);
    predictor.putAll(mine);
    if (!mine.containsKey("nodeSelector") && options.gpuProductLabel().isPresent()) {
      Object sel = predictor.get("nodeSelector");
      if (sel instanceof Map<?, ?> s) {
        Map<String, Object> copy = new LinkedHashMap<>((Map<String, Object>) s);
        copy.remove(options.gpuProductLabel().get());
        if (copy.isEmpty()) {
          predictor.remove("nodeSelector");
        } else {
          predictor.put("nodeSelector", copy);
        }
      }
    }
    Map<String, Object> podAnnotations =
        predictor.get("annotations") instanceof Map<?, ?> a
            ? new LinkedHashMap<>((Map<String, Object>) a)
            : new LinkedHashMap<>();
    podAnnotations.put(DEPLOYMENT, d.name());
    predictor.put("annotations", podAnnotations);
    if (canaryPercent != null) {
      predictor.put("canaryTrafficPercent", canaryPercent);
    }
    spec.put("predictor", predictor);
  }

  /**
   * The predictor fields of one deployment.
   *
   * @param d the deployment
   * @return the fields serve4j owns
   */
  public Map<String, Object> predictor(DeploymentSpec d) {
    Model model = d.model();
    Map<String, Object> p = new LinkedHashMap<>();
    Map<String, Object> resources = resources(d.accelerator());
    if (model.image().isPresent()) {
      p.put("containers", List.of(container(model, resources, grpc())));
    } else {
      if (model.format() != ModelFormat.ONNX) {
        throw unsupported(
            "model '"
                + model.name()
                + "' is "
                + model.format()
                + ": without an image, the KServe provider serves ONNX on Triton; give the model"
                + " an image (a container speaking the Open Inference Protocol v2)");
      }
      String storageUri =
          model
              .artifact()
              .map(u -> storageUri(model.name(), u.toString()))
              .orElseThrow(
                  () ->
                      invalid(
                          "model '"
                              + model.name()
                              + "' needs an artifact (s3://, gs://, pvc://, https://...) or an"
                              + " image"));
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("modelFormat", Map.of("name", "onnx"));
      m.put("protocolVersion", "v2");
      m.put("runtime", options.tritonRuntime());
      m.put("storageUri", storageUri);
      if (grpc()) {
        m.put("ports", List.of(h2c(TRITON_GRPC_PORT)));
      }
      if (!model.environment().isEmpty()) {
        m.put("env", env(model.environment()));
      }
      m.put("resources", resources);
      p.put("model", m);
    }
    Scaling s = d.scaling();
    p.put("minReplicas", s.minInstances());
    p.put("maxReplicas", s.maxInstances());
    if (s.isAutoscaling() && s.metric().isPresent()) {
      switch (s.metric().get()) {
        case CPU_UTILIZATION -> {
          p.put("scaleMetric", "cpu");
          p.put("scaleTarget", (int) Math.max(1, Math.round(s.target())));
        }
        case INVOCATIONS_PER_INSTANCE -> {
          p.put("scaleMetric", "rps");
          p.put("scaleTarget", (int) Math.max(1, Math.ceil(s.target() / 60.0)));
        }
        default ->
            throw unsupported(
                "KServe scales on cpu, memory, concurrency or rps; "
                    + s.metric().get()
                    + " has no KServe scaleMetric");
      }
    }
    Accelerator a = d.accelerator();
    if (a.kind() == DeviceKind.GPU
        && a.deviceType().isPresent()
        && options.gpuProductLabel().isPresent()) {
      String product = GPU_PRODUCTS.get(a.deviceType().get().id());
      if (product == null) {
        throw unsupported(
            "no GPU product name is known for "
                + a.deviceType().get()
                + "; known: "
                + GPU_PRODUCTS.keySet());
      }
      p.put("nodeSelector", Map.of(options.gpuProductLabel().get(), product));
    }
    return p;
  }

  private boolean grpc() {
    return options.protocol() == KServeOptions.Protocol.GRPC;
  }

  private static Map<String, Object> h2c(int port) {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("name", "h2c");
    p.put("containerPort", port);
    p.put("protocol", "TCP");
    return p;
  }

  private static Map<String, Object> container(
      Model model, Map<String, Object> resources, boolean grpc) {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("name", "kserve-container");
    c.put("image", model.image().get());
    ContainerSpec cs = model.container().orElse(null);
    int port = cs != null && cs.port().isPresent() ? cs.port().getAsInt() : 8080;
    c.put("ports", List.of(grpc ? h2c(port) : Map.of("containerPort", port, "protocol", "TCP")));
    Map<String, String> env = new LinkedHashMap<>(model.environment());
    model.artifact().ifPresent(u -> env.putIfAbsent("STORAGE_URI", u.toString()));
    if (!env.isEmpty()) {
      c.put("env", env(env));
    }
    if (cs != null) {
      if (!cs.command().isEmpty()) {
        c.put("command", cs.command());
      }
      if (!cs.args().isEmpty()) {
        c.put("args", cs.args());
      }
      cs.healthRoute().ifPresent(r -> c.put("livenessProbe", probe(r, port)));
      cs.readinessRoute().ifPresent(r -> c.put("readinessProbe", probe(r, port)));
    }
    c.put("resources", resources);
    return c;
  }

  private static Map<String, Object> probe(String path, int port) {
    return Map.of("httpGet", Map.of("path", path, "port", port));
  }

  private static List<Map<String, Object>> env(Map<String, String> env) {
    List<Map<String, Object>> out = new ArrayList<>();
    env.forEach((k, v) -> out.add(Map.of("name", k, "value", v)));
    return out;
  }

  private static Map<String, Object> resources(Accelerator a) {
    Map<String, Object> q = new LinkedHashMap<>();
    if (a.vcpus() > 0) {
      q.put("cpu", String.valueOf(a.vcpus()));
    }
    if (a.memoryGiB() > 0) {
      q.put("memory", a.memoryGiB() + "Gi");
    }
    if (a.kind() == DeviceKind.GPU) {
      q.put(NVIDIA_GPU, String.valueOf(a.count()));
    } else if (a.kind() != DeviceKind.CPU) {
      throw unsupported(a.kind() + " accelerators have no KServe resource name here");
    }
    return Map.of("requests", q, "limits", q);
  }

  /**
   * Checks that KServe's storage initializer can read an artifact.
   *
   * @param model the model name, for messages
   * @param uri the artifact
   * @return the storageUri
   */
  static String storageUri(String model, String uri) {
    int colon = uri.indexOf(':');
    String scheme = colon > 0 ? uri.substring(0, colon).toLowerCase(Locale.ROOT) : "";
    if (!STORAGE_SCHEMES.contains(scheme)) {
      throw invalid(
          "model '"
              + model
              + "': KServe's storage initializer cannot read '"
              + scheme
              + ":' artifacts; upload the Triton model repository to s3://, gs://, pvc:// or"
              + " https:// and give that URI");
    }
    return uri;
  }

  private static ServingException invalid(String message) {
    return ServingException.builder(ErrorCategory.INVALID_INPUT)
        .providerId(KserveProvider.ID)
        .message(message)
        .build();
  }

  private static ServingException unsupported(String message) {
    return ServingException.builder(ErrorCategory.UNSUPPORTED_CAPABILITY)
        .providerId(KserveProvider.ID)
        .message(message)
        .build();
  }
}
