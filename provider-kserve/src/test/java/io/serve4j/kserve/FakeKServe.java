package io.serve4j.kserve;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.kserve.internal.InferenceServices;
import io.serve4j.protocol.OipJson;
import io.serve4j.testkit.Fault;
import io.serve4j.testkit.FaultFixture;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * A local KServe: fabric8's Kubernetes mock server in CRUD mode holding InferenceServices (the CRD
 * registered with its status subresource), a small "controller" thread that plays KServe's
 * controller (after a rollout latency it writes {@code status}: observedGeneration, conditions,
 * url, components.predictor traffic with the canary as the latest revision; or a failed rollout, or
 * nothing at all when told to hang), and an Open Inference Protocol v2 REST responder on loopback
 * that answers like the model (JDK HttpServer, test scope only) and injects faults.
 */
final class FakeKServe implements AutoCloseable, FaultFixture.CallFaults {
  static final String NAMESPACE = "models";

  private static final ObjectMapper JSON = new ObjectMapper();

  static final String CONTROLLER_AGENT = "fake-kserve-controller";
  private static final String ISVCS =
      "/apis/serving.kserve.io/v1beta1/namespaces/" + NAMESPACE + "/inferenceservices";
  private static final Pattern ONE = Pattern.compile(Pattern.quote(ISVCS) + "/[^/?]+(\\?.*)?");
  private static final Pattern ALL = Pattern.compile(Pattern.quote(ISVCS) + "(\\?.*)?");

  final KubernetesMockServer server;

  /** The client serve4j is given. */
  final KubernetesClient client;

  /** The controller's client: its requests are neither counted nor failed. */
  private final KubernetesClient controllerClient;

  /** serve4j's API-server calls by name, for the lifecycle-safety suite (pause, fail, log). */
  final io.serve4j.testkit.WireCalls wireCalls = new io.serve4j.testkit.WireCalls();

  private final Map<Fault.Call, Deque<Fault>> callFaults = new EnumMap<>(Fault.Call.class);
  private final Map<Fault.Call, AtomicLong> callCounts = new ConcurrentHashMap<>();
  private final HttpServer oip;
  private final ExecutorService oipPool = Executors.newFixedThreadPool(24);
  private final Function<InferenceRequest, InferenceResponse> model;
  private final Thread controller;
  private final Duration latency;
  private volatile boolean running = true;

  private final AtomicLong predictions = new AtomicLong();
  private final Deque<Fault> faults = new ArrayDeque<>();
  final List<String> modelsAsked = new CopyOnWriteArrayList<>();

  /**
   * Every violation of KServe's CRD schema ({@link KServeCrdSchema}) in an InferenceService serve4j
   * sent: each such write was refused 422; {@link #close()} fails the test if any was seen, so no
   * test passes on a body KServe would not take.
   */
  final List<String> schemaViolations = new CopyOnWriteArrayList<>();

  /** When false, {@link #close()} does not fail on violations (the test that provokes them). */
  volatile boolean failOnSchemaViolations = true;

  /** Controller switches. */
  volatile boolean hang;

  /** The status.url the controller writes; null: the OIP responder's loopback URL. */
  volatile String statusUrl;

  /** The x-request-id of the last prediction. */
  volatile String lastRequestId;

  /** How long the API server holds its answer to serve4j's create requests (persisted at once). */
  volatile Duration createDelay;

  volatile String failReason;
  volatile String failMessage;

  private final Map<String, Long> firstSeen = new ConcurrentHashMap<>();
  private final Map<String, Rev> revisions = new ConcurrentHashMap<>();

  /** Per InferenceService uid: the predictor template and revision numbers. */
  private static final class Rev {
    String template;
    int latest;
    int rolledOut;
  }

  /** serve4j-server over the local runtime, answering for the model when {@code model} is null. */
  private final io.serve4j.server.OipServer oipServer;

  private final io.serve4j.ServingClient local;
  private final java.net.http.HttpClient forward;

  /**
   * A fake whose predictions are answered by a real serve4j-server ({@link
   * io.serve4j.server.OipServer}) on loopback, serving the ReLU contract model on the local ONNX
   * runtime; this fake's OIP front only injects faults and routes by model name.
   */
  FakeKServe(Duration latency) {
    this(latency, null);
  }

  FakeKServe(Duration latency, Function<InferenceRequest, InferenceResponse> model) {
    this(latency, model, false);
  }

  /**
   * A fake whose InferenceServices are reached over OIP v2 gRPC: the controller writes the loopback
   * URL of a gRPC front ({@link FakeOipGrpc}) as {@code status.url}, the front injects faults and
   * forwards to serve4j-server's gRPC port; the options it hands out say {@code protocol(GRPC)}.
   */
  static FakeKServe grpc(Duration latency) {
    return new FakeKServe(latency, null, true);
  }

  private final FakeOipGrpc grpcFront;

  private FakeKServe(
      Duration latency, Function<InferenceRequest, InferenceResponse> model, boolean grpc) {
    this.latency = latency;
    this.model = model;
    server =
        new KubernetesMockServer(
            new Context(), new MockWebServer(), new HashMap<>(), new FaultyCrud(), false);
    server.init(InetAddress.getLoopbackAddress(), 0);
    // configured as the provider configures the clients it builds: fabric8's own retries off
    client =
        server.createClient(b -> b.editOrNewConfig().withRequestRetryBackoffLimit(0).endConfig());
    controllerClient =
        new KubernetesClientBuilder()
            .withConfig(
                new ConfigBuilder(client.getConfiguration())
                    .withUserAgent(CONTROLLER_AGENT)
                    .build())
            .build();
    client.apiextensions().v1().customResourceDefinitions().resource(crd()).create();
    // the schema's first use builds it (~1 s): here, not inside some test's first create
    KServeCrdSchema.violations("{}");
    try {
      oip = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    if (model == null) {
      local =
          io.serve4j.Serve4j.client(io.serve4j.local.LocalOptions.builder().isolated(true).build());
      io.serve4j.Endpoint relu =
          local
              .deploy(
                  io.serve4j.EndpointSpec.of(
                      "relu", io.serve4j.testkit.ContractModels.reluOnClasspath()))
              .await();
      oipServer =
          io.serve4j.server.OipServer.builder()
              .endpoint("relu", relu)
              .port(0)
              .grpcPort(0)
              .ioThreads(1)
              .workerThreads(0)
              .start();
      forward = java.net.http.HttpClient.newHttpClient();
      // One request now, so that the server's own (lazily started) threads exist before any test
      // counts the serve4j threads a client leaves behind.
      try {
        forward.send(
            java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create(
                        "http://127.0.0.1:" + oipServer.port() + "/v2/health/ready"))
                .build(),
            java.net.http.HttpResponse.BodyHandlers.discarding());
        forward.send(
            java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create(
                        "http://127.0.0.1:" + oipServer.port() + "/v2/models/relu/infer"))
                .header("Content-Type", "application/json")
                .POST(
                    java.net.http.HttpRequest.BodyPublishers.ofByteArray(
                        OipJson.writeRequest(io.serve4j.testkit.ContractModels.reluRequest(1, 2))))
                .build(),
            java.net.http.HttpResponse.BodyHandlers.discarding());
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    } else {
      local = null;
      oipServer = null;
      forward = null;
    }
    grpcFront =
        grpc
            ? new FakeOipGrpc(
                this,
                oipServer.grpcPort().getAsInt(),
                () -> {
                  synchronized (faults) {
                    return faults.pollFirst();
                  }
                })
            : null;
    oip.setExecutor(oipPool);
    oip.createContext("/v2/models/", this::infer);
    oip.start();
    controller = new Thread(this::reconcileLoop, "fake-kserve-controller");
    controller.setDaemon(true);
    controller.start();
  }

  /** The CRD as KServe installs it, reduced to what the API server needs: names, scope, status. */
  static CustomResourceDefinition crd() {
    return new CustomResourceDefinitionBuilder()
        .withNewMetadata()
        .withName("inferenceservices.serving.kserve.io")
        .endMetadata()
        .withNewSpec()
        .withGroup("serving.kserve.io")
        .withScope("Namespaced")
        .withNewNames()
        .withKind("InferenceService")
        .withPlural("inferenceservices")
        .withSingular("inferenceservice")
        .withShortNames("isvc")
        .endNames()
        .addNewVersion()
        .withName("v1beta1")
        .withServed(true)
        .withStorage(true)
        .withNewSubresources()
        .withNewStatus()
        .endStatus()
        .endSubresources()
        .endVersion()
        .endSpec()
        .build();
  }

  static CustomResourceDefinitionContext context() {
    return new CustomResourceDefinitionContext.Builder()
        .withGroup("serving.kserve.io")
        .withVersion("v1beta1")
        .withPlural("inferenceservices")
        .withKind("InferenceService")
        .withScope("Namespaced")
        .build();
  }

  String baseUrl() {
    return "http://127.0.0.1:"
        + (grpcFront != null ? grpcFront.port() : oip.getAddress().getPort());
  }

  /** The gRPC front, or null for a REST fake. */
  FakeOipGrpc grpcFront() {
    return grpcFront;
  }

  KServeOptions.Builder options() {
    KServeOptions.Builder b =
        KServeOptions.builder()
            .kubernetesClient(client)
            .namespace(NAMESPACE)
            .pollInterval(Duration.ofMillis(20));
    return grpcFront != null ? b.protocol(KServeOptions.Protocol.GRPC) : b;
  }

  /** Records a prediction arriving at a front (REST or gRPC). */
  void predictionArrived(String modelName, String requestId) {
    predictions.incrementAndGet();
    lastRequestId = requestId;
    modelsAsked.add(modelName);
  }

  GenericKubernetesResource get(String name) {
    return client
        .genericKubernetesResources(InferenceServices.ISVC)
        .inNamespace(NAMESPACE)
        .withName(name)
        .get();
  }

  /** The InferenceServices there are, with their spec, for the lifecycle-safety suite. */
  java.util.Set<String> resources() {
    java.util.Set<String> out = new java.util.TreeSet<>();
    for (GenericKubernetesResource r :
        controllerClient
            .genericKubernetesResources(InferenceServices.ISVC)
            .inNamespace(NAMESPACE)
            .list()
            .getItems()) {
      out.add("isvc:" + r.getMetadata().getName());
    }
    return out;
  }

  long predictionsReceived() {
    return predictions.get();
  }

  void injectFaults(Fault... fs) {
    synchronized (faults) {
      faults.clear();
      faults.addAll(List.of(fs));
    }
  }

  // ---------------------------------------------------------------- faults on API calls

  @Override
  public void inject(Fault.Call call, Fault... fs) {
    if (call == Fault.Call.PREDICT) {
      injectFaults(fs);
      return;
    }
    synchronized (callFaults) {
      callFaults.put(call, new ArrayDeque<>(List.of(fs)));
    }
  }

  @Override
  public long requests(Fault.Call call) {
    if (call == Fault.Call.PREDICT) {
      return predictionsReceived();
    }
    return callCounts.computeIfAbsent(call, c -> new AtomicLong()).get();
  }

  /** The CRUD dispatcher, failing and counting serve4j's describe, list and delete requests. */
  private final class FaultyCrud extends KubernetesCrudDispatcher {
    FaultyCrud() {
      super(List.of());
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
      String agent = request.getHeader("User-Agent");
      String path = request.getPath();
      Fault.Call call = null;
      if (agent == null || !agent.contains(CONTROLLER_AGENT)) {
        String method = request.getMethod();
        if ("GET".equals(method) && !path.contains("watch=")) {
          call =
              ONE.matcher(path).matches()
                  ? Fault.Call.DESCRIBE
                  : ALL.matcher(path).matches() ? Fault.Call.LIST : null;
        } else if ("DELETE".equals(method) && ONE.matcher(path).matches()) {
          call = Fault.Call.DELETE;
        }
      }
      if ((agent == null || !agent.contains(CONTROLLER_AGENT))
          && List.of("POST", "PUT").contains(request.getMethod())
          && (ONE.matcher(path).matches() || ALL.matcher(path).matches())
          && !path.contains("/status")) {
        // what KServe's API server would check first: the CRD's openAPIV3Schema
        List<String> bad =
            KServeCrdSchema.violations(
                new String(request.getBody().getBytes(), StandardCharsets.UTF_8));
        if (!bad.isEmpty()) {
          schemaViolations.addAll(bad);
          return status(422, "Invalid", "InferenceService is invalid: " + String.join("; ", bad));
        }
      }
      if (agent == null || !agent.contains(CONTROLLER_AGENT)) {
        String wireName = wireName(request.getMethod(), path);
        if (wireName != null) {
          Fault wf = wireCalls.arrive(wireName);
          if (wf != null) {
            return status(500, "InternalError");
          }
        }
      }
      Duration delay = createDelay;
      if (call == null
          && delay != null
          && "POST".equals(request.getMethod())
          && ALL.matcher(path).matches()
          && (agent == null || !agent.contains(CONTROLLER_AGENT))) {
        return super.dispatch(request).setBodyDelay(delay);
      }
      if (call == null) {
        return super.dispatch(request);
      }
      callCounts.computeIfAbsent(call, c -> new AtomicLong()).incrementAndGet();
      Fault f;
      synchronized (callFaults) {
        Deque<Fault> q = callFaults.get(call);
        f = q == null ? null : q.pollFirst();
      }
      if (f == null) {
        return super.dispatch(request);
      }
      return switch (f.kind()) {
        case SLOW -> super.dispatch(request).setBodyDelay(f.duration());
        case THROTTLE ->
            status(429, "TooManyRequests").setHeader("Retry-After", f.duration().toSeconds());
        case SERVER_ERROR -> status(500, "InternalError");
        default -> status(503, "ServiceUnavailable");
      };
    }

    private String wireName(String method, String path) {
      boolean one = ONE.matcher(path).matches();
      boolean all = ALL.matcher(path).matches();
      if (!one && !all) {
        return null;
      }
      return switch (method) {
        case "POST" -> "CreateInferenceService";
        case "GET" -> one ? "GetInferenceService" : "ListInferenceServices";
        case "PUT" -> "ReplaceInferenceService";
        case "PATCH" -> "PatchInferenceService";
        case "DELETE" -> "DeleteInferenceService";
        default -> null;
      };
    }

    private MockResponse status(int code, String reason) {
      return status(code, reason, "injected " + reason);
    }

    private MockResponse status(int code, String reason, String message) {
      String quoted;
      try {
        quoted = JSON.writeValueAsString(message);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
      return new MockResponse()
          .setResponseCode(code)
          .setHeader("Content-Type", "application/json")
          .setBody(
              "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
                  + "\"message\":"
                  + quoted
                  + ",\"reason\":\""
                  + reason
                  + "\",\"code\":"
                  + code
                  + "}");
    }
  }

  // ---------------------------------------------------------------- the controller

  private void reconcileLoop() {
    while (running) {
      try {
        for (GenericKubernetesResource r :
            controllerClient
                .genericKubernetesResources(InferenceServices.ISVC)
                .inNamespace(NAMESPACE)
                .list()
                .getItems()) {
          reconcile(r);
        }
      } catch (KubernetesClientException e) {
        // a conflict with a concurrent update: try again
      } catch (IllegalStateException e) {
        if (!running) {
          return; // the client closed under the loop
        }
        throw e;
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  @SuppressWarnings("unchecked")
  private void reconcile(GenericKubernetesResource r) {
    Long generation = r.getMetadata().getGeneration();
    Map<String, Object> status =
        (Map<String, Object>) r.getAdditionalProperties().getOrDefault("status", Map.of());
    Object observed = status.get("observedGeneration");
    if (generation == null
        || (observed instanceof Number n && n.longValue() == generation)
        || hang) {
      return;
    }
    String key = r.getMetadata().getUid() + "/" + generation;
    long now = System.nanoTime();
    long seen = firstSeen.computeIfAbsent(key, k -> now);
    if (now - seen < latency.toNanos()) {
      return;
    }
    String name = r.getMetadata().getName();
    Map<String, Object> spec = (Map<String, Object>) r.getAdditionalProperties().get("spec");
    Map<String, Object> predictor =
        new LinkedHashMap<>((Map<String, Object>) spec.getOrDefault("predictor", Map.of()));
    Object canary = predictor.remove("canaryTrafficPercent");
    String template;
    try {
      template = JSON.writeValueAsString(predictor);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    Rev rev = revisions.computeIfAbsent(r.getMetadata().getUid(), k -> new Rev());
    if (!template.equals(rev.template)) {
      if (rev.latest > 0 && canary == null) {
        rev.rolledOut = rev.latest + 1;
      } else if (rev.latest == 0) {
        rev.rolledOut = 1;
      }
      rev.latest++;
      rev.template = template;
    }
    Map<String, Object> st = new LinkedHashMap<>();
    st.put("observedGeneration", generation);
    String fail = failReason;
    List<Map<String, Object>> conditions = new ArrayList<>();
    if (fail != null) {
      conditions.add(cond("PredictorReady", "False", fail, failMessage));
      conditions.add(cond("Ready", "False", fail, failMessage));
      st.put(
          "modelStatus",
          Map.of(
              "transitionStatus", "BlockedByFailedLoad",
              "states", Map.of("activeModelState", "", "targetModelState", "FailedToLoad"),
              "lastFailureInfo", Map.of("reason", fail, "message", String.valueOf(failMessage))));
    } else {
      conditions.add(cond("IngressReady", "True", null, null));
      conditions.add(cond("PredictorReady", "True", null, null));
      conditions.add(cond("Ready", "True", null, null));
      st.put("url", statusUrl != null ? statusUrl : baseUrl());
      String latestName = name + "-predictor-" + String.format("%05d", rev.latest);
      List<Map<String, Object>> traffic = new ArrayList<>();
      if (canary instanceof Number pct && rev.rolledOut != rev.latest) {
        traffic.add(
            Map.of(
                "revisionName",
                name + "-predictor-" + String.format("%05d", rev.rolledOut),
                "percent",
                100 - pct.intValue(),
                "latestRevision",
                false,
                "tag",
                "prev"));
        traffic.add(
            Map.of(
                "revisionName",
                latestName,
                "percent",
                pct.intValue(),
                "latestRevision",
                true,
                "tag",
                "latest"));
      } else {
        rev.rolledOut = rev.latest;
        traffic.add(Map.of("revisionName", latestName, "percent", 100, "latestRevision", true));
      }
      st.put(
          "components",
          Map.of(
              "predictor",
              Map.of(
                  "latestReadyRevision", latestName,
                  "latestCreatedRevision", latestName,
                  "traffic", traffic)));
      st.put("modelStatus", Map.of("transitionStatus", "UpToDate"));
    }
    st.put("conditions", conditions);
    r.setAdditionalProperty("status", st);
    controllerClient
        .genericKubernetesResources(InferenceServices.ISVC)
        .inNamespace(NAMESPACE)
        .resource(r)
        .updateStatus();
  }

  private static Map<String, Object> cond(String type, String status, String reason, String msg) {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("type", type);
    c.put("status", status);
    c.put("lastTransitionTime", "2026-11-30T00:00:00Z");
    if (reason != null) {
      c.put("reason", reason);
    }
    if (msg != null) {
      c.put("message", msg);
    }
    return c;
  }

  // ---------------------------------------------------------------- the OIP responder

  private void infer(HttpExchange ex) throws IOException {
    String path = ex.getRequestURI().getPath();
    byte[] body;
    try (InputStream in = ex.getRequestBody()) {
      body = in.readAllBytes();
    }
    if (!path.endsWith("/infer") || !"POST".equals(ex.getRequestMethod())) {
      answer(ex, 404, OipJson.writeError("no route " + path));
      return;
    }
    String modelName = path.substring("/v2/models/".length(), path.length() - "/infer".length());
    predictionArrived(modelName, ex.getRequestHeaders().getFirst("x-request-id"));
    Fault f;
    synchronized (faults) {
      f = faults.pollFirst();
    }
    if (f != null) {
      switch (f.kind()) {
        case THROTTLE -> {
          ex.getResponseHeaders().add("Retry-After", String.valueOf(f.duration().toSeconds()));
          answer(ex, 429, OipJson.writeError("too many requests"));
          return;
        }
        case SERVER_ERROR -> {
          answer(ex, 500, OipJson.writeError("model crashed"));
          return;
        }
        case UNAVAILABLE -> {
          answer(ex, 503, OipJson.writeError("no replica ready"));
          return;
        }
        case CONNECTION_RESET -> {
          // HttpServer closes the connection when a handler throws: no answer at all
          throw new IllegalStateException("reset");
        }
        case SLOW -> {
          try {
            Thread.sleep(f.duration().toMillis());
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
        case MALFORMED_BODY -> {
          answer(ex, 200, "{not json".getBytes(StandardCharsets.UTF_8));
          return;
        }
        default -> throw new IllegalStateException(f.toString());
      }
    }
    if (!"relu".equals(modelName)) {
      answer(ex, 404, OipJson.writeError("model '" + modelName + "' is not loaded"));
      return;
    }
    if (oipServer != null) {
      java.net.http.HttpRequest.Builder r =
          java.net.http.HttpRequest.newBuilder(
                  java.net.URI.create(
                      "http://127.0.0.1:" + oipServer.port() + "/v2/models/relu/infer"))
              .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(body));
      for (String h : List.of("Content-Type", "Inference-Header-Content-Length")) {
        String v = ex.getRequestHeaders().getFirst(h);
        if (v != null) {
          r.header(h, v);
        }
      }
      try {
        java.net.http.HttpResponse<byte[]> answer =
            forward.send(r.build(), java.net.http.HttpResponse.BodyHandlers.ofByteArray());
        answer
            .headers()
            .firstValue("Inference-Header-Content-Length")
            .ifPresent(v -> ex.getResponseHeaders().add("Inference-Header-Content-Length", v));
        answer(ex, answer.statusCode(), answer.body());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        answer(ex, 503, OipJson.writeError("interrupted"));
      }
      return;
    }
    try {
      InferenceRequest request = OipJson.readRequest(body);
      answer(ex, 200, OipJson.writeResponse(model.apply(request)));
    } catch (RuntimeException e) {
      answer(ex, 400, OipJson.writeError(String.valueOf(e.getMessage())));
    }
  }

  private static void answer(HttpExchange ex, int status, byte[] body) throws IOException {
    ex.getResponseHeaders().add("Content-Type", "application/json");
    ex.sendResponseHeaders(status, body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }

  @Override
  public void close() {
    running = false;
    controller.interrupt();
    oip.stop(0);
    oipPool.shutdownNow();
    if (grpcFront != null) {
      grpcFront.close();
    }
    if (oipServer != null) {
      oipServer.close();
      local.close();
    }
    controllerClient.close();
    client.close();
    server.destroy();
    if (failOnSchemaViolations && !schemaViolations.isEmpty()) {
      throw new AssertionError(
          "serve4j sent InferenceServices that KServe's CRD schema refuses: " + schemaViolations);
    }
  }
}
