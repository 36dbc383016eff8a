package io.serve4j.azure.internal;

import com.azure.core.credential.TokenCredential;
import com.azure.core.http.HttpClient;
import com.azure.core.http.HttpPipeline;
import com.azure.core.http.HttpPipelineBuilder;
import com.azure.core.http.policy.BearerTokenAuthenticationPolicy;
import com.azure.core.http.policy.ExponentialBackoffOptions;
import com.azure.core.http.policy.HttpLogDetailLevel;
import com.azure.core.http.policy.HttpLogOptions;
import com.azure.core.http.policy.HttpLoggingPolicy;
import com.azure.core.http.policy.HttpPipelinePolicy;
import com.azure.core.http.policy.HttpPolicyProviders;
import com.azure.core.http.policy.RequestIdPolicy;
import com.azure.core.http.policy.RetryOptions;
import com.azure.core.http.policy.RetryPolicy;
import com.azure.core.http.policy.UserAgentPolicy;
import com.azure.identity.DefaultAzureCredentialBuilder;
import io.serve4j.ErrorCategory;
import io.serve4j.ServingException;
import io.serve4j.azure.AzureOptions;
import io.serve4j.spi.ProviderContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One Azure ML workspace as the provider's parts share it: azure-core's HTTP pipelines (the ARM
 * control plane with and without azure-core's retries, the scoring data plane with a key or an AAD
 * token), the model registry, scoring authorization and the workspace's location. Opened once per
 * session by {@link io.serve4j.azure.AzureProvider#open}.
 */
public final class Workspace implements AutoCloseable {
  /** The ARM path segment of managed online endpoints. */
  static final String ONLINE = "onlineEndpoints";

  /** The ARM path segment of batch endpoints. */
  static final String BATCH = "batchEndpoints";

  final AzureOptions options;
  final ProviderContext context;

  /** The control plane with azure-core's retries, for writes and long-running operations. */
  final Arm arm;

  /** The control plane with azure-core's retries off: for the reads core retries itself. */
  final Arm armOnce;

  /** Scoring with an endpoint key or token in the request: one attempt, core retries. */
  final Rest scoring;

  /** The data plane with an AAD token of Azure ML's scope (batch invocations): one attempt. */
  final Rest aadScoring;

  final Models models;
  final ScoringAuth auth;
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile CompletableFuture<String> location;

  /**
   * Opens the workspace's clients.
   *
   * @param options the options
   * @param context core's facilities
   */
  public Workspace(AzureOptions options, ProviderContext context) {
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
    // As azure-core's own client builders do: policies from the class path (and, after the retry
    // policy, azure-core's InstrumentationPolicy, which traces each HTTP exchange when a tracing
    // plugin such as azure-core-tracing-opentelemetry is present, as a child of the current span).
    HttpPolicyProviders.addBeforeRetryPolicies(policies);
    Duration max = options.retryDelay().multipliedBy(16);
    policies.add(
        new RetryPolicy(
            new RetryOptions(
                new ExponentialBackoffOptions()
                    .setMaxRetries(maxRetries)
                    .setBaseDelay(options.retryDelay())
                    .setMaxDelay(max))));
    HttpPolicyProviders.addAfterRetryPolicies(policies);
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

  /**
   * The Azure region new resources are created in: {@link AzureOptions#location()}, else the
   * workspace's own (read once, again only after a failed read).
   *
   * @return the location
   */
  CompletableFuture<String> location() {
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

  /**
   * Whether a workspace resource exists (a GET answering 404 means no).
   *
   * @param relative the path below the workspace
   * @return true if it exists; fails on any other error
   */
  CompletableFuture<Boolean> exists(String relative) {
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

  @Override
  public void close() {
    closed.set(true);
  }

  @Override
  public String toString() {
    return "Workspace[" + options + (closed.get() ? ", closed" : "") + "]";
  }
}
