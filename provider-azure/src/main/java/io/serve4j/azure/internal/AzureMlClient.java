package io.serve4j.azure.internal;

import com.azure.core.credential.TokenCredential;
import com.azure.core.http.HttpClient;
import com.azure.core.http.HttpMethod;
import com.azure.core.http.HttpPipeline;
import com.azure.core.http.HttpPipelineBuilder;
import com.azure.core.http.policy.BearerTokenAuthenticationPolicy;
import com.azure.core.http.policy.ExponentialBackoffOptions;
import com.azure.core.http.policy.HttpLogDetailLevel;
import com.azure.core.http.policy.HttpLogOptions;
import com.azure.core.http.policy.HttpLoggingPolicy;
import com.azure.core.http.policy.HttpPipelinePolicy;
import com.azure.core.http.policy.RequestIdPolicy;
import com.azure.core.http.policy.RetryOptions;
import com.azure.core.http.policy.RetryPolicy;
import com.azure.core.http.policy.UserAgentPolicy;
import com.azure.identity.DefaultAzureCredentialBuilder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.serve4j.BatchJobDescription;
import io.serve4j.BatchJobSpec;
import io.serve4j.DeploymentDescription;
import io.serve4j.DeploymentSpec;
import io.serve4j.EndpointDescription;
import io.serve4j.EndpointSpec;
import io.serve4j.EndpointStatus;
import io.serve4j.ErrorCategory;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.Mirror;
import io.serve4j.Model;
import io.serve4j.ModelFormat;
import io.serve4j.Payload;
import io.serve4j.Scaling;
import io.serve4j.ScalingMetric;
import io.serve4j.ServingException;
import io.serve4j.azure.AzureOptions;
import io.serve4j.azure.AzureProvider;
import io.serve4j.azure.ScoringAuthMode;
import io.serve4j.protocol.OipJson;
import io.serve4j.spi.BatchJobs;
import io.serve4j.spi.CallContext;
import io.serve4j.spi.Deadline;
import io.serve4j.spi.EndpointLifecycle;
import io.serve4j.spi.Inference;
import io.serve4j.spi.Polling;
import io.serve4j.spi.ProviderContext;
import io.serve4j.spi.Wire;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

/**
 * The {@code azure} provider client: Azure ML managed online endpoints and deployments, model
 * registration, scoring, and batch endpoints for batch jobs, all over the ARM REST API with
 * azure-core's pipeline (retry with {@code Retry-After}, bearer tokens, request ids).
 */
public final class AzureMlClient implements EndpointLifecycle, Inference, BatchJobs, AutoCloseable {
  static final String ONLINE = "onlineEndpoints";
  static final String BATCH = "batchEndpoints";
  static final String DEPLOYMENT_HEADER = "azureml-model-deployment";
  static final String P_MODEL = "serve4j.model";
  static final String P_VERSION = "serve4j.modelVersion";
  static final String P_SIGNATURE = "serve4j.signature";
  static final String P_TRITON = "serve4j.tritonModel";

  private final AzureOptions options;
  private final ProviderContext context;
  private final Arm arm;

  /** The control plane with azure-core's retries off: for the reads core retries itself. */
  private final Arm armOnce;

  private final Rest scoring;
  private final Rest aadScoring;
  private final Models models;
  private final ScoringAuth auth;
  private final Map<String, String> batchJobs = new ConcurrentHashMap<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile CompletableFuture<String> location;

  /** What predict needs to know about an endpoint, read from core's cached description. */
  record Info(
      String scoringUri,
      ScoringAuthMode authMode,
      Map<String, Integer> traffic,
      Map<String, String> tritonModels) {
    static Info of(EndpointDescription d) {
      Map<String, String> triton = new LinkedHashMap<>();
      d.deployments()
          .forEach(x -> triton.put(x.name(), x.details().getOrDefault(TRITON_DETAIL, "")));
      return new Info(
          d.url().map(Object::toString).orElse(""),
          ScoringAuthMode.fromArm(d.details().getOrDefault("authMode", "Key")),
          d.traffic(),
          triton);
    }
  }

  /** The deployment detail naming the Triton model behind an OIP route (empty: none). */
  static final String TRITON_DETAIL = "tritonModel";

  /**
   * Opens a client.
   *
   * @param options the options
   * @param context core's facilities
   */
  public AzureMlClient(AzureOptions options, ProviderContext context) {
    this.options = options;
    this.context = context;
    HttpClient http = options.httpClient().orElseGet(HttpClient::createDefault);
    TokenCredential credential =
        options.credential().orElseGet(() -> new DefaultAzureCredentialBuilder().build());
    this.arm =
        new Arm(
            new Rest(pipeline(http, credential, options.armScope(), options.maxRetries()), true),
            new Rest(pipeline(http, credential, options.armScope(), 0), true),
            options,
            context.scheduler());
    this.armOnce = arm.once();
    // Scoring calls are retried once, by core's RetryPolicy (which honours the Retry-After this
    // provider's errors carry); retrying here too would multiply attempts. Starting a batch job
    // is not idempotent, so it is not retried either.
    this.scoring = new Rest(pipeline(http, null, null, 0), false);
    this.aadScoring = new Rest(pipeline(http, credential, ScoringAuth.ML_SCOPE, 0), false);
    this.models = new Models(arm, options, http, credential);
    this.auth = new ScoringAuth(arm, credential);
  }

  private HttpPipeline pipeline(
      HttpClient http, TokenCredential credential, String scope, int maxRetries) {
    List<HttpPipelinePolicy> policies = new ArrayList<>();
    policies.add(new UserAgentPolicy("serve4j-azure"));
    policies.add(new RequestIdPolicy());
    Duration max = options.retryDelay().multipliedBy(16);
    policies.add(
        new RetryPolicy(
            new RetryOptions(
                new ExponentialBackoffOptions()
                    .setMaxRetries(maxRetries)
                    .setBaseDelay(options.retryDelay())
                    .setMaxDelay(max))));
    if (credential != null) {
      policies.add(new BearerTokenAuthenticationPolicy(credential, scope));
    }
    policies.add(new HttpLoggingPolicy(logOptions(new HttpLogOptions())));
    return new HttpPipelineBuilder()
        .httpClient(http)
        .policies(policies.toArray(new HttpPipelinePolicy[0]))
        .build();
  }

  /**
   * azure-core's logging as configured (AZURE_HTTP_LOG_DETAIL_LEVEL), but never of bodies: the
   * bodies of listKeys and token responses are endpoint secrets. Headers are logged with
   * azure-core's allow-list, which redacts Authorization.
   *
   * @param options the options azure-core read from the environment
   * @return options that log at most headers
   */
  static HttpLogOptions logOptions(HttpLogOptions options) {
    if (options.getLogLevel().shouldLogBody()) {
      options.setLogLevel(HttpLogDetailLevel.HEADERS);
    }
    return options;
  }

  // ---------------------------------------------------------------- online endpoints

  @Override
  public CompletableFuture<EndpointDescription> createEndpoint(EndpointSpec spec, CallContext ctx) {
    String name = spec.name();
    String what = "create endpoint '" + name + "'";
    return AzureErrors.WIRE.call(
        what,
        () -> {
          checkDeployable(spec);
          return exists(ONLINE + "/" + name)
              .thenCompose(
                  found -> {
                    if (found) {
                      throw ServingException.builder(ErrorCategory.CONFLICT)
                          .providerId(AzureProvider.ID)
                          .message("online endpoint '" + name + "' already exists")
                          .build();
                    }
                    return location();
                  })
              .thenCompose(
                  loc -> {
                    ctx.progress("creating online endpoint " + name, -1);
                    return arm.putAndWait(
                            ONLINE + "/" + name,
                            Bodies.onlineEndpoint(
                                loc, options.scoringAuthMode(), spec.tags(), Map.of(), null),
                            ctx,
                            what,
                            ErrorCategory.INTERNAL)
                        .thenCompose(e -> putDeployments(spec, loc, ctx))
                        .thenCompose(
                            x -> setTraffic(name, spec.traffic(), spec.mirror().orElse(null), ctx));
                  })
              .thenCompose(x -> describe(name, arm.within(ctx.deadline())));
        });
  }

  @Override
  public CompletableFuture<EndpointDescription> updateEndpoint(EndpointSpec spec, CallContext ctx) {
    String name = spec.name();
    String what = "update endpoint '" + name + "'";
    return AzureErrors.WIRE.call(
        what,
        () -> {
          checkDeployable(spec);
          return arm.get(ONLINE + "/" + name)
              .thenCompose(r -> location())
              .thenCompose(loc -> putDeployments(spec, loc, ctx))
              .thenCompose(x -> setTraffic(name, spec.traffic(), spec.mirror().orElse(null), ctx))
              .thenCompose(x -> listDeployments(name, arm.within(ctx.deadline())))
              .thenCompose(
                  existing -> {
                    Set<String> wanted =
                        spec.deployments().stream()
                            .map(DeploymentSpec::name)
                            .collect(Collectors.toSet());
                    List<CompletableFuture<Void>> deletes = new ArrayList<>();
                    for (JsonNode d : existing) {
                      String dn = d.path("name").asText();
                      if (!wanted.contains(dn)) {
                        deletes.add(
                            arm.deleteAndWait(
                                ONLINE + "/" + name + "/deployments/" + dn,
                                ctx,
                                "delete deployment '" + dn + "'"));
                      }
                    }
                    return CompletableFuture.allOf(deletes.toArray(new CompletableFuture<?>[0]));
                  })
              .thenCompose(x -> describe(name, arm.within(ctx.deadline())));
        });
  }

  @Override
  public CompletableFuture<EndpointDescription> updateTraffic(
      String endpoint, Map<String, Integer> traffic, Mirror mirror, CallContext ctx) {
    return AzureErrors.WIRE.call(
        "update traffic of endpoint '" + endpoint + "'",
        () ->
            setTraffic(endpoint, traffic, mirror, ctx)
                .thenCompose(x -> describe(endpoint, arm.within(ctx.deadline()))));
  }

  @Override
  public CompletableFuture<Void> deleteEndpoint(String endpoint, CallContext ctx) {
    String what = "delete endpoint '" + endpoint + "'";
    return AzureErrors.WIRE.call(
        what,
        () ->
            armOnce
                .within(ctx.deadline())
                .get(ONLINE + "/" + endpoint)
                .thenCompose(r -> arm.deleteAndWait(ONLINE + "/" + endpoint, ctx, what))
                .whenComplete((v, e) -> auth.forget(ONLINE, endpoint)));
  }

  @Override
  public CompletableFuture<EndpointDescription> describeEndpoint(String endpoint, CallContext ctx) {
    return AzureErrors.WIRE.call(
        "describe endpoint '" + endpoint + "'",
        () -> describe(endpoint, armOnce.within(ctx.deadline())));
  }

  @Override
  public CompletableFuture<List<EndpointDescription>> listEndpoints(CallContext ctx) {
    return AzureErrors.WIRE.call(
        "list endpoints",
        () -> {
          Arm bounded = armOnce.within(ctx.deadline());
          return listAll(bounded.url(ONLINE), bounded)
              .thenCompose(
                  all -> {
                    List<CompletableFuture<EndpointDescription>> each = new ArrayList<>();
                    for (JsonNode e : all) {
                      each.add(
                          listDeployments(e.path("name").asText(), bounded)
                              .thenCompose(ds -> describeWith(e, ds)));
                    }
                    return CompletableFuture.allOf(each.toArray(new CompletableFuture<?>[0]))
                        .thenApply(x -> each.stream().map(CompletableFuture::join).toList());
                  });
        });
  }

  // ---------------------------------------------------------------- predict

  /**
   * Predicts. Every HTTP exchange made for it (describe and list of deployments when not cached,
   * listKeys / token, the scoring POST) is bounded by the call's deadline, and cancelling the
   * returned future (core does when the deadline passes) cancels the exchange under way. Scoring is
   * one attempt on the wire: core's retry policy decides whether to try again.
   */
  @Override
  public CompletableFuture<InferenceResponse> predict(
      String endpoint, EndpointDescription known, InferenceRequest request, CallContext ctx) {
    String what = "predict on endpoint '" + endpoint + "'";
    Deadline deadline = ctx.deadline();
    AtomicReference<CompletableFuture<?>> wire = new AtomicReference<>();
    CompletableFuture<InferenceResponse> mapped = new CompletableFuture<>();
    // Core hands over its cached description; only if core could not describe is it read here.
    CompletableFuture<EndpointDescription> description =
        known != null
            ? CompletableFuture.completedFuture(known)
            : describe(endpoint, armOnce.within(deadline));
    CompletableFuture<InferenceResponse> result =
        description
            .thenApply(Info::of)
            .thenCompose(
                info -> {
                  String pinned = request.targetDeployment().orElse(null);
                  if (pinned != null && !info.tritonModels().containsKey(pinned)) {
                    throw ServingException.builder(ErrorCategory.NOT_FOUND)
                        .providerId(AzureProvider.ID)
                        .message("endpoint '" + endpoint + "' has no deployment '" + pinned + "'")
                        .build();
                  }
                  String deployment = pinned != null ? pinned : route(info);
                  return auth.authorization(ONLINE, endpoint, info.authMode(), deadline)
                      .thenCompose(
                          header -> {
                            if (mapped.isCancelled()) {
                              throw new CancellationException(what + " was cancelled");
                            }
                            var scored = score(info, deployment, header, request, ctx, wire);
                            if (mapped.isCancelled()) {
                              wire.get().cancel(true); // cancelled while the POST was starting
                            }
                            return scored;
                          });
                });
    result.whenComplete(
        (r, e) -> {
          if (e == null) {
            mapped.complete(r);
            return;
          }
          ServingException s = AzureErrors.WIRE.typed(what, e);
          if (s != null && s.category() == ErrorCategory.UNAUTHENTICATED) {
            auth.forget(ONLINE, endpoint);
          }
          mapped.completeExceptionally(e);
        });
    mapped.whenComplete(
        (r, e) -> {
          if (mapped.isCancelled()) {
            CompletableFuture<?> exchange = wire.get();
            if (exchange != null) {
              exchange.cancel(true); // disposes the reactor subscription: the connection is let go
            }
          }
        });
    return mapped;
  }

  /**
   * Chooses the deployment to pin: none when Azure's own traffic routing reaches the same model
   * everywhere; otherwise one drawn by the traffic weights, because the OIP route names the model.
   */
  private static String route(Info info) {
    Set<String> live =
        info.traffic().entrySet().stream()
            .filter(e -> e.getValue() > 0)
            .map(Map.Entry::getKey)
            .collect(Collectors.toSet());
    Set<String> modelsServed =
        live.stream()
            .map(d -> String.valueOf(info.tritonModels().get(d)))
            .collect(Collectors.toSet());
    if (modelsServed.size() <= 1) {
      return null;
    }
    int pick = ThreadLocalRandom.current().nextInt(100);
    int acc = 0;
    for (Map.Entry<String, Integer> e : info.traffic().entrySet()) {
      acc += e.getValue();
      if (pick < acc) {
        return e.getKey();
      }
    }
    return live.iterator().next();
  }

  private CompletableFuture<InferenceResponse> score(
      Info info,
      String deployment,
      String header,
      InferenceRequest request,
      CallContext ctx,
      AtomicReference<CompletableFuture<?>> wire) {
    Rest rest = scoring.within(ctx.deadline());
    Map<String, String> headers = new HashMap<>();
    headers.put("Authorization", header);
    headers.put("x-ms-client-request-id", ctx.requestId());
    if (deployment != null) {
      headers.put(DEPLOYMENT_HEADER, deployment);
    }
    String triton =
        deployment != null
            ? info.tritonModels().get(deployment)
            : info.traffic().entrySet().stream()
                .filter(e -> e.getValue() > 0)
                .map(e -> info.tritonModels().get(e.getKey()))
                .findFirst()
                .orElse(info.tritonModels().values().stream().findFirst().orElse(null));
    boolean oip = triton != null && !triton.isEmpty();
    String url = oip ? oipUrl(info.scoringUri(), triton) : info.scoringUri();
    if (request.payload().isPresent()) {
      Payload p = request.payload().get();
      CompletableFuture<Rest.Response> sent =
          rest.send(HttpMethod.POST, info.scoringUri(), p.bytes(), p.contentType(), headers);
      wire.set(sent);
      return sent.thenApply(
          r ->
              InferenceResponse.builder()
                  .payload(
                      Payload.of(
                          r.body(),
                          r.header("Content-Type") != null
                              ? r.header("Content-Type")
                              : "application/octet-stream"))
                  .deployment(firstNonNull(r.header(DEPLOYMENT_HEADER), deployment))
                  .build());
    }
    CompletableFuture<Rest.Response> sent =
        rest.send(HttpMethod.POST, url, OipJson.writeRequest(request), "application/json", headers);
    wire.set(sent);
    return sent.thenApply(
        r -> {
          InferenceResponse resp = readResponse(r);
          String served = firstNonNull(r.header(DEPLOYMENT_HEADER), deployment);
          return served == null ? resp : resp.toBuilder().deployment(served).build();
        });
  }

  /**
   * Reads an OIP JSON answer; a 200 whose body is not one fails as OipJson's "malformed inference
   * response" error (INTERNAL, not retryable) with this provider's id, the status and request id.
   */
  private static InferenceResponse readResponse(Rest.Response r) {
    try {
      return OipJson.readResponse(r.body());
    } catch (ServingException e) {
      ServingException.Builder b =
          e.toBuilder().providerId(AzureProvider.ID).fromService().statusCode(r.status());
      String requestId = AzureErrors.requestId(r.headers());
      if (requestId != null) {
        b.requestId(requestId);
      }
      throw b.build();
    }
  }

  /**
   * The OIP v2 route of a Triton deployment: the scoring URI's {@code /score} replaced by {@code
   * /v2/models/{model}/infer}.
   *
   * @param scoringUri the endpoint's scoring URI
   * @param model the Triton model name
   * @return the URL
   */
  static String oipUrl(String scoringUri, String model) {
    String base = scoringUri;
    if (base.endsWith("/score")) {
      base = base.substring(0, base.length() - "/score".length());
    }
    if (base.endsWith("/")) {
      base = base.substring(0, base.length() - 1);
    }
    return base + "/v2/models/" + model + "/infer";
  }

  // ---------------------------------------------------------------- deployments

  private void checkDeployable(EndpointSpec spec) {
    for (DeploymentSpec d : spec.deployments()) {
      AzureOfferings.resolve(d.accelerator());
      Model m = d.model();
      if (!Models.isTriton(m) && m.image().isEmpty() && options.environment().isEmpty()) {
        throw ServingException.builder(ErrorCategory.INVALID_INPUT)
            .providerId(AzureProvider.ID)
            .message(
                "model '"
                    + m.name()
                    + "' is "
                    + m.format()
                    + ", not ONNX: give it an image (Model.image) or set AzureOptions.environment")
            .build();
      }
    }
  }

  private CompletableFuture<Void> putDeployments(EndpointSpec spec, String loc, CallContext ctx) {
    List<CompletableFuture<JsonNode>> all = new ArrayList<>();
    for (DeploymentSpec d : spec.deployments()) {
      all.add(putDeployment(spec.name(), d, loc, ctx));
    }
    return CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0]));
  }

  private CompletableFuture<JsonNode> putDeployment(
      String endpoint, DeploymentSpec d, String loc, CallContext ctx) {
    String what = "deployment '" + d.name() + "' of endpoint '" + endpoint + "'";
    String sku = AzureOfferings.resolve(d.accelerator()).sku();
    return models
        .register(d.model(), ctx)
        .thenCompose(
            registered ->
                environment(d.model())
                    .thenCompose(
                        env -> {
                          ctx.progress("creating " + what + " on " + sku, -1);
                          return arm.putAndWait(
                              ONLINE + "/" + endpoint + "/deployments/" + d.name(),
                              Bodies.onlineDeployment(loc, d, sku, registered, env, options),
                              ctx,
                              what,
                              ErrorCategory.MODEL_LOAD);
                        }))
        .exceptionallyCompose(e -> withLogs(endpoint, d.name(), e));
  }

  /** Fails with the deployment's error, its container logs appended as a diagnostic. */
  private <T> CompletableFuture<T> withLogs(String endpoint, String deployment, Throwable e) {
    ServingException s = AzureErrors.WIRE.typed("deployment '" + deployment + "'", e);
    if (s == null) {
      return CompletableFuture.failedFuture(Wire.unwrap(e)); // cancelled
    }
    if (s.category() != ErrorCategory.MODEL_LOAD && s.category() != ErrorCategory.INTERNAL) {
      return CompletableFuture.failedFuture(s);
    }
    return logs(endpoint, deployment)
        .handle(
            (logs, le) -> {
              throw logs == null || logs.isBlank()
                  ? s
                  : s.toBuilder()
                      .message(s.getMessage() + "\n--- deployment logs (tail) ---\n" + logs)
                      .build();
            });
  }

  private CompletableFuture<String> logs(String endpoint, String deployment) {
    ObjectNode body = Rest.JSON.createObjectNode();
    body.put("containerType", "InferenceServer");
    body.put("tail", 50);
    return arm.post(ONLINE + "/" + endpoint + "/deployments/" + deployment + "/getLogs", body)
        .thenApply(r -> r.json().path("content").asText(""));
  }

  private CompletableFuture<String> environment(Model model) {
    if (Models.isTriton(model)) {
      return CompletableFuture.completedFuture(null);
    }
    if (model.image().isEmpty()) {
      return CompletableFuture.completedFuture(options.environment().orElse(null));
    }
    String relative = "environments/serve4j-" + model.name() + "/versions/" + model.version();
    ObjectNode body = Rest.JSON.createObjectNode();
    ObjectNode p = body.putObject("properties");
    p.put("image", model.image().get());
    p.put("osType", "Linux");
    p.put("description", "image of serve4j model " + model.name());
    return arm.put(relative, body).thenApply(r -> arm.workspaceId() + "/" + relative);
  }

  private CompletableFuture<JsonNode> setTraffic(
      String endpoint, Map<String, Integer> traffic, Mirror mirror, CallContext ctx) {
    return arm.get(ONLINE + "/" + endpoint)
        .thenCompose(
            r -> {
              JsonNode current = r.json();
              ObjectNode body =
                  Bodies.onlineEndpoint(
                      current.path("location").asText(),
                      ScoringAuthMode.fromArm(
                          current.path("properties").path("authMode").asText("Key")),
                      strings(current.path("tags")),
                      traffic,
                      mirror);
              ctx.progress("setting traffic of " + endpoint + " to " + traffic, -1);
              return arm.putAndWait(
                  ONLINE + "/" + endpoint,
                  body,
                  ctx,
                  "traffic of endpoint '" + endpoint + "'",
                  ErrorCategory.INTERNAL);
            });
  }

  // ---------------------------------------------------------------- describe

  private CompletableFuture<EndpointDescription> describe(String endpoint, Arm arm) {
    return arm.get(ONLINE + "/" + endpoint)
        .thenCompose(
            r -> listDeployments(endpoint, arm).thenCompose(ds -> describeWith(r.json(), ds)));
  }

  private CompletableFuture<EndpointDescription> describeWith(JsonNode e, List<JsonNode> ds) {
    EndpointDescription d = Bodies.describe(e, ds);
    List<String> failed =
        d.deployments().stream()
            .filter(x -> x.status() == EndpointStatus.FAILED)
            .map(DeploymentDescription::name)
            .toList();
    if (failed.isEmpty()) {
      return CompletableFuture.completedFuture(d);
    }
    String name = d.name();
    return logs(name, failed.get(0))
        .handle(
            (logs, err) ->
                d.toBuilder()
                    .failureReason(
                        "deployment '"
                            + failed.get(0)
                            + "' failed"
                            + (logs == null || logs.isBlank()
                                ? ""
                                : "; deployment logs (tail):\n" + logs))
                    .build());
  }

  private CompletableFuture<List<JsonNode>> listDeployments(String endpoint, Arm arm) {
    return listAll(arm.url(ONLINE + "/" + endpoint + "/deployments"), arm);
  }

  private CompletableFuture<List<JsonNode>> listAll(String url, Arm arm) {
    return arm.getUrl(url)
        .thenCompose(
            r -> {
              List<JsonNode> items = new ArrayList<>();
              r.json().path("value").forEach(items::add);
              String next = r.json().path("nextLink").asText(null);
              if (next == null || next.isEmpty()) {
                return CompletableFuture.completedFuture(items);
              }
              return listAll(next, arm)
                  .thenApply(
                      more -> {
                        items.addAll(more);
                        return items;
                      });
            });
  }

  private CompletableFuture<Boolean> exists(String relative) {
    return arm.get(relative)
        .thenApply(r -> true)
        .exceptionallyCompose(
            e -> {
              ServingException s = AzureErrors.map(e, AzureErrors.Plane.CONTROL, "get " + relative);
              return s.category() == ErrorCategory.NOT_FOUND
                  ? CompletableFuture.completedFuture(false)
                  : CompletableFuture.failedFuture(s);
            });
  }

  private CompletableFuture<String> location() {
    if (options.location().isPresent()) {
      return CompletableFuture.completedFuture(options.location().get());
    }
    CompletableFuture<String> l = location;
    if (l == null || l.isCompletedExceptionally()) {
      l = arm.get("").thenApply(r -> r.json().path("location").asText());
      location = l;
    }
    return l;
  }

  // ---------------------------------------------------------------- batch

  @Override
  public CompletableFuture<BatchJobDescription> runBatchJob(BatchJobSpec spec, CallContext ctx) {
    String what = "batch job '" + spec.name() + "'";
    return AzureErrors.WIRE.call(
        what,
        () -> {
          String compute =
              options
                  .batchCompute()
                  .orElseThrow(
                      () ->
                          ServingException.builder(ErrorCategory.INVALID_INPUT)
                              .providerId(AzureProvider.ID)
                              .message(
                                  what
                                      + ": batch deployments run on a compute cluster; set"
                                      + " AzureOptions.batchCompute")
                              .build());
          String input = spec.input().toString();
          if (!input.startsWith("azureml:") && !input.startsWith("https://")) {
            throw ServingException.builder(ErrorCategory.INVALID_INPUT)
                .providerId(AzureProvider.ID)
                .message(what + ": input must be an azureml:// or https:// URI, was " + input)
                .build();
          }
          String endpoint = Bodies.batchEndpointName(spec.name());
          String deployment = "serve4j";
          String endpointPath = BATCH + "/" + endpoint;
          String computeId = arm.workspaceId() + "/computes/" + compute;
          return location()
              .thenCompose(
                  loc ->
                      models
                          .register(spec.model(), ctx)
                          .thenCompose(
                              registered ->
                                  arm.putAndWait(
                                          endpointPath,
                                          Bodies.batchEndpoint(loc, null),
                                          ctx,
                                          "batch endpoint '" + endpoint + "'",
                                          ErrorCategory.INTERNAL)
                                      .thenCompose(
                                          x ->
                                              arm.putAndWait(
                                                  endpointPath + "/deployments/" + deployment,
                                                  Bodies.batchDeployment(
                                                      loc,
                                                      spec,
                                                      registered,
                                                      computeId,
                                                      options.environment().orElse(null)),
                                                  ctx,
                                                  "batch deployment of '" + endpoint + "'",
                                                  ErrorCategory.MODEL_LOAD))
                                      .thenCompose(
                                          x ->
                                              arm.putAndWait(
                                                  endpointPath,
                                                  Bodies.batchEndpoint(loc, deployment),
                                                  ctx,
                                                  "batch endpoint '" + endpoint + "'",
                                                  ErrorCategory.INTERNAL))))
              .thenCompose(
                  e -> {
                    String uri = e.path("properties").path("scoringUri").asText();
                    ctx.progress("invoking batch endpoint " + endpoint, -1);
                    CompletableFuture<String> invoked =
                        aadScoring
                            .send(HttpMethod.POST, uri, Bodies.batchInvocation(spec))
                            .thenApply(r -> jobName(r.json()));
                    // A separate stage, so that it runs even if the caller cancelled meanwhile:
                    // a job started after cancellation is cancelled at once.
                    invoked.thenAccept(
                        job -> {
                          batchJobs.put(spec.name(), job);
                          if (ctx.isCancelled()) {
                            cancelJob(job);
                          }
                        });
                    return invoked.thenCompose(job -> waitForJob(spec, job, ctx));
                  });
        });
  }

  private static String jobName(JsonNode job) {
    String name = job.path("name").asText();
    if (name.isEmpty()) {
      String id = job.path("id").asText();
      name = id.substring(id.lastIndexOf('/') + 1);
    }
    return name;
  }

  private void cancelJob(String job) {
    arm.post("jobs/" + job + "/cancel", null); // best effort: stop the remote job
  }

  private CompletableFuture<BatchJobDescription> waitForJob(
      BatchJobSpec spec, String job, CallContext ctx) {
    CompletableFuture<Rest.Response> polled =
        Polling.until(
            () -> arm.get("jobs/" + job),
            r -> Bodies.batchStatus(r.json()).isTerminal(),
            r -> "job " + job + " is " + r.json().path("properties").path("status").asText(),
            options.pollInterval(),
            ctx,
            context.scheduler());
    polled.whenComplete(
        (r, e) -> {
          if (e != null) {
            Throwable t = Wire.unwrap(e);
            boolean stop =
                t instanceof CancellationException
                    || (t instanceof ServingException s && s.category() == ErrorCategory.TIMEOUT);
            if (stop) {
              cancelJob(job);
            }
          }
        });
    return polled.thenApply(r -> Bodies.batchJob(spec.name(), job, spec.output(), r.json()));
  }

  @Override
  public CompletableFuture<BatchJobDescription> describeBatchJob(String name, CallContext ctx) {
    String job = batchJobs.getOrDefault(name, name);
    return AzureErrors.WIRE.call(
        "describe batch job '" + name + "'",
        () ->
            armOnce
                .within(ctx.deadline())
                .get("jobs/" + job)
                .thenApply(r -> Bodies.batchJob(name, job, null, r.json())));
  }

  @Override
  public void close() {
    closed.set(true);
  }

  // ---------------------------------------------------------------- helpers

  static Map<String, Integer> ints(JsonNode node) {
    Map<String, Integer> m = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      m.put(e.getKey(), e.getValue().asInt());
    }
    return m;
  }

  static Map<String, String> strings(JsonNode node) {
    Map<String, String> m = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      m.put(e.getKey(), e.getValue().asText());
    }
    return m;
  }

  private static String firstNonNull(String a, String b) {
    return a != null && !a.isEmpty() ? a : b;
  }

  static String lower(String s) {
    return s.toLowerCase(Locale.ROOT);
  }

  static boolean autoscaled(Scaling s) {
    return s.isAutoscaling();
  }

  static int targetPercent(Scaling s) {
    ScalingMetric m = s.metric().orElse(null);
    if (m == ScalingMetric.CPU_UTILIZATION || m == ScalingMetric.GPU_UTILIZATION) {
      return (int) Math.max(1, Math.min(100, Math.round(s.target())));
    }
    return 70;
  }

  static boolean isCustom(Model m) {
    return m.format() != ModelFormat.ONNX;
  }

  @Override
  public String toString() {
    return "AzureMlClient[" + options + (closed.get() ? ", closed" : "") + "]";
  }
}
