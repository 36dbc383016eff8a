package io.serve4j.aws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.serve4j.InferenceRequest;
import io.serve4j.protocol.OipJson;
import io.serve4j.testkit.ContractModels;
import io.serve4j.testkit.Fault;
import io.serve4j.testkit.FaultFixture;
import io.serve4j.testkit.WireCalls;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * A stateful loopback fake of the parts of SageMaker, SageMaker Runtime, Application Auto Scaling,
 * S3 and STS that the provider calls, speaking their wire protocols (awsJson1_1 with {@code
 * X-Amz-Target}, restJson1, S3 REST/XML, STS query). Endpoints move Creating → InService after a
 * minimum time and a few describes; invocations answer like the ReLU contract model. Endpoints
 * whose config has an {@code AsyncInferenceConfig} take {@code InvokeEndpointAsync} instead: the
 * fake reads the input from its S3, and writes the answer (or an armed model error) to the output
 * (failure) path a while later.
 */
final class FakeAws implements AutoCloseable, FaultFixture.CallFaults {
  static final String ACCOUNT = "123456789012";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One request as it reached the fake. */
  record Call(
      String method,
      String path,
      String query,
      String target,
      Map<String, String> headers,
      byte[] body) {
    JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }

    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  private static final class Endpoint {
    final String name;
    String config;
    String pendingConfig;
    String status = "Creating";
    long readyAt;
    int polls;
    String failureReason;
    final Map<String, Float> weights = new LinkedHashMap<>();

    Endpoint(String name) {
      this.name = name;
    }
  }

  private static final class Job {
    final ObjectNode request;
    String status = "InProgress";
    int polls;

    Job(ObjectNode request) {
      this.request = request;
    }
  }

  private final HttpServer server;
  private final ExecutorService executor = Executors.newCachedThreadPool();

  /** What InvokeEndpointWithResponseStream streams, per endpoint. */
  private record StreamScript(
      java.util.List<String> chunks, Duration gap, int failAfter, AtomicInteger produced) {}

  private final Map<String, StreamScript> streamScripts =
      new java.util.concurrent.ConcurrentHashMap<>();
  private final AtomicInteger streamOpenFailures = new AtomicInteger();
  private final java.util.concurrent.ScheduledExecutorService queue =
      Executors.newSingleThreadScheduledExecutor();
  private final List<Call> calls = new CopyOnWriteArrayList<>();
  private final Map<String, JsonNode> models = new ConcurrentHashMap<>();
  private final Map<String, JsonNode> configs = new ConcurrentHashMap<>();
  private final Map<String, Endpoint> endpoints = new ConcurrentHashMap<>();
  private final Map<String, JsonNode> scalableTargets = new ConcurrentHashMap<>();
  private final Map<String, JsonNode> policies = new ConcurrentHashMap<>();
  private final Map<String, Job> jobs = new ConcurrentHashMap<>();
  private final Set<String> buckets = ConcurrentHashMap.newKeySet();
  private final Map<String, byte[]> objects = new ConcurrentHashMap<>();
  private final Map<String, Map<Integer, byte[]>> uploads = new ConcurrentHashMap<>();
  private final Map<String, Integer> throttles = new ConcurrentHashMap<>();
  private final Map<String, Duration> delays = new ConcurrentHashMap<>();
  private final AtomicLong predictions = new AtomicLong();
  private volatile Duration deployTime = Duration.ofMillis(600);
  private volatile int minPolls = 2;
  private volatile String modelErrorMessage;
  private volatile Duration asyncDelay = Duration.ofMillis(300);
  private volatile String fault;
  private final ConcurrentLinkedQueue<Fault> injected = new ConcurrentLinkedQueue<>();
  private final Map<Fault.Call, AtomicLong> callRequests = new ConcurrentHashMap<>();
  private final Map<Fault.Call, ConcurrentLinkedQueue<Fault>> callFaults =
      new ConcurrentHashMap<>();
  private final WireCalls wire = new WireCalls();

  /**
   * A control-plane call the fake refuses: a fault injected through {@link #wireCalls()} is
   * answered to that call's SDK retries too (up to 9 of them; the SDK's default makes at most 3
   * retries), as when SageMaker refuses a call for good; any other call ends the refusal.
   */
  private volatile String refusing;

  private volatile Fault refusal;
  private final java.util.concurrent.atomic.AtomicInteger refusalsLeft =
      new java.util.concurrent.atomic.AtomicInteger();

  /**
   * Every request is checked against AWS's published service models ({@link RequestConformance}); a
   * request that does not conform is refused with a 400 naming the violation, and {@link #close}
   * fails the test with every violation seen.
   */
  private static volatile RequestConformance conformance;

  private final List<String> violations = new CopyOnWriteArrayList<>();
  private final AtomicLong checked = new AtomicLong();

  private static RequestConformance conformance() {
    RequestConformance c = conformance;
    if (c == null) {
      c = new RequestConformance(ServiceModels.all());
      conformance = c;
    }
    return c;
  }

  FakeAws() {
    conformance(); // fails here, with how to install them, if the models are missing
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  URI uri() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  /** Makes a bucket exist. */
  FakeAws bucket(String name) {
    buckets.add(name);
    return this;
  }

  FakeAws deployTime(Duration d) {
    this.deployTime = d;
    return this;
  }

  /** How many DescribeEndpoint calls an endpoint answers Creating / Updating at least. */
  FakeAws minPolls(int n) {
    this.minPolls = n;
    return this;
  }

  Duration deployTime() {
    return deployTime;
  }

  /** Answers the next {@code times} calls of {@code operation} with a ThrottlingException. */
  void throttle(String operation, int times) {
    throttles.put(operation, times);
  }

  /**
   * Answers the next call of {@code operation} only after {@code delay}: a SageMaker or Application
   * Auto Scaling action ({@code "DescribeEndpoint"}), {@code "InvokeEndpoint"}, {@code
   * "GetCallerIdentity"} or an S3 method ({@code "S3 PUT"}).
   */
  void delay(String operation, Duration delay) {
    delays.put(operation, delay);
  }

  /** How long an asynchronous inference stays queued before its result is written. */
  FakeAws asyncDelay(Duration d) {
    this.asyncDelay = d;
    return this;
  }

  /** Answers the next invocation with a container error (ModelError, 424). */
  void modelError(String message) {
    this.modelErrorMessage = message;
  }

  /**
   * Breaks the next invocation: {@code "malformed"} (200 with a body that is not OIP JSON), {@code
   * "drop"} (connection closed without an answer) or {@code "slow"} (answers after 3 s).
   */
  void fault(String kind) {
    this.fault = kind;
  }

  /**
   * Answers the next invocations with these faults, in order, replacing any still queued; no faults
   * clears the queue. On the wire they are what SageMaker Runtime sends: THROTTLE a 400 {@code
   * ThrottlingException} ("Rate exceeded"; the fake adds a {@code Retry-After} of the fault's
   * duration, which SageMaker does not document), SERVER_ERROR a 500 {@code InternalFailure},
   * UNAVAILABLE a 503 {@code ServiceUnavailable}, CONNECTION_RESET the connection closed without an
   * answer, SLOW the answer after the fault's duration (on the handler's own thread, so other
   * requests are served meanwhile), MALFORMED_BODY a 200 whose body is not OIP JSON.
   */
  void injectFaults(Fault... faults) {
    injected.clear();
    injected.addAll(List.of(faults));
  }

  long predictionsReceived() {
    return predictions.get();
  }

  /**
   * Fails the next requests of a call on demand: PREDICT the InvokeEndpoint calls ({@link
   * #injectFaults}), DESCRIBE DescribeEndpoint, LIST ListEndpoints, DELETE DeleteEndpoint (a 503
   * ServiceUnavailable, a 500 InternalFailure, a ThrottlingException, or a slow answer).
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
    q.addAll(List.of(next));
  }

  @Override
  public long requests(Fault.Call call) {
    if (call == Fault.Call.PREDICT) {
      return predictions.get();
    }
    AtomicLong n = callRequests.get(call);
    return n == null ? 0 : n.get();
  }

  private void callFault(String operation) {
    Fault.Call call =
        switch (operation) {
          case "DescribeEndpoint" -> Fault.Call.DESCRIBE;
          case "ListEndpoints" -> Fault.Call.LIST;
          case "DeleteEndpoint" -> Fault.Call.DELETE;
          default -> null;
        };
    if (call == null) {
      return;
    }
    callRequests.computeIfAbsent(call, c -> new AtomicLong()).incrementAndGet();
    ConcurrentLinkedQueue<Fault> q = callFaults.get(call);
    Fault f = q == null ? null : q.poll();
    if (f == null) {
      return;
    }
    switch (f.kind()) {
      case SLOW -> {
        try {
          Thread.sleep(f.duration().toMillis());
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw new DropConnection();
        }
      }
      case THROTTLE -> throw new AwsError(400, "ThrottlingException", "Rate exceeded");
      case SERVER_ERROR ->
          throw new AwsError(500, "InternalFailure", "An internal failure occurred.");
      case UNAVAILABLE -> throw new AwsError(503, "ServiceUnavailable", "Service Unavailable");
      default -> throw new IllegalArgumentException("cannot inject " + f.kind() + " into " + call);
    }
  }

  /** An answer that is not what an AWS service sends: a proxy's error page, an empty body. */
  record RawAnswer(int status, String contentType, String body, String requestId) {}

  private final Map<String, ConcurrentLinkedQueue<RawAnswer>> rawAnswers =
      new ConcurrentHashMap<>();

  /**
   * Answers the next {@code times} calls of {@code operation} (as {@link #delay} names them) with
   * exactly this status, content type and body, and an {@code x-amzn-RequestId} only if {@code
   * answer.requestId()} is not null.
   */
  void answerRaw(String operation, int times, RawAnswer answer) {
    ConcurrentLinkedQueue<RawAnswer> q = new ConcurrentLinkedQueue<>();
    for (int i = 0; i < times; i++) {
      q.add(answer);
    }
    rawAnswers.put(operation, q);
  }

  void clearRawAnswers() {
    rawAnswers.clear();
  }

  private boolean rawAnswer(HttpExchange ex, String operation) throws IOException {
    ConcurrentLinkedQueue<RawAnswer> q = rawAnswers.get(operation);
    RawAnswer a = q == null ? null : q.poll();
    if (a == null) {
      return false;
    }
    if (a.contentType() != null) {
      ex.getResponseHeaders().add("Content-Type", a.contentType());
    }
    if (a.requestId() != null) {
      ex.getResponseHeaders().add("x-amzn-RequestId", a.requestId());
      ex.getResponseHeaders().add("x-amz-request-id", a.requestId());
      ex.getResponseHeaders().add("x-amz-id-2", a.requestId() + "-extended");
    }
    byte[] body = a.body() == null ? new byte[0] : a.body().getBytes(StandardCharsets.UTF_8);
    if (body.length == 0 || "HEAD".equals(ex.getRequestMethod())) {
      ex.sendResponseHeaders(a.status(), -1);
    } else {
      ex.sendResponseHeaders(a.status(), body.length);
      ex.getResponseBody().write(body);
    }
    return true;
  }

  List<Call> calls() {
    return List.copyOf(calls);
  }

  List<Call> calls(String target) {
    return calls.stream().filter(c -> target.equals(c.target())).toList();
  }

  List<Call> calls(Predicate<Call> p) {
    return calls.stream().filter(p).toList();
  }

  void clearCalls() {
    calls.clear();
  }

  /** Returns an object's bytes, or null. */
  byte[] object(String bucket, String key) {
    return objects.get(bucket + "/" + key);
  }

  Set<String> objectKeys() {
    return Set.copyOf(objects.keySet());
  }

  boolean hasModel(String name) {
    return models.containsKey(name);
  }

  Set<String> modelNames() {
    return Set.copyOf(models.keySet());
  }

  Set<String> configNames() {
    return Set.copyOf(configs.keySet());
  }

  Set<String> scalableTargetIds() {
    return Set.copyOf(scalableTargets.keySet());
  }

  JsonNode model(String name) {
    return models.get(name);
  }

  /**
   * Writes what the JVM's fakes checked so far, by operation, to {@code
   * target/service-model-checks.txt} (rewritten at each close).
   */
  private static void writeConformanceReport() {
    StringBuilder b =
        new StringBuilder("requests checked against AWS's service models: ")
            .append(RequestConformance.CHECKED.get())
            .append('\n');
    new TreeMap<>(RequestConformance.BY_OPERATION)
        .forEach((op, n) -> b.append(n.get()).append('\t').append(op).append('\n'));
    try {
      java.nio.file.Path dir = java.nio.file.Path.of("target");
      if (java.nio.file.Files.isDirectory(dir)) {
        java.nio.file.Files.writeString(dir.resolve("service-model-checks.txt"), b);
      }
    } catch (IOException e) {
      // the report is informative only
    }
  }

  /** The model violations seen so far, removed from what {@link #close} reports. */
  List<String> takeViolations() {
    List<String> out = List.copyOf(violations);
    violations.removeAll(out);
    return out;
  }

  /** How many requests this fake checked against the service models. */
  long requestsChecked() {
    return checked.get();
  }

  /**
   * Stops the fake.
   *
   * @throws AssertionError if a request it received did not conform to AWS's service models
   */
  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
    queue.shutdownNow();
    System.out.println(
        "FakeAws: "
            + checked.get()
            + " requests checked against AWS's service models ("
            + RequestConformance.CHECKED.get()
            + " in this JVM), "
            + violations.size()
            + " violations");
    writeConformanceReport();
    if (!violations.isEmpty()) {
      throw new AssertionError(
          "requests that do not conform to AWS's service models:\n  "
              + String.join("\n  ", new TreeSet<>(violations)));
    }
  }

  // ---------------------------------------------------------------- dispatch

  private void handle(HttpExchange ex) throws IOException {
    try {
      byte[] raw = ex.getRequestBody().readAllBytes();
      Map<String, String> headers = new TreeMap<>();
      ex.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), v.get(0)));
      byte[] body = decodeChunked(headers, raw);
      String target = headers.get("x-amz-target");
      String path = ex.getRequestURI().getRawPath();
      String query = ex.getRequestURI().getRawQuery();
      Call call = new Call(ex.getRequestMethod(), path, query, target, headers, body);
      calls.add(call);
      RequestConformance.Result checkedCall = conformance().check(call);
      checked.incrementAndGet();
      if (!checkedCall.violations().isEmpty()) {
        violations.addAll(checkedCall.violations());
        throw new AwsError(
            400,
            "ValidationException",
            "request does not conform to the AWS service model: " + checkedCall.violations());
      }
      if (rawAnswer(ex, operationOf(call))) {
        return;
      }
      wireFault(operationOf(call));
      delay(operationOf(call));
      callFault(operationOf(call));
      if (target != null && target.startsWith("SageMaker.")) {
        json(ex, sagemaker(target.substring("SageMaker.".length()), (ObjectNode) call.json()));
      } else if (target != null && target.startsWith("AnyScaleFrontendService.")) {
        json(ex, scaling(target.substring(target.indexOf('.') + 1), (ObjectNode) call.json()));
      } else if (path.matches("/endpoints/[^/]+/invocations")) {
        invoke(ex, call, URLDecoder.decode(path.split("/")[2], StandardCharsets.UTF_8));
      } else if (path.matches("/endpoints/[^/]+/async-invocations")) {
        invokeAsync(ex, call, URLDecoder.decode(path.split("/")[2], StandardCharsets.UTF_8));
      } else if (path.matches("/endpoints/[^/]+/invocations-response-stream")) {
        invokeStream(ex, URLDecoder.decode(path.split("/")[2], StandardCharsets.UTF_8));
      } else if ("POST".equals(call.method())
          && path.equals("/")
          && new String(body, StandardCharsets.UTF_8).contains("Action=GetCallerIdentity")) {
        sts(ex);
      } else {
        s3(ex, call);
      }
    } catch (DropConnection e) {
      // the exchange is abandoned: the client sees the connection close without an answer
    } catch (AwsError e) {
      error(ex, e);
    } catch (RuntimeException e) {
      e.printStackTrace();
      error(ex, new AwsError(500, "InternalFailure", e.toString()));
    } finally {
      ex.close();
    }
  }

  /** The log and gate of control-plane calls, for LifecycleSafetyContract. */
  WireCalls wireCalls() {
    return wire;
  }

  private void wireFault(String operation) {
    if (operation.equals("InvokeEndpoint")
        || operation.equals("InvokeEndpointWithResponseStream")) {
      return;
    }
    Fault f = wire.arrive(operation);
    if (f == null && operation.equals(refusing) && refusalsLeft.getAndDecrement() > 0) {
      f = refusal;
    } else if (f != null) {
      refusing = operation;
      refusal = f;
      refusalsLeft.set(9);
    } else {
      refusing = null;
    }
    if (f == null) {
      return;
    }
    switch (f.kind()) {
      case THROTTLE -> throw new AwsError(400, "ThrottlingException", "Rate exceeded");
      case UNAVAILABLE -> throw new AwsError(503, "ServiceUnavailable", "Service Unavailable");
      default -> throw new AwsError(500, "InternalFailure", "An internal failure occurred.");
    }
  }

  /**
   * Everything the fake holds, as strings with the settings a failed or cancelled operation must
   * not change: models, endpoint configs, endpoints (config, status, weights), scalable targets and
   * policies, S3 objects, and running transform jobs.
   */
  Set<String> resources() {
    Set<String> out = new TreeSet<>();
    models.forEach(
        (n, m) ->
            out.add(
                "model:"
                    + n
                    + " "
                    + m.at("/PrimaryContainer/Image").asText()
                    + " "
                    + m.at("/PrimaryContainer/Environment")));
    configs.forEach((n, c) -> out.add("endpoint-config:" + n + " " + variants(c)));
    endpoints.forEach(
        (n, e) -> {
          synchronized (e) {
            out.add(
                "endpoint:"
                    + n
                    + " config="
                    + e.config
                    + " pending="
                    + e.pendingConfig
                    + " "
                    + e.status
                    + " "
                    + new TreeMap<>(e.weights));
          }
        });
    scalableTargets.forEach(
        (id, t) ->
            out.add(
                "scalable-target:"
                    + id
                    + " min="
                    + t.path("MinCapacity").asInt()
                    + " max="
                    + t.path("MaxCapacity").asInt()));
    policies.forEach((k, p) -> out.add("scaling-policy:" + k + " " + p));
    objects.keySet().forEach(k -> out.add("s3:" + k));
    jobs.forEach(
        (n, j) -> {
          synchronized (j) {
            if (j.status.equals("InProgress") || j.status.equals("Stopping")) {
              out.add("transform-job:" + n + " " + j.status);
            }
          }
        });
    return out;
  }

  private static String operationOf(Call call) {
    if (call.target() != null) {
      return call.target().substring(call.target().indexOf('.') + 1);
    }
    if (call.path().matches("/endpoints/[^/]+/invocations")) {
      return "InvokeEndpoint";
    }
    if (call.path().matches("/endpoints/[^/]+/async-invocations")) {
      return "InvokeEndpointAsync";
    }
    if (call.path().matches("/endpoints/[^/]+/invocations-response-stream")) {
      return "InvokeEndpointWithResponseStream";
    }
    if ("POST".equals(call.method())
        && call.path().equals("/")
        && new String(call.body(), StandardCharsets.UTF_8).contains("Action=GetCallerIdentity")) {
      return "GetCallerIdentity";
    }
    return "S3 " + call.method();
  }

  private void delay(String operation) {
    Duration d = delays.remove(operation);
    if (d == null) {
      return;
    }
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException interrupted) {
      Thread.currentThread().interrupt();
      throw new DropConnection();
    }
  }

  private static final class DropConnection extends RuntimeException {
    private static final long serialVersionUID = 1L;
  }

  private static final class AwsError extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final int status;
    final String code;
    final String retryAfter;

    AwsError(int status, String code, String message) {
      this(status, code, message, null);
    }

    /** An error with this Retry-After header; "" sends none. */
    AwsError(int status, String code, String message, String retryAfter) {
      super(message);
      this.status = status;
      this.code = code;
      this.retryAfter = retryAfter;
    }
  }

  private static AwsError validation(String message) {
    return new AwsError(400, "ValidationException", message);
  }

  private void throttleCheck(String op) {
    Integer left = throttles.computeIfPresent(op, (k, v) -> v - 1);
    if (left != null && left >= 0) {
      throw new AwsError(400, "ThrottlingException", "Rate exceeded");
    }
  }

  // ---------------------------------------------------------------- SageMaker

  private ObjectNode sagemaker(String op, ObjectNode in) {
    throttleCheck(op);
    ObjectNode out = JSON.createObjectNode();
    switch (op) {
      case "CreateModel" -> {
        String name = in.get("ModelName").asText();
        if (models.putIfAbsent(name, in) != null) {
          throw validation("Cannot create already existing model \"" + arn("model", name) + "\".");
        }
        out.put("ModelArn", arn("model", name));
      }
      case "DescribeModel" -> {
        String name = in.get("ModelName").asText();
        JsonNode m = models.get(name);
        if (m == null) {
          throw validation("Could not find model \"" + arn("model", name) + "\".");
        }
        out.setAll((ObjectNode) m.deepCopy());
        out.put("ModelArn", arn("model", name));
        out.put("CreationTime", now());
      }
      case "DeleteModel" -> {
        String name = in.get("ModelName").asText();
        if (models.remove(name) == null) {
          throw validation("Could not find model \"" + arn("model", name) + "\".");
        }
      }
      case "CreateEndpointConfig" -> {
        String name = in.get("EndpointConfigName").asText();
        for (JsonNode v : variants(in)) {
          if (!models.containsKey(v.get("ModelName").asText())) {
            throw validation("Could not find model \"" + v.get("ModelName").asText() + "\".");
          }
        }
        if (configs.putIfAbsent(name, in) != null) {
          throw validation(
              "Cannot create already existing endpoint configuration \"" + name + "\".");
        }
        out.put("EndpointConfigArn", arn("endpoint-config", name));
      }
      case "DescribeEndpointConfig" -> {
        String name = in.get("EndpointConfigName").asText();
        JsonNode c = configs.get(name);
        if (c == null) {
          throw validation(
              "Could not find endpoint configuration \"" + arn("endpoint-config", name) + "\".");
        }
        out.setAll((ObjectNode) c.deepCopy());
        out.put("EndpointConfigArn", arn("endpoint-config", name));
        out.put("CreationTime", now());
      }
      case "DeleteEndpointConfig" -> {
        String name = in.get("EndpointConfigName").asText();
        if (configs.remove(name) == null) {
          throw validation(
              "Could not find endpoint configuration \"" + arn("endpoint-config", name) + "\".");
        }
      }
      case "CreateEndpoint" -> {
        String name = in.get("EndpointName").asText();
        String config = in.get("EndpointConfigName").asText();
        if (!configs.containsKey(config)) {
          throw validation("Could not find endpoint configuration \"" + config + "\".");
        }
        Endpoint e = new Endpoint(name);
        e.config = config;
        e.readyAt = System.nanoTime() + deployTime.toNanos();
        weights(e, configs.get(config));
        if (endpoints.putIfAbsent(name, e) != null) {
          throw validation(
              "Cannot create already existing endpoint \"" + arn("endpoint", name) + "\".");
        }
        out.put("EndpointArn", arn("endpoint", name));
      }
      case "DescribeEndpoint" -> describeEndpoint(endpoint(in), out);
      case "UpdateEndpoint" -> {
        Endpoint e = endpoint(in);
        String config = in.get("EndpointConfigName").asText();
        if (!configs.containsKey(config)) {
          throw validation("Could not find endpoint configuration \"" + config + "\".");
        }
        synchronized (e) {
          if (!e.status.equals("InService")) {
            throw validation(
                "Cannot update in-progress endpoint \"" + arn("endpoint", e.name) + "\".");
          }
          e.pendingConfig = config;
          e.status = "Updating";
          e.polls = 0;
          e.readyAt = System.nanoTime() + deployTime.toNanos();
        }
        out.put("EndpointArn", arn("endpoint", e.name));
      }
      case "UpdateEndpointWeightsAndCapacities" -> {
        Endpoint e = endpoint(in);
        synchronized (e) {
          if (!e.status.equals("InService")) {
            throw validation(
                "Cannot update in-progress endpoint \"" + arn("endpoint", e.name) + "\".");
          }
          for (JsonNode d : in.get("DesiredWeightsAndCapacities")) {
            String v = d.get("VariantName").asText();
            if (!e.weights.containsKey(v)) {
              throw validation("The variant name(s) [" + v + "] is/are not present.");
            }
            if (d.has("DesiredWeight")) {
              e.weights.put(v, (float) d.get("DesiredWeight").asDouble());
            }
          }
          e.status = "Updating";
          e.polls = 0;
          e.readyAt = System.nanoTime() + Duration.ofMillis(100).toNanos();
        }
        out.put("EndpointArn", arn("endpoint", e.name));
      }
      case "DeleteEndpoint" -> {
        Endpoint e = endpoint(in);
        endpoints.remove(e.name);
      }
      case "ListEndpoints" -> {
        List<String> names = endpoints.keySet().stream().sorted().toList();
        int start = in.has("NextToken") ? Integer.parseInt(in.get("NextToken").asText()) : 0;
        // Like the real service, pages may be shorter than MaxResults: at most 2 here.
        int max = Math.min(2, in.has("MaxResults") ? in.get("MaxResults").asInt() : 10);
        ArrayNode list = out.putArray("Endpoints");
        for (int i = start; i < Math.min(names.size(), start + max); i++) {
          Endpoint e = endpoints.get(names.get(i));
          if (e == null) {
            continue;
          }
          list.addObject()
              .put("EndpointName", e.name)
              .put("EndpointArn", arn("endpoint", e.name))
              .put("CreationTime", now())
              .put("LastModifiedTime", now())
              .put("EndpointStatus", e.status);
        }
        if (start + max < names.size()) {
          out.put("NextToken", String.valueOf(start + max));
        }
      }
      case "CreateTransformJob" -> {
        String name = in.get("TransformJobName").asText();
        if (!models.containsKey(in.get("ModelName").asText())) {
          throw validation("Could not find model \"" + in.get("ModelName").asText() + "\".");
        }
        if (jobs.putIfAbsent(name, new Job(in)) != null) {
          throw validation("Job name must be unique within an AWS account and region.");
        }
        out.put("TransformJobArn", arn("transform-job", name));
      }
      case "DescribeTransformJob" -> {
        String name = in.get("TransformJobName").asText();
        Job j = jobs.get(name);
        if (j == null) {
          throw validation("Could not find requested job with name " + name);
        }
        synchronized (j) {
          j.polls++;
          if (j.status.equals("InProgress") && j.polls > minPolls) {
            String input = j.request.at("/TransformInput/DataSource/S3DataSource/S3Uri").asText();
            j.status = input.contains("fail") ? "Failed" : "Completed";
          } else if (j.status.equals("Stopping")) {
            j.status = "Stopped";
          }
        }
        out.setAll(j.request.deepCopy());
        out.put("TransformJobArn", arn("transform-job", name));
        out.put("TransformJobStatus", j.status);
        out.put("CreationTime", now());
        if (j.status.equals("Failed")) {
          out.put("FailureReason", "ClientError: no input objects under the prefix");
        }
      }
      case "StopTransformJob" -> {
        String name = in.get("TransformJobName").asText();
        Job j = jobs.get(name);
        if (j == null) {
          throw validation("Could not find requested job with name " + name);
        }
        synchronized (j) {
          if (j.status.equals("InProgress")) {
            j.status = "Stopping";
          }
        }
      }
      default -> throw new AwsError(400, "UnknownOperationException", "unknown " + op);
    }
    return out;
  }

  private Endpoint endpoint(JsonNode in) {
    String name = in.get("EndpointName").asText();
    Endpoint e = endpoints.get(name);
    if (e == null) {
      throw validation("Could not find endpoint \"" + arn("endpoint", name) + "\".");
    }
    return e;
  }

  private static List<JsonNode> variants(JsonNode config) {
    List<JsonNode> all = new ArrayList<>();
    config.path("ProductionVariants").forEach(all::add);
    config.path("ShadowProductionVariants").forEach(all::add);
    return all;
  }

  private void weights(Endpoint e, JsonNode config) {
    e.weights.clear();
    for (JsonNode v : variants(config)) {
      e.weights.put(
          v.get("VariantName").asText(), (float) v.path("InitialVariantWeight").asDouble(1.0));
    }
  }

  private void describeEndpoint(Endpoint e, ObjectNode out) {
    synchronized (e) {
      e.polls++;
      if ((e.status.equals("Creating") || e.status.equals("Updating"))
          && e.polls >= minPolls
          && System.nanoTime() - e.readyAt >= 0) {
        String config = e.pendingConfig != null ? e.pendingConfig : e.config;
        JsonNode c = configs.get(config);
        boolean broken =
            c != null
                && variants(c).stream()
                    .map(v -> models.get(v.get("ModelName").asText()))
                    .anyMatch(
                        m ->
                            m != null
                                && m.at("/PrimaryContainer/Image").asText().contains("broken"));
        if (broken && e.pendingConfig == null) {
          e.status = "Failed";
          e.failureReason =
              "The primary container for production variant failed to pass the ping"
                  + " health check.";
        } else if (broken) {
          e.status = "InService";
          e.pendingConfig = null;
          e.failureReason = "Rolled back: the new fleet failed health checks.";
        } else {
          if (e.pendingConfig != null) {
            e.config = e.pendingConfig;
            e.pendingConfig = null;
            weights(e, c);
          }
          e.status = "InService";
        }
      }
      out.put("EndpointName", e.name);
      out.put("EndpointArn", arn("endpoint", e.name));
      out.put("EndpointConfigName", e.config);
      out.put("EndpointStatus", e.status);
      out.put("CreationTime", now());
      out.put("LastModifiedTime", now());
      if (e.failureReason != null) {
        out.put("FailureReason", e.failureReason);
      }
      JsonNode config = configs.get(e.config);
      if (config != null && !e.status.equals("Creating")) {
        summaries(e, out.putArray("ProductionVariants"), config.path("ProductionVariants"));
        if (config.has("ShadowProductionVariants")) {
          summaries(
              e, out.putArray("ShadowProductionVariants"), config.path("ShadowProductionVariants"));
        }
      }
    }
  }

  private static void summaries(Endpoint e, ArrayNode out, JsonNode variants) {
    for (JsonNode v : variants) {
      String name = v.get("VariantName").asText();
      float w = e.weights.getOrDefault(name, 1f);
      ObjectNode summary =
          out.addObject().put("VariantName", name).put("CurrentWeight", w).put("DesiredWeight", w);
      if (v.has("ServerlessConfig")) {
        // A serverless variant has no instances (API_ProductionVariantSummary).
        summary.set("CurrentServerlessConfig", v.get("ServerlessConfig").deepCopy());
        summary.set("DesiredServerlessConfig", v.get("ServerlessConfig").deepCopy());
      } else {
        summary
            .put("CurrentInstanceCount", v.path("InitialInstanceCount").asInt(1))
            .put("DesiredInstanceCount", v.path("InitialInstanceCount").asInt(1));
      }
    }
  }

  // ---------------------------------------------------------------- Application Auto Scaling

  private ObjectNode scaling(String op, ObjectNode in) {
    throttleCheck(op);
    ObjectNode out = JSON.createObjectNode();
    switch (op) {
      case "RegisterScalableTarget" -> {
        String id = in.get("ResourceId").asText();
        String[] parts = id.split("/");
        Endpoint e = endpoints.get(parts[1]);
        if (e == null || !e.weights.containsKey(parts[3])) {
          throw validation("Could not find endpoint variant for resource " + id);
        }
        scalableTargets.put(id, in);
        out.put(
            "ScalableTargetARN",
            "arn:aws:application-autoscaling:us-east-1:"
                + ACCOUNT
                + ":scalable-target/"
                + id.hashCode());
      }
      case "PutScalingPolicy" -> {
        String id = in.get("ResourceId").asText();
        if (!scalableTargets.containsKey(id)) {
          throw new AwsError(
              400, "ObjectNotFoundException", "No scalable target registered for " + id);
        }
        policies.put(id + "|" + in.get("PolicyName").asText(), in);
        out.put("PolicyARN", "arn:aws:autoscaling:us-east-1:" + ACCOUNT + ":scalingPolicy:" + id);
        out.putArray("Alarms");
      }
      case "DescribeScalableTargets" -> {
        ArrayNode list = out.putArray("ScalableTargets");
        Set<String> ids = new java.util.HashSet<>();
        in.path("ResourceIds").forEach(n -> ids.add(n.asText()));
        scalableTargets.forEach(
            (id, t) -> {
              if (ids.isEmpty() || ids.contains(id)) {
                ObjectNode o = ((ObjectNode) t).deepCopy();
                o.put("CreationTime", now());
                o.put("RoleARN", "arn:aws:iam::" + ACCOUNT + ":role/aws-service-role");
                list.add(o);
              }
            });
      }
      case "DescribeScalingPolicies" -> {
        String id = in.get("ResourceId").asText();
        ArrayNode list = out.putArray("ScalingPolicies");
        policies.forEach(
            (k, p) -> {
              if (k.startsWith(id + "|")) {
                ObjectNode o = ((ObjectNode) p).deepCopy();
                o.put(
                    "PolicyARN",
                    "arn:aws:autoscaling:us-east-1:" + ACCOUNT + ":scalingPolicy:" + id);
                o.put("CreationTime", now());
                list.add(o);
              }
            });
      }
      case "DeregisterScalableTarget" -> {
        String id = in.get("ResourceId").asText();
        if (scalableTargets.remove(id) == null) {
          throw new AwsError(
              400, "ObjectNotFoundException", "No scalable target registered for " + id);
        }
        policies.keySet().removeIf(k -> k.startsWith(id + "|"));
      }
      default -> throw new AwsError(400, "UnknownOperationException", "unknown " + op);
    }
    return out;
  }

  JsonNode policy(String resourceId, String policyName) {
    return policies.get(resourceId + "|" + policyName);
  }

  // ---------------------------------------------------------------- Runtime

  /**
   * Makes the endpoint's next InvokeEndpointWithResponseStream stream these texts as PayloadPart
   * events, one every {@code gap}, each written only after the previous one; after {@code
   * failAfter} of them (if not negative) a ModelStreamError exception event ends the stream.
   */
  void streamScript(String endpoint, java.util.List<String> chunks, Duration gap, int failAfter) {
    streamScripts.put(
        endpoint,
        new StreamScript(java.util.List.copyOf(chunks), gap, failAfter, new AtomicInteger()));
  }

  /** Chunks written by the endpoint's current stream. */
  int streamed(String endpoint) {
    StreamScript s = streamScripts.get(endpoint);
    return s == null ? 0 : s.produced().get();
  }

  /** Makes the next stream fail before its first event with a 503. */
  void failNextStreamOpen() {
    streamOpenFailures.incrementAndGet();
  }

  /**
   * InvokeEndpointWithResponseStream: an {@code application/vnd.amazon.eventstream} body of
   * event-stream messages (prelude, headers, payload, CRCs), encoded with the AWS event-stream
   * library the SDK decodes them with, written and flushed one by one over chunked HTTP.
   */
  private void invokeStream(HttpExchange ex, String name) throws IOException {
    throttleCheck("InvokeEndpointWithResponseStream");
    predictions.incrementAndGet();
    if (!endpoints.containsKey(name)) {
      throw new AwsError(
          400, "ValidationError", "Endpoint " + name + " of account " + ACCOUNT + " not found.");
    }
    if (streamOpenFailures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      throw new AwsError(503, "ServiceUnavailable", "Service Unavailable");
    }
    StreamScript script = streamScripts.get(name);
    if (script == null) {
      throw new AwsError(
          400,
          "ValidationError",
          "Endpoint " + name + " does not support streaming (fake: no script)");
    }
    script.produced().set(0);
    ex.getResponseHeaders().set("Content-Type", "application/vnd.amazon.eventstream");
    ex.getResponseHeaders().set("X-Amzn-SageMaker-Content-Type", "text/plain");
    ex.getResponseHeaders().set("x-Amzn-Invoked-Production-Variant", "blue");
    ex.getResponseHeaders().set("x-amzn-RequestId", java.util.UUID.randomUUID().toString());
    ex.sendResponseHeaders(200, 0);
    java.io.OutputStream out = ex.getResponseBody();
    try {
      for (int i = 0; i < script.chunks().size(); i++) {
        if (script.failAfter() >= 0 && i == script.failAfter()) {
          Map<String, software.amazon.eventstream.HeaderValue> h = new java.util.LinkedHashMap<>();
          h.put(":message-type", software.amazon.eventstream.HeaderValue.fromString("exception"));
          h.put(
              ":exception-type",
              software.amazon.eventstream.HeaderValue.fromString("ModelStreamError"));
          h.put(
              ":content-type",
              software.amazon.eventstream.HeaderValue.fromString("application/json"));
          byte[] payload =
              ("{\"Message\":\"the model failed after "
                      + i
                      + " chunks\",\"ErrorCode\":\"ModelError\"}")
                  .getBytes(StandardCharsets.UTF_8);
          out.write(new software.amazon.eventstream.Message(h, payload).toByteBuffer().array());
          out.flush();
          return;
        }
        Thread.sleep(script.gap().toMillis());
        Map<String, software.amazon.eventstream.HeaderValue> h = new java.util.LinkedHashMap<>();
        h.put(":message-type", software.amazon.eventstream.HeaderValue.fromString("event"));
        h.put(":event-type", software.amazon.eventstream.HeaderValue.fromString("PayloadPart"));
        h.put(
            ":content-type",
            software.amazon.eventstream.HeaderValue.fromString("application/octet-stream"));
        out.write(
            new software.amazon.eventstream.Message(
                    h, script.chunks().get(i).getBytes(StandardCharsets.UTF_8))
                .toByteBuffer()
                .array());
        out.flush();
        script.produced().incrementAndGet();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DropConnection();
    } catch (IOException clientWentAway) {
      throw new DropConnection();
    }
  }

  private void invoke(HttpExchange ex, Call call, String name) throws IOException {
    throttleCheck("InvokeEndpoint");
    predictions.incrementAndGet();
    Endpoint e = endpoints.get(name);
    if (e == null) {
      throw new AwsError(
          400, "ValidationError", "Endpoint " + name + " of account " + ACCOUNT + " not found.");
    }
    if (asyncConfig(e) != null) {
      // SageMaker refuses InvokeEndpoint on an asynchronous endpoint with a 400 ValidationError;
      // its exact wording is undocumented, this message is the fake's approximation.
      throw new AwsError(
          400,
          "ValidationError",
          "Endpoint "
              + name
              + " is configured for asynchronous inference; invoke it with InvokeEndpointAsync.");
    }
    Fault next = injected.poll();
    if (next != null) {
      if (!inject(ex, next)) {
        return;
      }
    }
    String f = fault;
    fault = null;
    if ("drop".equals(f)) {
      ex.getResponseBody().close();
      ex.getRequestBody().close();
      throw new DropConnection();
    }
    if ("malformed".equals(f)) {
      send(
          ex,
          200,
          "application/json",
          null,
          "<html>502 Bad Gateway</html>".getBytes(StandardCharsets.UTF_8));
      return;
    }
    if ("slow".equals(f)) {
      try {
        Thread.sleep(3000);
      } catch (InterruptedException interrupted) {
        Thread.currentThread().interrupt();
      }
    }
    // A slowed call must not take a model error armed for a later test while it slept.
    boolean slowed = "slow".equals(f) || (next != null && next.kind() == Fault.Kind.SLOW);
    String error = slowed ? null : modelErrorMessage;
    if (error != null) {
      modelErrorMessage = null;
      ObjectNode body = JSON.createObjectNode();
      body.put(
          "message", "Received client error (400) from primary with message \"" + error + "\".");
      body.put("OriginalStatusCode", 400);
      body.put("OriginalMessage", error);
      body.put(
          "LogStreamArn",
          "arn:aws:logs:us-east-1:" + ACCOUNT + ":log-group:/aws/sagemaker/Endpoints/" + name);
      send(ex, 424, "application/json", "ModelError", JSON.writeValueAsBytes(body));
      return;
    }
    String variant = call.header("X-Amzn-SageMaker-Target-Variant");
    synchronized (e) {
      if (variant == null) {
        variant = pick(e, configs.get(e.config));
      } else if (!e.weights.containsKey(variant)) {
        throw new AwsError(400, "ValidationError", "Variant " + variant + " not found.");
      }
    }
    String targetModel = call.header("X-Amzn-SageMaker-Target-Model");
    if (targetModel != null) {
      loadTargetModel(e, variant, targetModel);
    }
    String contentType = call.header("Content-Type");
    byte[] answer = answer(contentType, call.body());
    ex.getResponseHeaders().add("x-Amzn-Invoked-Production-Variant", variant);
    String attributes = call.header("X-Amzn-SageMaker-Custom-Attributes");
    if (attributes != null) {
      ex.getResponseHeaders().add("X-Amzn-SageMaker-Custom-Attributes", "echo:" + attributes);
    }
    send(ex, 200, contentType == null ? "application/octet-stream" : contentType, null, answer);
  }

  // ---------------------------------------------------------------- multi-model endpoints

  /** Target models each endpoint has loaded (downloaded from its prefix), in load order. */
  private final Map<String, java.util.List<String>> loadedModels = new ConcurrentHashMap<>();

  /** Puts an S3 object, e.g. one model archive under a multi-model prefix. */
  FakeAws object(String bucket, String key, byte[] data) {
    buckets.add(bucket);
    objects.put(bucket + "/" + key, data);
    return this;
  }

  /** The target models an endpoint has loaded, in load order (each once). */
  java.util.List<String> loadedModels(String endpoint) {
    return java.util.List.copyOf(loadedModels.getOrDefault(endpoint, java.util.List.of()));
  }

  /**
   * TargetModel on InvokeEndpoint: the variant's model must be a MultiModel container (else
   * SageMaker's 400 "is not a multi-model endpoint and does not support target model header"), and
   * the object ModelDataUrl + TargetModel must exist; a missing one is answered with the 400
   * ValidationError "Failed to download model data" users report from SageMaker (the wording is not
   * in SageMaker's API reference). A model is loaded on its first use.
   */
  private void loadTargetModel(Endpoint e, String variant, String target) {
    JsonNode config = configs.get(e.config);
    String modelName = null;
    for (JsonNode v : config == null ? JSON.createArrayNode() : config.path("ProductionVariants")) {
      if (variant.equals(v.path("VariantName").asText())) {
        modelName = v.path("ModelName").asText();
      }
    }
    JsonNode container = modelName == null ? null : models.get(modelName).path("PrimaryContainer");
    if (container == null || !"MultiModel".equals(container.path("Mode").asText())) {
      throw new AwsError(
          400,
          "ValidationError",
          "Endpoint "
              + e.name
              + " is not a multi-model endpoint and does not support target model header.");
    }
    String url = container.path("ModelDataUrl").asText();
    String key = url.substring("s3://".length()) + target;
    if (!objects.containsKey(key)) {
      int slash = key.indexOf('/');
      throw new AwsError(
          400,
          "ValidationError",
          "Failed to download model data(bucket: "
              + key.substring(0, slash)
              + ", key: "
              + key.substring(slash + 1)
              + "). Please ensure that there is an object located at the URL and that the role"
              + " passed to CreateModel has permissions to download the model.");
    }
    java.util.List<String> loaded =
        loadedModels.computeIfAbsent(
            e.name, n -> new java.util.concurrent.CopyOnWriteArrayList<>());
    if (!loaded.contains(target)) {
      loaded.add(target);
    }
  }

  private JsonNode asyncConfig(Endpoint e) {
    JsonNode config = configs.get(e.config);
    JsonNode async = config == null ? null : config.get("AsyncInferenceConfig");
    return async == null || async.isNull() ? null : async;
  }

  /**
   * InvokeEndpointAsync: answers 202 with where the result will be, then writes it (or the armed
   * model error as the failure) after {@link #asyncDelay(Duration)}.
   */
  private void invokeAsync(HttpExchange ex, Call call, String name) throws IOException {
    throttleCheck("InvokeEndpointAsync");
    predictions.incrementAndGet();
    Endpoint e = endpoints.get(name);
    if (e == null) {
      throw new AwsError(
          400, "ValidationError", "Endpoint " + name + " of account " + ACCOUNT + " not found.");
    }
    JsonNode async = asyncConfig(e);
    if (async == null) {
      // The fake's approximation of SageMaker's (undocumented) wording for this refusal.
      throw new AwsError(
          400,
          "ValidationError",
          "Endpoint "
              + name
              + " is not configured for asynchronous inference; invoke it with InvokeEndpoint.");
    }
    String input = call.header("X-Amzn-SageMaker-InputLocation");
    if (input == null || !input.startsWith("s3://")) {
      throw new AwsError(400, "ValidationError", "InputLocation must be an S3 URI: " + input);
    }
    String id = call.header("X-Amzn-SageMaker-Inference-Id");
    if (id == null) {
      id = UUID.randomUUID().toString();
    }
    String object = UUID.randomUUID().toString();
    String output = join(async.at("/OutputConfig/S3OutputPath").asText(), object + ".out");
    String failurePath = async.at("/OutputConfig/S3FailurePath").asText("");
    String failure = failurePath.isEmpty() ? null : join(failurePath, object + "-error.out");
    String contentType = call.header("X-Amzn-SageMaker-Content-Type");
    String error = modelErrorMessage;
    modelErrorMessage = null;
    queue.schedule(
        () -> {
          byte[] in = objects.get(input.substring("s3://".length()));
          try {
            if (error != null) {
              throw new IllegalStateException(error);
            }
            if (in == null) {
              throw new IllegalStateException("could not read input " + input);
            }
            put(output, answer(contentType, in));
          } catch (RuntimeException failed) {
            if (failure != null) {
              put(failure, failed.getMessage().getBytes(StandardCharsets.UTF_8));
            }
          }
        },
        asyncDelay.toMillis(),
        java.util.concurrent.TimeUnit.MILLISECONDS);
    ex.getResponseHeaders().add("X-Amzn-SageMaker-OutputLocation", output);
    if (failure != null) {
      ex.getResponseHeaders().add("X-Amzn-SageMaker-FailureLocation", failure);
    }
    ObjectNode body = JSON.createObjectNode().put("InferenceId", id);
    send(ex, 202, "application/json", null, JSON.writeValueAsBytes(body));
  }

  private static String join(String prefix, String name) {
    return prefix.endsWith("/") ? prefix + name : prefix + "/" + name;
  }

  private void put(String s3Uri, byte[] data) {
    String id = s3Uri.substring("s3://".length());
    if (buckets.contains(id.substring(0, id.indexOf('/')))) {
      objects.put(id, data);
    }
  }

  /** What the ReLU container answers: OIP JSON for JSON, element-wise ReLU of CSV otherwise. */
  private static byte[] answer(String contentType, byte[] body) {
    if (contentType != null && contentType.startsWith("application/json")) {
      InferenceRequest request = OipJson.readRequest(body);
      return OipJson.writeResponse(ContractModels.reluAnswer(request));
    }
    String csv = new String(body, StandardCharsets.UTF_8).trim();
    return java.util.Arrays.stream(csv.split(","))
        .map(s -> String.valueOf(Math.max(0f, Float.parseFloat(s.trim()))))
        .collect(Collectors.joining(","))
        .getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Applies one injected fault to an invocation.
   *
   * @return true when the invocation then goes on to be answered normally (SLOW)
   */
  private boolean inject(HttpExchange ex, Fault f) throws IOException {
    switch (f.kind()) {
      case THROTTLE ->
          // A zero duration sends no Retry-After at all, as SageMaker sends its throttles.
          throw new AwsError(
              400,
              "ThrottlingException",
              "Rate exceeded",
              f.duration().isZero() ? "" : String.valueOf(f.duration().toSeconds()));
      case SERVER_ERROR ->
          throw new AwsError(500, "InternalFailure", "An internal failure occurred.");
      case UNAVAILABLE -> throw new AwsError(503, "ServiceUnavailable", "Service Unavailable");
      case CONNECTION_RESET -> {
        ex.getResponseBody().close();
        ex.getRequestBody().close();
        throw new DropConnection();
      }
      case MALFORMED_BODY -> {
        send(
            ex,
            200,
            "application/json",
            null,
            "<html>502 Bad Gateway</html>".getBytes(StandardCharsets.UTF_8));
        return false;
      }
      case SLOW -> {
        try {
          Thread.sleep(f.duration().toMillis());
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw new DropConnection();
        }
        return true;
      }
    }
    throw new IllegalStateException(f.kind().toString());
  }

  private static String pick(Endpoint e, JsonNode config) {
    List<String> production = new ArrayList<>();
    config.path("ProductionVariants").forEach(v -> production.add(v.get("VariantName").asText()));
    double sum = production.stream().mapToDouble(v -> e.weights.getOrDefault(v, 0f)).sum();
    double r = ThreadLocalRandom.current().nextDouble() * sum;
    for (String v : production) {
      r -= e.weights.getOrDefault(v, 0f);
      if (r < 0) {
        return v;
      }
    }
    return production.get(0);
  }

  // ---------------------------------------------------------------- STS

  private void sts(HttpExchange ex) throws IOException {
    String xml =
        "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
            + "<GetCallerIdentityResult><Arn>arn:aws:iam::"
            + ACCOUNT
            + ":user/test</Arn><UserId>AIDATEST</UserId><Account>"
            + ACCOUNT
            + "</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>"
            + UUID.randomUUID()
            + "</RequestId></ResponseMetadata></GetCallerIdentityResponse>";
    send(ex, 200, "text/xml", null, xml.getBytes(StandardCharsets.UTF_8));
  }

  // ---------------------------------------------------------------- S3

  private void s3(HttpExchange ex, Call call) throws IOException {
    String path = URLDecoder.decode(call.path().substring(1), StandardCharsets.UTF_8);
    int slash = path.indexOf('/');
    String bucket = slash < 0 ? path : path.substring(0, slash);
    String key = slash < 0 ? "" : path.substring(slash + 1);
    Map<String, String> q = query(call.query());
    if (key.isEmpty() && bucketLevel(ex, call, bucket, q)) {
      return;
    }
    if (!buckets.contains(bucket)) {
      s3Error(ex, 404, "NoSuchBucket", "The specified bucket does not exist");
      return;
    }
    String id = bucket + "/" + key;
    switch (call.method()) {
      case "PUT" -> {
        if (q.containsKey("uploadId")) {
          Map<Integer, byte[]> parts = uploads.get(q.get("uploadId"));
          if (parts == null) {
            s3Error(ex, 404, "NoSuchUpload", "The specified upload does not exist");
            return;
          }
          int n = Integer.parseInt(q.get("partNumber"));
          parts.put(n, call.body());
          ex.getResponseHeaders().add("ETag", "\"part-" + n + "\"");
        } else if (call.header("x-amz-copy-source") != null) {
          // CopyObject: x-amz-copy-source is /BUCKET/KEY or BUCKET/KEY, URL-encoded.
          String source =
              URLDecoder.decode(call.header("x-amz-copy-source"), StandardCharsets.UTF_8)
                  .replaceFirst("^/", "");
          byte[] data = objects.get(source);
          if (data == null) {
            s3Error(ex, 404, "NoSuchKey", "The specified key does not exist.");
            return;
          }
          objects.put(id, data);
          xml(
              ex,
              "<CopyObjectResult><LastModified>2026-01-01T00:00:00.000Z</LastModified>"
                  + "<ETag>\"copy\"</ETag></CopyObjectResult>");
          return;
        } else {
          objects.put(id, call.body());
          ex.getResponseHeaders()
              .add(
                  "ETag",
                  "\"" + Integer.toHexString(java.util.Arrays.hashCode(call.body())) + "\"");
        }
        send(ex, 200, null, null, new byte[0]);
      }
      case "POST" -> {
        if (q.containsKey("uploads")) {
          String upload = UUID.randomUUID().toString();
          uploads.put(upload, new ConcurrentHashMap<>());
          xml(
              ex,
              "<InitiateMultipartUploadResult><Bucket>"
                  + bucket
                  + "</Bucket><Key>"
                  + key
                  + "</Key><UploadId>"
                  + upload
                  + "</UploadId></InitiateMultipartUploadResult>");
        } else if (q.containsKey("uploadId")) {
          Map<Integer, byte[]> parts = uploads.remove(q.get("uploadId"));
          if (parts == null) {
            s3Error(ex, 404, "NoSuchUpload", "The specified upload does not exist");
            return;
          }
          ByteArrayOutputStream all = new ByteArrayOutputStream();
          new TreeMap<>(parts).values().forEach(all::writeBytes);
          objects.put(id, all.toByteArray());
          xml(
              ex,
              "<CompleteMultipartUploadResult><Location>"
                  + uri()
                  + "/"
                  + id
                  + "</Location><Bucket>"
                  + bucket
                  + "</Bucket><Key>"
                  + key
                  + "</Key><ETag>\"mpu-"
                  + parts.size()
                  + "\"</ETag></CompleteMultipartUploadResult>");
        } else {
          s3Error(ex, 400, "InvalidRequest", "unsupported POST");
        }
      }
      case "DELETE" -> {
        if (q.containsKey("uploadId")) {
          uploads.remove(q.get("uploadId"));
        } else {
          objects.remove(id);
        }
        send(ex, 204, null, null, null);
      }
      case "GET", "HEAD" -> {
        byte[] data = objects.get(id);
        if (data == null) {
          s3Error(ex, 404, "NoSuchKey", "The specified key does not exist.");
          return;
        }
        send(ex, 200, "application/octet-stream", null, call.method().equals("HEAD") ? null : data);
      }
      default -> s3Error(ex, 405, "MethodNotAllowed", call.method());
    }
  }

  /**
   * The bucket-level S3 calls: HeadBucket, CreateBucket (its LocationConstraint kept), DeleteBucket
   * (of an empty bucket), PutPublicAccessBlock and PutBucketEncryption (their XML bodies kept).
   * Each can be failed with {@link #failS3}.
   *
   * @return true if the call was one of them and has been answered
   */
  private boolean bucketLevel(HttpExchange ex, Call call, String bucket, Map<String, String> q)
      throws IOException {
    String op =
        switch (call.method()) {
          case "HEAD" -> q.isEmpty() ? "HeadBucket" : null;
          case "PUT" ->
              q.isEmpty()
                  ? "CreateBucket"
                  : q.containsKey("publicAccessBlock")
                      ? "PutPublicAccessBlock"
                      : q.containsKey("encryption") ? "PutBucketEncryption" : null;
          case "DELETE" -> q.isEmpty() ? "DeleteBucket" : null;
          default -> null;
        };
    if (op == null) {
      return false;
    }
    String[] failure = s3Failures.remove(op);
    if (failure != null) {
      s3Error(ex, Integer.parseInt(failure[0]), failure[1], failure[2]);
      return true;
    }
    String body = new String(call.body(), StandardCharsets.UTF_8);
    String expectedOwner = call.header("x-amz-expected-bucket-owner");
    if (foreignBuckets.contains(bucket)) {
      // another account's bucket: its owner is not the expected one, and it cannot be created
      if (op.equals("CreateBucket")) {
        s3Error(ex, 409, "BucketAlreadyExists", "The requested bucket name is not available.");
      } else {
        s3Error(ex, 403, "AccessDenied", "Access Denied");
      }
      return true;
    }
    if (expectedOwner != null && !expectedOwner.equals(ACCOUNT) && buckets.contains(bucket)) {
      s3Error(ex, 403, "AccessDenied", "Access Denied");
      return true;
    }
    switch (op) {
      case "HeadBucket" -> send(ex, buckets.contains(bucket) ? 200 : 404, null, null, null);
      case "CreateBucket" -> {
        if (!buckets.add(bucket)) {
          s3Error(
              ex,
              409,
              "BucketAlreadyOwnedByYou",
              "Your previous request to create the named bucket succeeded and you already own it.");
          return true;
        }
        bucketSettings.put(bucket + " CreateBucket", body);
        send(ex, 200, null, null, null);
      }
      case "DeleteBucket" -> {
        if (!buckets.contains(bucket)) {
          s3Error(ex, 404, "NoSuchBucket", "The specified bucket does not exist");
        } else if (objects.keySet().stream().anyMatch(k -> k.startsWith(bucket + "/"))) {
          s3Error(ex, 409, "BucketNotEmpty", "The bucket you tried to delete is not empty");
        } else {
          buckets.remove(bucket);
          bucketSettings.keySet().removeIf(k -> k.startsWith(bucket + " "));
          send(ex, 204, null, null, null);
        }
      }
      default -> {
        if (!buckets.contains(bucket)) {
          s3Error(ex, 404, "NoSuchBucket", "The specified bucket does not exist");
          return true;
        }
        bucketSettings.put(bucket + " " + op, body);
        send(ex, 200, null, null, null);
      }
    }
    return true;
  }

  private final Map<String, String[]> s3Failures = new ConcurrentHashMap<>();
  private final Set<String> foreignBuckets = ConcurrentHashMap.newKeySet();

  /** Makes a bucket exist that another AWS account owns. */
  FakeAws foreignBucket(String name) {
    foreignBuckets.add(name);
    return this;
  }

  private final Map<String, String> bucketSettings = new ConcurrentHashMap<>();

  /** Fails the next bucket-level call {@code operation} (e.g. "PutBucketEncryption") once. */
  void failS3(String operation, int status, String code, String message) {
    s3Failures.put(operation, new String[] {String.valueOf(status), code, message});
  }

  /**
   * The body a bucket-level call left on a bucket ("CreateBucket", "PutPublicAccessBlock", ...).
   */
  String bucketSetting(String bucket, String operation) {
    return bucketSettings.get(bucket + " " + operation);
  }

  boolean hasBucket(String bucket) {
    return buckets.contains(bucket);
  }

  /** The parts a multipart upload was split into, for tests. */
  long multipartUploadsCompleted() {
    return calls.stream()
        .filter(
            c ->
                "POST".equals(c.method()) && c.query() != null && c.query().startsWith("uploadId="))
        .count();
  }

  private static Map<String, String> query(String query) {
    Map<String, String> out = new LinkedHashMap<>();
    if (query == null || query.isEmpty()) {
      return out;
    }
    for (String p : query.split("&")) {
      int eq = p.indexOf('=');
      out.put(
          URLDecoder.decode(eq < 0 ? p : p.substring(0, eq), StandardCharsets.UTF_8),
          eq < 0 ? "" : URLDecoder.decode(p.substring(eq + 1), StandardCharsets.UTF_8));
    }
    return out;
  }

  /** Decodes an {@code aws-chunked} body (signed or unsigned chunks, optional trailers). */
  static byte[] decodeChunked(Map<String, String> headers, byte[] raw) {
    String sha = headers.getOrDefault("x-amz-content-sha256", "");
    String encoding = headers.getOrDefault("content-encoding", "");
    if (!sha.startsWith("STREAMING-") && !encoding.contains("aws-chunked")) {
      return raw;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int i = 0;
    while (i < raw.length) {
      int eol = indexOf(raw, i);
      String line = new String(raw, i, eol - i, StandardCharsets.US_ASCII);
      int semi = line.indexOf(';');
      int size = Integer.parseInt((semi < 0 ? line : line.substring(0, semi)).trim(), 16);
      i = eol + 2;
      if (size == 0) {
        break;
      }
      out.write(raw, i, size);
      i += size + 2;
    }
    return out.toByteArray();
  }

  private static int indexOf(byte[] b, int from) {
    for (int i = from; i + 1 < b.length; i++) {
      if (b[i] == '\r' && b[i + 1] == '\n') {
        return i;
      }
    }
    return b.length;
  }

  // ---------------------------------------------------------------- responses

  private static void json(HttpExchange ex, ObjectNode body) throws IOException {
    send(ex, 200, "application/x-amz-json-1.1", null, JSON.writeValueAsBytes(body));
  }

  private static void xml(HttpExchange ex, String xml) throws IOException {
    send(ex, 200, "application/xml", null, xml.getBytes(StandardCharsets.UTF_8));
  }

  private static void s3Error(HttpExchange ex, int status, String code, String message)
      throws IOException {
    send(
        ex,
        status,
        "application/xml",
        null,
        ("<Error><Code>"
                + code
                + "</Code><Message>"
                + message
                + "</Message><RequestId>"
                + UUID.randomUUID()
                + "</RequestId></Error>")
            .getBytes(StandardCharsets.UTF_8));
  }

  private static void error(HttpExchange ex, AwsError e) throws IOException {
    ObjectNode body = JSON.createObjectNode();
    body.put("__type", e.code);
    body.put("message", e.getMessage());
    if (e.code.equals("ThrottlingException")) {
      String retryAfter = e.retryAfter == null ? "2" : e.retryAfter;
      if (!retryAfter.isEmpty()) {
        ex.getResponseHeaders().add("Retry-After", retryAfter);
      }
    }
    send(ex, e.status, "application/x-amz-json-1.1", e.code, JSON.writeValueAsBytes(body));
  }

  private static void send(
      HttpExchange ex, int status, String contentType, String errorType, byte[] body)
      throws IOException {
    if (contentType != null) {
      ex.getResponseHeaders().add("Content-Type", contentType);
    }
    if (errorType != null) {
      ex.getResponseHeaders().add("x-amzn-ErrorType", errorType);
    }
    ex.getResponseHeaders().add("x-amzn-RequestId", "req-" + UUID.randomUUID());
    if (body == null || body.length == 0 || "HEAD".equals(ex.getRequestMethod())) {
      ex.sendResponseHeaders(status, -1);
      return;
    }
    ex.sendResponseHeaders(status, body.length);
    ex.getResponseBody().write(body);
  }

  private static String arn(String kind, String name) {
    return "arn:aws:sagemaker:us-east-1:"
        + ACCOUNT
        + ":"
        + kind
        + "/"
        + name.toLowerCase(Locale.ROOT);
  }

  private static double now() {
    return System.currentTimeMillis() / 1000.0;
  }
}
