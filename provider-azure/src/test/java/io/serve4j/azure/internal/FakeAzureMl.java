package io.serve4j.azure.internal;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.Request;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.protocol.OipJson;
import io.serve4j.testkit.ContractModels;
import io.serve4j.testkit.Fault;
import io.serve4j.testkit.FaultFixture;
import io.serve4j.testkit.WireCalls;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A small stateful fake of the Azure ML REST API inside WireMock (HTTPS, so that azure-core's real
 * bearer-token policy runs): workspaces' online endpoints and deployments with ARM long-running
 * operations (201 + {@code Azure-AsyncOperation} that stays InProgress for a while, delete as 202 +
 * {@code Location}), model versions, the default datastore and blob uploads, {@code listKeys} /
 * {@code token}, scoring on the OIP route answering like the ReLU contract model, batch endpoints
 * and jobs. {@link #injectFaults} makes the next scoring calls fail, one fault each, in order.
 * Resources follow the shapes of the service's examples in {@code
 * src/test/resources/azureml/2025-12-01}.
 */
final class FakeAzureMl implements AutoCloseable, FaultFixture.CallFaults {
  static final String ARM_TOKEN = "static-arm-token";
  static final String ML_TOKEN = "static-ml-token";
  static final String FIRST_KEY = "pk-SECRET-7f3a9c";
  static final String SUB = "00000000-1111-2222-3333-444444444444";
  static final String RG = "test-rg";
  static final String WS = "my-aml-workspace";

  private static final ObjectMapper JSON = new ObjectMapper();

  final WireMockServer server;
  final Duration latency;
  final AtomicLong predictions = new AtomicLong();
  final AtomicLong uploads = new AtomicLong();
  final AtomicLong polls = new AtomicLong();
  final Map<String, byte[]> blobs = new ConcurrentHashMap<>();
  final Map<String, ObjectNode> models = new ConcurrentHashMap<>();
  final Map<String, ObjectNode> environments = new ConcurrentHashMap<>();
  final Map<String, Endpoint> endpoints = new ConcurrentHashMap<>();
  final Map<String, Endpoint> batchEndpoints = new ConcurrentHashMap<>();

  /** Azure Monitor autoscale settings of the resource group, by name. */
  final Map<String, ObjectNode> autoscaleSettings = new ConcurrentHashMap<>();

  final Map<String, Job> jobs = new ConcurrentHashMap<>();
  final Map<String, Op> operations = new ConcurrentHashMap<>();
  volatile boolean failDeployments;
  volatile String primaryKey = FIRST_KEY;
  volatile Duration jobLatency;
  final ConcurrentLinkedQueue<Fault> faults = new ConcurrentLinkedQueue<>();
  final Map<Fault.Call, AtomicLong> callRequests = new ConcurrentHashMap<>();
  final Map<Fault.Call, ConcurrentLinkedQueue<Fault>> callFaults = new ConcurrentHashMap<>();

  /** Every control-plane call by a stable name, for LifecycleSafetyContract (pause, fail). */
  final WireCalls wireCalls = new WireCalls();

  static final class Endpoint {
    volatile ObjectNode resource;
    final Map<String, ObjectNode> deployments = new ConcurrentHashMap<>();
  }

  static final class Op {
    volatile String label = "";
    final long readyAt;
    final Runnable onDone;
    volatile boolean failed;
    volatile boolean done;
    volatile boolean location;

    Op(long readyAt, Runnable onDone) {
      this.readyAt = readyAt;
      this.onDone = onDone;
    }
  }

  static final class Job {
    final long runningAt;
    final long doneAt;
    volatile boolean cancelled;

    Job(long runningAt, long doneAt) {
      this.runningAt = runningAt;
      this.doneAt = doneAt;
    }
  }

  FakeAzureMl(Duration latency) {
    this.latency = latency;
    this.jobLatency = latency;
    this.server =
        new WireMockServer(
            options()
                .httpDisabled(true)
                .dynamicHttpsPort()
                .containerThreads(64)
                .extensions(new Transformer()));
    server.start();
    server.stubFor(any(anyUrl()).willReturn(aResponse().withTransformers("azure-ml-fake")));
  }

  /**
   * Makes the next scoring calls (that reach a healthy deployment) fail with these faults, in
   * order; replaces what was queued before.
   *
   * @param next the faults
   */
  void injectFaults(Fault... next) {
    faults.clear();
    faults.addAll(java.util.List.of(next));
  }

  /**
   * Fails the next requests of a call on demand: PREDICT the scoring calls ({@link
   * #injectFaults(Fault...)}), DESCRIBE a GET of one online endpoint, LIST the GET of the online
   * endpoint collection, DELETE the DELETE of an online endpoint (as ARM fails: JSON error bodies).
   */
  @Override
  public void inject(Fault.Call call, Fault... next) {
    if (call == Fault.Call.PREDICT) {
      injectFaults(next);
      return;
    }
    ConcurrentLinkedQueue<Fault> q =
        callFaults.computeIfAbsent(call, c -> new ConcurrentLinkedQueue<>());
    q.clear();
    q.addAll(java.util.List.of(next));
  }

  @Override
  public long requests(Fault.Call call) {
    if (call == Fault.Call.PREDICT) {
      return predictions.get();
    }
    AtomicLong n = callRequests.get(call);
    return n == null ? 0 : n.get();
  }

  URI base() {
    return URI.create("https://localhost:" + server.httpsPort());
  }

  @Override
  public void close() {
    server.stop();
  }

  private final class Transformer implements ResponseDefinitionTransformerV2 {
    @Override
    public String getName() {
      return "azure-ml-fake";
    }

    @Override
    public boolean applyGlobally() {
      return false;
    }

    @Override
    public ResponseDefinition transform(ServeEvent event) {
      try {
        return handle(event.getRequest());
      } catch (RuntimeException e) {
        return error(500, "InternalServerError", "fake failed: " + e).build();
      }
    }
  }

  // ---------------------------------------------------------------- routing

  private ResponseDefinition handle(Request r) {
    String url = r.getUrl();
    String path = url.contains("?") ? url.substring(0, url.indexOf('?')) : url;
    String method = r.getMethod().getName();
    if (path.startsWith("/online/")) {
      return score(r, path).build();
    }
    if (path.startsWith("/batch/")) {
      if (wireCalls.arrive("POST batchInvoke") != null) {
        return error(500, "InternalServerError", "injected").build();
      }
      return invokeBatch(r, path).build();
    }
    if (r.getHeader("x-ms-blob-type") != null) {
      Fault blobFault = wireCalls.arrive(method + " blob");
      if (blobFault != null) {
        return error(500, "InternalServerError", "injected").build();
      }
      if (!method.equals("PUT") || !"Bearer blob-token".equals(r.getHeader("Authorization"))) {
        return aResponse().withStatus(403).withBody("blob upload refused").build();
      }
      blobs.put(path, r.getBody());
      uploads.incrementAndGet();
      return aResponse().withStatus(201).withHeader("ETag", "\"0x1\"").build();
    }
    if (!("Bearer " + ARM_TOKEN).equals(r.getHeader("Authorization"))) {
      return error(401, "AuthenticationFailed", "no or wrong ARM token").build();
    }
    String insights =
        "/subscriptions/" + SUB + "/resourceGroups/" + RG + "/providers/Microsoft.Insights/";
    if (path.startsWith(insights)) {
      return autoscale(method, path.substring(insights.length()), url, r).build();
    }
    if (!url.contains("api-version=2025-12-01")) {
      return error(400, "MissingApiVersionParameter", "api-version is required").build();
    }
    if (path.startsWith("/operations/")) {
      String opId = path.substring("/operations/".length());
      Op polled = operations.get(opId);
      Fault opFault = wireCalls.arrive("GET operation of " + (polled == null ? "?" : polled.label));
      if (opFault != null) {
        return injected(opFault).build();
      }
      return operation(opId).build();
    }
    String ws =
        "/subscriptions/"
            + SUB
            + "/resourceGroups/"
            + RG
            + "/providers/Microsoft.MachineLearningServices/workspaces/"
            + WS;
    if (!path.startsWith(ws)) {
      return error(404, "ResourceNotFound", "no workspace at " + path).build();
    }
    String rest = path.substring(ws.length());
    String[] p = rest.isEmpty() ? new String[0] : rest.substring(1).split("/");
    String call = callName(method, p);
    Fault armFault = wireCalls.arrive(call);
    if (armFault != null) {
      return injected(armFault).build();
    }
    ResponseDefinition answer = route(method, p, r, rest).build();
    var async = answer.getHeaders().getHeader("Azure-AsyncOperation");
    var location = answer.getHeaders().getHeader("Location");
    String op =
        async.isPresent()
            ? async.firstValue()
            : location.isPresent() ? location.firstValue() : null;
    if (op != null && op.contains("/operations/")) {
      String id = op.substring(op.indexOf("/operations/") + "/operations/".length());
      id = id.contains("?") ? id.substring(0, id.indexOf('?')) : id;
      Op created = operations.get(id);
      if (created != null) {
        created.label = call;
      }
    }
    return answer;
  }

  /**
   * The stable name of a control-plane call: verb and resource kind, and for a PUT whether it
   * creates the resource or updates one that exists.
   */
  private String callName(String method, String[] p) {
    if (p.length == 0) {
      return method + " workspace";
    }
    String kind =
        switch (p[0]) {
          case "onlineEndpoints" ->
              p.length == 1
                  ? "onlineEndpoints"
                  : p.length == 2
                      ? "onlineEndpoint"
                      : p.length == 3 ? p[2] : p.length == 4 ? "onlineDeployment" : p[4];
          case "batchEndpoints" -> p.length <= 2 ? "batchEndpoint" : "batchDeployment";
          case "models" -> "model";
          case "environments" -> "environment";
          case "jobs" -> p.length == 3 ? "cancelJob" : "job";
          default -> p[0];
        };
    if (!method.equals("PUT")) {
      return method + " " + kind;
    }
    boolean exists =
        switch (kind) {
          case "onlineEndpoint" -> endpoints.containsKey(p[1]);
          case "onlineDeployment" ->
              endpoints.containsKey(p[1]) && endpoints.get(p[1]).deployments.containsKey(p[3]);
          case "batchEndpoint" -> batchEndpoints.containsKey(p[1]);
          case "batchDeployment" ->
              batchEndpoints.containsKey(p[1])
                  && batchEndpoints.get(p[1]).deployments.containsKey(p[3]);
          default -> false;
        };
    return "PUT " + kind + (exists ? " (update)" : " (create)");
  }

  /** An injected fault as ARM answers it. */
  private static ResponseDefinitionBuilder injected(Fault fault) {
    return switch (fault.kind()) {
      case THROTTLE ->
          error(429, "TooManyRequests", "throttled")
              .withHeader("Retry-After", String.valueOf(fault.duration().toSeconds()));
      case UNAVAILABLE -> error(503, "ServiceUnavailable", "injected");
      default -> error(500, "InternalServerError", "injected");
    };
  }

  private ResponseDefinitionBuilder route(String method, String[] p, Request r, String rest) {
    if (p.length == 0) {
      ObjectNode w = JSON.createObjectNode();
      w.put("name", WS);
      w.put("location", "westeurope");
      return json(200, w);
    }
    return switch (p[0]) {
      case "datastores" -> datastores();
      case "models" -> model(method, p, r);
      case "environments" -> environment(method, p, r);
      case "onlineEndpoints" -> online(method, p, r);
      case "batchEndpoints" -> batch(method, p, r);
      case "jobs" -> job(method, p);
      default -> error(404, "ResourceNotFound", rest);
    };
  }

  private ResponseDefinitionBuilder datastores() {
    ObjectNode list = JSON.createObjectNode();
    ObjectNode ds = list.putArray("value").addObject();
    ds.put("name", "workspaceblobstore");
    ObjectNode p = ds.putObject("properties");
    p.put("datastoreType", "AzureBlob");
    p.put("accountName", "fakeaccount");
    p.put("containerName", "azureml-blobstore");
    p.put("endpoint", "core.windows.net");
    p.put("protocol", "https");
    p.put("isDefault", true);
    return json(200, list);
  }

  private ResponseDefinitionBuilder model(String method, String[] p, Request r) {
    if (p.length != 4 || !p[2].equals("versions")) {
      return error(404, "ResourceNotFound", String.join("/", p));
    }
    String key = p[1] + ":" + p[3];
    if (method.equals("GET")) {
      ObjectNode m = models.get(key);
      return m == null ? error(404, "ResourceNotFound", "model " + key) : json(200, m);
    }
    if (method.equals("PUT")) {
      ObjectNode body = body(r);
      body.put("name", p[3]);
      body.put("id", "/models/" + p[1] + "/versions/" + p[3]);
      models.put(key, body);
      return json(201, body);
    }
    return error(405, "MethodNotAllowed", method);
  }

  private ResponseDefinitionBuilder environment(String method, String[] p, Request r) {
    if (p.length != 4 || !method.equals("PUT")) {
      return error(404, "ResourceNotFound", String.join("/", p));
    }
    ObjectNode body = body(r);
    environments.put(p[1] + ":" + p[3], body);
    return json(201, body);
  }

  // ---------------------------------------------------------------- Azure Monitor autoscale

  /** Deployment metrics Azure Monitor publishes for online deployments (supported-metrics page). */
  static final java.util.Set<String> DEPLOYMENT_METRICS =
      java.util.Set.of(
          "CpuMemoryUtilizationPercentage",
          "CpuUtilizationPercentage",
          "DataCollectionErrorsPerMinute",
          "DataCollectionEventsPerMinute",
          "DeploymentCapacity",
          "DiskUtilization",
          "GpuEnergyJoules",
          "GpuMemoryUtilizationPercentage",
          "GpuUtilizationPercentage",
          "RequestLatency_P50",
          "RequestLatency_P90",
          "RequestLatency_P95",
          "RequestLatency_P99",
          "RequestsPerMinute");

  /**
   * {@code Microsoft.Insights/autoscalesettings/{name}} (api-version 2022-10-01): PUT (201 new, 200
   * replaced) checks that the target is an existing online deployment of this workspace and that
   * every rule names a deployment metric on that deployment; GET; DELETE (200, or 204 when there is
   * none). Failed on demand by name ({@code PUT autoscaleSetting (create)}, ...).
   */
  private ResponseDefinitionBuilder autoscale(String method, String rest, String url, Request r) {
    if (!("Bearer " + ARM_TOKEN).equals(r.getHeader("Authorization"))) {
      return error(401, "AuthenticationFailed", "no or wrong ARM token");
    }
    if (!url.contains("api-version=2022-10-01")) {
      return error(400, "InvalidApiVersionParameter", "autoscalesettings speak 2022-10-01");
    }
    String[] p = rest.split("/");
    if (p.length != 2 || !p[0].equals("autoscalesettings")) {
      return error(404, "ResourceNotFound", rest);
    }
    String name = p[1];
    ObjectNode existing = autoscaleSettings.get(name);
    String call =
        method
            + " autoscaleSetting"
            + (method.equals("PUT") ? (existing != null ? " (update)" : " (create)") : "");
    Fault fault = wireCalls.arrive(call);
    if (fault != null) {
      return injected(fault);
    }
    switch (method) {
      case "GET":
        return existing == null ? notFound("autoscalesettings", name) : json(200, existing);
      case "DELETE":
        return autoscaleSettings.remove(name) == null
            ? aResponse().withStatus(204)
            : aResponse().withStatus(200);
      case "PUT":
        {
          ObjectNode body = body(r);
          String invalid = invalidAutoscale(body);
          if (invalid != null) {
            return error(400, "BadRequest", invalid);
          }
          body.put("name", name);
          body.put(
              "id",
              "/subscriptions/"
                  + SUB
                  + "/resourceGroups/"
                  + RG
                  + "/providers/microsoft.insights/autoscalesettings/"
                  + name);
          body.put("type", "Microsoft.Insights/autoscaleSettings");
          autoscaleSettings.put(name, body);
          return json(existing == null ? 201 : 200, body);
        }
      default:
        return error(405, "MethodNotAllowed", method);
    }
  }

  private String invalidAutoscale(JsonNode body) {
    if (!body.path("location").isTextual()) {
      return "location is required";
    }
    JsonNode props = body.path("properties");
    String target = props.path("targetResourceUri").asText("");
    String prefix =
        "/subscriptions/"
            + SUB
            + "/resourceGroups/"
            + RG
            + "/providers/Microsoft.MachineLearningServices/workspaces/"
            + WS
            + "/onlineEndpoints/";
    String[] t = target.startsWith(prefix) ? target.substring(prefix.length()).split("/") : null;
    if (t == null
        || t.length != 3
        || !t[1].equals("deployments")
        || deployment(t[0], t[2]).isEmpty()) {
      return "targetResourceUri '" + target + "' is not an existing online deployment";
    }
    JsonNode profiles = props.path("profiles");
    if (!profiles.isArray() || profiles.isEmpty() || profiles.size() > 20) {
      return "properties.profiles must hold 1-20 profiles";
    }
    for (JsonNode profile : profiles) {
      JsonNode c = profile.path("capacity");
      int min = Integer.parseInt(c.path("minimum").asText("-1"));
      int max = Integer.parseInt(c.path("maximum").asText("-1"));
      int def = Integer.parseInt(c.path("default").asText("-1"));
      if (min < 0 || min > def || def > max) {
        return "capacity must be minimum <= default <= maximum, was " + c;
      }
      for (JsonNode rule : profile.path("rules")) {
        JsonNode trigger = rule.path("metricTrigger");
        if (!DEPLOYMENT_METRICS.contains(trigger.path("metricName").asText())) {
          return "metric '" + trigger.path("metricName").asText() + "' is not a deployment metric";
        }
        if (!trigger.path("metricResourceUri").asText().equals(target)) {
          return "a deployment metric must be read from the deployment itself";
        }
        if (!trigger.path("threshold").isNumber()) {
          return "threshold must be a number";
        }
      }
    }
    return null;
  }

  // ---------------------------------------------------------------- online endpoints

  private ResponseDefinitionBuilder online(String method, String[] p, Request r) {
    Fault.Call call =
        p.length == 1 && method.equals("GET")
            ? Fault.Call.LIST
            : p.length == 2 && method.equals("GET")
                ? Fault.Call.DESCRIBE
                : p.length == 2 && method.equals("DELETE") ? Fault.Call.DELETE : null;
    if (call == null) {
      return onlineResource(method, p, r);
    }
    callRequests.computeIfAbsent(call, c -> new AtomicLong()).incrementAndGet();
    ConcurrentLinkedQueue<Fault> q = callFaults.get(call);
    Fault fault = q == null ? null : q.poll();
    if (fault == null) {
      return onlineResource(method, p, r);
    }
    return switch (fault.kind()) {
      case SLOW -> onlineResource(method, p, r).withFixedDelay((int) fault.duration().toMillis());
      case THROTTLE ->
          error(429, "TooManyRequests", "throttled")
              .withHeader("Retry-After", String.valueOf(fault.duration().toSeconds()));
      case SERVER_ERROR -> error(500, "InternalServerError", "injected");
      case UNAVAILABLE -> error(503, "ServiceUnavailable", "injected");
      default -> failure(fault);
    };
  }

  private ResponseDefinitionBuilder onlineResource(String method, String[] p, Request r) {
    if (p.length == 1) {
      ObjectNode list = JSON.createObjectNode();
      var arr = list.putArray("value");
      endpoints.values().forEach(e -> arr.add(e.resource));
      return json(200, list);
    }
    String name = p[1];
    Endpoint e = endpoints.get(name);
    if (p.length == 2) {
      switch (method) {
        case "GET":
          return e == null ? notFound("onlineEndpoints", name) : json(200, e.resource);
        case "PUT":
          return putEndpoint(name, e, body(r));
        case "DELETE":
          if (e == null) {
            return aResponse().withStatus(204);
          }
          state(e.resource, "Deleting");
          String id = newOp(() -> endpoints.remove(name));
          operations.get(id).location = true;
          return aResponse().withStatus(202).withHeader("Location", opUrl(id));
        default:
          return error(405, "MethodNotAllowed", method);
      }
    }
    if (e == null) {
      return notFound("onlineEndpoints", name);
    }
    if (p.length == 3 && p[2].equals("listKeys") && method.equals("POST")) {
      ObjectNode keys = JSON.createObjectNode();
      keys.put("primaryKey", primaryKey);
      keys.put("secondaryKey", "sk-SECRET-1b2c");
      return json(200, keys);
    }
    if (p.length == 3 && p[2].equals("token") && method.equals("POST")) {
      ObjectNode t = JSON.createObjectNode();
      t.put("accessToken", "aml-SECRET-token");
      t.put("tokenType", "Bearer");
      t.put("expiryTimeUtc", System.currentTimeMillis() / 1000 + 3600);
      t.put("refreshAfterTimeUtc", System.currentTimeMillis() / 1000 + 1800);
      return json(200, t);
    }
    if (p.length == 3 && p[2].equals("deployments")) {
      ObjectNode list = JSON.createObjectNode();
      var arr = list.putArray("value");
      e.deployments.values().forEach(arr::add);
      return json(200, list);
    }
    if (p.length >= 4 && p[2].equals("deployments")) {
      String dn = p[3];
      ObjectNode d = e.deployments.get(dn);
      if (p.length == 5 && p[4].equals("getLogs")) {
        ObjectNode logs = JSON.createObjectNode();
        logs.put("content", "Traceback: model.onnx failed to load in fake Triton");
        return json(200, logs);
      }
      switch (method) {
        case "GET":
          return d == null ? notFound("deployments", dn) : json(200, d);
        case "PUT":
          {
            ObjectNode body = body(r);
            body.put("name", dn);
            body.put("id", "/onlineEndpoints/" + name + "/deployments/" + dn);
            state(body, d == null ? "Creating" : "Updating");
            e.deployments.put(dn, body);
            boolean fail = failDeployments;
            String id = newOp(() -> state(body, fail ? "Failed" : "Succeeded"), fail);
            return json(201, body).withHeader("Azure-AsyncOperation", opUrl(id));
          }
        case "DELETE":
          if (d == null) {
            return aResponse().withStatus(204);
          }
          String id = newOp(() -> e.deployments.remove(dn));
          operations.get(id).location = true;
          return aResponse().withStatus(202).withHeader("Location", opUrl(id));
        default:
          return error(405, "MethodNotAllowed", method);
      }
    }
    return error(404, "ResourceNotFound", String.join("/", p));
  }

  private ResponseDefinitionBuilder putEndpoint(String name, Endpoint existing, ObjectNode body) {
    JsonNode traffic = body.path("properties").path("traffic");
    Endpoint e = existing != null ? existing : new Endpoint();
    for (var it = traffic.fieldNames(); it.hasNext(); ) {
      String dn = it.next();
      if (!e.deployments.containsKey(dn)) {
        return error(
            400, "BadArgument", "traffic names deployment '" + dn + "' which does not exist");
      }
    }
    body.put("name", name);
    body.put("id", "/onlineEndpoints/" + name);
    body.put("type", "Microsoft.MachineLearningServices/workspaces/onlineEndpoints");
    ObjectNode props = (ObjectNode) body.path("properties");
    props.put("scoringUri", base() + "/online/" + name + "/score");
    props.put("swaggerUri", base() + "/online/" + name + "/swagger.json");
    state(body, existing == null ? "Creating" : "Updating");
    e.resource = body;
    endpoints.put(name, e);
    String id = newOp(() -> state(body, "Succeeded"));
    return json(existing == null ? 201 : 200, body).withHeader("Azure-AsyncOperation", opUrl(id));
  }

  // ---------------------------------------------------------------- scoring

  private ResponseDefinitionBuilder score(Request r, String path) {
    String[] p = path.substring("/online/".length()).split("/");
    Endpoint e = endpoints.get(p[0]);
    if (e == null) {
      return aResponse().withStatus(404).withBody("endpoint not found");
    }
    String authorization = r.getHeader("Authorization");
    if (!("Bearer " + primaryKey).equals(authorization)
        && !"Bearer aml-SECRET-token".equals(authorization)
        && !("Bearer " + ML_TOKEN).equals(authorization)) {
      return aResponse().withStatus(401).withBody("invalid key or token");
    }
    String pinned = r.getHeader("azureml-model-deployment");
    String deployment = pinned != null ? pinned : pick(e);
    ObjectNode d = deployment == null ? null : e.deployments.get(deployment);
    if (d == null || !"Succeeded".equals(state(d))) {
      return aResponse()
          .withStatus(404)
          .withBody("no healthy deployment '" + deployment + "' on " + p[0]);
    }
    predictions.incrementAndGet();
    Fault fault = faults.poll();
    if (fault != null && fault.kind() != Fault.Kind.SLOW) {
      return failure(fault);
    }
    ResponseDefinitionBuilder answer = answer(r, path, p, d, deployment);
    return fault == null ? answer : answer.withFixedDelay((int) fault.duration().toMillis());
  }

  /** How the real service fails: front-door statuses with plain bodies, a dropped connection. */
  private static ResponseDefinitionBuilder failure(Fault fault) {
    return switch (fault.kind()) {
      case THROTTLE ->
          aResponse()
              .withStatus(429)
              .withHeader("Retry-After", String.valueOf(fault.duration().toSeconds()))
              .withHeader("x-request-id", UUID.randomUUID().toString())
              .withBody("Too many pending requests");
      case SERVER_ERROR ->
          aResponse()
              .withStatus(500)
              .withHeader("x-request-id", UUID.randomUUID().toString())
              .withBody("An unexpected error occurred in scoring script.");
      case UNAVAILABLE ->
          aResponse()
              .withStatus(503)
              .withHeader("x-request-id", UUID.randomUUID().toString())
              .withBody("Service Unavailable: no healthy upstream");
      case CONNECTION_RESET ->
          aResponse()
              .withFault(com.github.tomakehurst.wiremock.http.Fault.CONNECTION_RESET_BY_PEER);
      case MALFORMED_BODY ->
          aResponse()
              .withStatus(200)
              .withHeader("Content-Type", "application/json")
              .withBody("{\"outputs\": [{\"name\": \"y\", \"datatype\": ");
      case SLOW -> throw new IllegalArgumentException("a slow answer is an answer");
    };
  }

  private ResponseDefinitionBuilder answer(
      Request r, String path, String[] p, ObjectNode d, String deployment) {
    if (p.length == 2 && p[1].equals("score")) {
      return aResponse()
          .withStatus(200)
          .withHeader("Content-Type", r.getHeader("Content-Type"))
          .withHeader("azureml-model-deployment", deployment)
          .withBody(r.getBody());
    }
    // /online/{endpoint}/v2/models/{model}/infer
    String triton = d.path("properties").path("properties").path("serve4j.tritonModel").asText();
    if (p.length != 5 || !p[1].equals("v2") || !p[3].equals(triton) || !p[4].equals("infer")) {
      return aResponse().withStatus(404).withBody("no route " + path);
    }
    InferenceRequest request = OipJson.readRequest(r.getBody());
    if (request.input("x").isEmpty()) {
      return aResponse()
          .withStatus(400)
          .withBody(new String(OipJson.writeError("no input x"), StandardCharsets.UTF_8));
    }
    InferenceResponse answer = ContractModels.reluAnswer(request);
    return aResponse()
        .withStatus(200)
        .withHeader("Content-Type", "application/json")
        .withHeader("azureml-model-deployment", deployment)
        .withHeader("x-request-id", UUID.randomUUID().toString())
        .withBody(OipJson.writeResponse(answer.toBuilder().modelName(triton).build()));
  }

  private static String pick(Endpoint e) {
    int roll = ThreadLocalRandom.current().nextInt(100);
    int acc = 0;
    JsonNode traffic = e.resource.path("properties").path("traffic");
    for (var it = traffic.fields(); it.hasNext(); ) {
      var t = it.next();
      acc += t.getValue().asInt();
      if (roll < acc) {
        return t.getKey();
      }
    }
    return null;
  }

  // ---------------------------------------------------------------- batch

  private ResponseDefinitionBuilder batch(String method, String[] p, Request r) {
    String name = p[1];
    Endpoint e = batchEndpoints.get(name);
    if (p.length == 2) {
      if (method.equals("GET")) {
        return e == null ? notFound("batchEndpoints", name) : json(200, e.resource);
      }
      if (method.equals("DELETE")) {
        if (e == null) {
          return aResponse().withStatus(204);
        }
        state(e.resource, "Deleting");
        String id = newOp(() -> batchEndpoints.remove(name));
        operations.get(id).location = true;
        return aResponse().withStatus(202).withHeader("Location", opUrl(id));
      }
      ObjectNode body = body(r);
      body.put("name", name);
      ((ObjectNode) body.path("properties")).put("scoringUri", base() + "/batch/" + name + "/jobs");
      state(body, "Creating");
      Endpoint fresh = e != null ? e : new Endpoint();
      fresh.resource = body;
      batchEndpoints.put(name, fresh);
      String id = newOp(() -> state(body, "Succeeded"));
      return json(e == null ? 201 : 200, body).withHeader("Azure-AsyncOperation", opUrl(id));
    }
    if (e == null) {
      return notFound("batchEndpoints", name);
    }
    if (method.equals("GET")) {
      ObjectNode d = e.deployments.get(p[3]);
      return d == null ? notFound("deployments", p[3]) : json(200, d);
    }
    if (method.equals("DELETE")) {
      if (e.deployments.get(p[3]) == null) {
        return aResponse().withStatus(204);
      }
      String id = newOp(() -> e.deployments.remove(p[3]));
      operations.get(id).location = true;
      return aResponse().withStatus(202).withHeader("Location", opUrl(id));
    }
    ObjectNode body = body(r);
    body.put("name", p[3]);
    state(body, "Creating");
    e.deployments.put(p[3], body);
    String id = newOp(() -> state(body, "Succeeded"));
    return json(201, body).withHeader("Azure-AsyncOperation", opUrl(id));
  }

  private ResponseDefinitionBuilder invokeBatch(Request r, String path) {
    if (!("Bearer " + ML_TOKEN).equals(r.getHeader("Authorization"))) {
      return aResponse().withStatus(401).withBody("batch endpoints take Entra ID tokens");
    }
    String job = "batchjob-" + UUID.randomUUID().toString().substring(0, 8);
    long now = System.nanoTime();
    jobs.put(job, new Job(now + jobLatency.toNanos() / 2, now + jobLatency.toNanos()));
    ObjectNode j = JSON.createObjectNode();
    j.put("id", "/jobs/" + job);
    j.put("name", job);
    j.putObject("properties").put("status", "NotStarted");
    return json(200, j);
  }

  private ResponseDefinitionBuilder job(String method, String[] p) {
    Job j = jobs.get(p[1]);
    if (j == null) {
      return notFound("jobs", p[1]);
    }
    if (p.length == 3 && p[2].equals("cancel")) {
      j.cancelled = true;
      return aResponse().withStatus(202).withHeader("Location", opUrl(newOp(() -> {})));
    }
    long now = System.nanoTime();
    String status =
        j.cancelled
            ? "Canceled"
            : now >= j.doneAt ? "Completed" : now >= j.runningAt ? "Running" : "Queued";
    ObjectNode body = JSON.createObjectNode();
    body.put("name", p[1]);
    ObjectNode props = body.putObject("properties");
    props.put("jobType", "Pipeline");
    props.put("status", status);
    return json(200, body);
  }

  // ---------------------------------------------------------------- operations

  private String newOp(Runnable onDone) {
    return newOp(onDone, false);
  }

  private String newOp(Runnable onDone, boolean fail) {
    String id = UUID.randomUUID().toString();
    Op op = new Op(System.nanoTime() + latency.toNanos(), onDone);
    op.failed = fail;
    operations.put(id, op);
    return id;
  }

  private String opUrl(String id) {
    return base() + "/operations/" + id + "?api-version=2025-12-01";
  }

  private ResponseDefinitionBuilder operation(String id) {
    polls.incrementAndGet();
    Op op = operations.get(id);
    if (op == null) {
      return notFound("operations", id);
    }
    ObjectNode status = JSON.createObjectNode();
    if (System.nanoTime() < op.readyAt) {
      status.put("status", "InProgress");
      return json(op.location ? 202 : 200, status).withHeader("Retry-After", "0");
    }
    synchronized (op) {
      if (!op.done) {
        op.done = true;
        op.onDone.run();
      }
    }
    if (op.failed) {
      status.put("status", "Failed");
      ObjectNode err = status.putObject("error");
      err.put("code", "ResourceOperationFailure");
      err.put("message", "Container failed to start: inference server crashed");
      return json(200, status);
    }
    if (op.location) {
      return aResponse().withStatus(204);
    }
    status.put("status", "Succeeded");
    return json(200, status);
  }

  // ---------------------------------------------------------------- helpers

  private static void state(ObjectNode resource, String state) {
    ((ObjectNode) resource.path("properties")).put("provisioningState", state);
  }

  private static String state(ObjectNode resource) {
    return resource.path("properties").path("provisioningState").asText();
  }

  private static ObjectNode body(Request r) {
    try {
      return (ObjectNode) JSON.readTree(r.getBody());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static ResponseDefinitionBuilder json(int status, JsonNode body) {
    return aResponse()
        .withStatus(status)
        .withHeader("Content-Type", "application/json")
        .withHeader("x-ms-request-id", UUID.randomUUID().toString())
        .withBody(body.toString());
  }

  private static ResponseDefinitionBuilder notFound(String kind, String name) {
    return error(404, "ResourceNotFound", kind + " '" + name + "' was not found");
  }

  static ResponseDefinitionBuilder error(int status, String code, String message) {
    ObjectNode root = JSON.createObjectNode();
    ObjectNode err = root.putObject("error");
    err.put("code", code);
    err.put("message", message);
    return json(status, root);
  }

  /**
   * Everything the fake holds, one canonical line each (keys sorted, provisioning state left out):
   * model versions, environments, blobs, online and batch endpoints and their deployments with
   * every setting, and batch jobs still running.
   */
  java.util.Set<String> resources() {
    java.util.Set<String> all = new java.util.TreeSet<>();
    models.forEach((k, v) -> all.add("model:" + k + " " + canonical(v)));
    environments.forEach((k, v) -> all.add("environment:" + k + " " + canonical(v)));
    autoscaleSettings.forEach((k, v) -> all.add("autoscaleSetting:" + k + " " + canonical(v)));
    blobs.forEach((k, v) -> all.add("blob:" + k + " " + v.length + " bytes"));
    endpoints.forEach(
        (k, e) -> {
          all.add("onlineEndpoint:" + k + " " + canonical(e.resource));
          e.deployments.forEach(
              (dn, d) -> all.add("onlineDeployment:" + k + "/" + dn + " " + canonical(d)));
        });
    batchEndpoints.forEach(
        (k, e) -> {
          all.add("batchEndpoint:" + k + " " + canonical(e.resource));
          e.deployments.forEach(
              (dn, d) -> all.add("batchDeployment:" + k + "/" + dn + " " + canonical(d)));
        });
    long now = System.nanoTime();
    jobs.forEach(
        (k, j) -> {
          if (!j.cancelled && now < j.doneAt) {
            all.add("job:" + k + " running");
          }
        });
    return all;
  }

  private static String canonical(JsonNode node) {
    ObjectNode copy = node.deepCopy();
    if (copy.path("properties") instanceof ObjectNode props) {
      props.remove("provisioningState");
    }
    try {
      Object plain = JSON.convertValue(copy, Object.class);
      return JSON.writer()
          .with(com.fasterxml.jackson.databind.SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
          .writeValueAsString(plain);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  Optional<ObjectNode> deployment(String endpoint, String deployment) {
    return Optional.ofNullable(endpoints.get(endpoint)).map(e -> e.deployments.get(deployment));
  }
}
