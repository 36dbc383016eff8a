package io.serve4j.azure;

import com.azure.core.credential.TokenCredential;
import com.azure.core.http.HttpClient;
import io.serve4j.ErrorCategory;
import io.serve4j.ProviderOptions;
import io.serve4j.ServingException;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Options of the {@code azure} provider: which Azure ML workspace, how to authenticate, and where
 * the APIs are. Immutable; build with {@link #builder()} (the builder is not thread-safe).
 *
 * <pre>{@code
 * AzureOptions options = AzureOptions.builder()
 *     .subscriptionId("00000000-1111-2222-3333-444444444444")
 *     .resourceGroup("ml-rg")
 *     .workspace("ml-ws")
 *     .scoringAuthMode(ScoringAuthMode.AAD_TOKEN)
 *     .build();
 * ServingClient azure = Serve4j.client(options);
 * }</pre>
 *
 * <p>Defaults: {@code DefaultAzureCredential} when no credential is given, the public cloud's ARM
 * endpoint {@code https://management.azure.com}, {@link ScoringAuthMode#KEY}, azure-core's default
 * HTTP client, a 10 s poll interval for long-running operations, 3 retries of throttled and
 * transient failures. The credential's {@code toString} is never printed.
 */
public final class AzureOptions implements ProviderOptions {
  /** The Azure ML REST API version this provider speaks. */
  public static final String API_VERSION = "2025-12-01";

  /** ARM of the public cloud. */
  public static final URI PUBLIC_CLOUD_ARM = URI.create("https://management.azure.com");

  private final String subscriptionId;
  private final String resourceGroup;
  private final String workspace;
  private final TokenCredential credential;
  private final URI armEndpoint;
  private final String armScope;
  private final ScoringAuthMode scoringAuthMode;
  private final HttpClient httpClient;
  private final URI blobEndpoint;
  private final String location;
  private final Duration pollInterval;
  private final int maxRetries;
  private final Duration retryDelay;
  private final String environment;
  private final String batchCompute;
  private final String batchCodeId;
  private final String batchScoringScript;
  private final Duration requestTimeout;
  private final int maxConcurrentRequestsPerInstance;

  private AzureOptions(Builder b) {
    this.subscriptionId = require(b.subscriptionId, "subscriptionId");
    this.resourceGroup = require(b.resourceGroup, "resourceGroup");
    this.workspace = require(b.workspace, "workspace");
    this.credential = b.credential;
    this.armEndpoint = Objects.requireNonNull(b.armEndpoint, "armEndpoint");
    this.armScope =
        b.armScope != null
            ? b.armScope
            : armEndpoint.getScheme() + "://" + armEndpoint.getHost() + "/.default";
    this.scoringAuthMode = Objects.requireNonNull(b.scoringAuthMode, "scoringAuthMode");
    this.httpClient = b.httpClient;
    this.blobEndpoint = b.blobEndpoint;
    this.location = b.location;
    this.pollInterval = Objects.requireNonNull(b.pollInterval, "pollInterval");
    if (pollInterval.isNegative() || pollInterval.isZero()) {
      throw invalid("pollInterval must be positive, was " + pollInterval);
    }
    if (b.maxRetries < 0) {
      throw invalid("maxRetries must be >= 0, was " + b.maxRetries);
    }
    this.maxRetries = b.maxRetries;
    this.retryDelay = Objects.requireNonNull(b.retryDelay, "retryDelay");
    this.environment = b.environment;
    this.batchCompute = b.batchCompute;
    if ((b.batchCodeId == null) != (b.batchScoringScript == null)) {
      throw invalid("batchCode needs both a code asset id and a scoring script");
    }
    this.batchCodeId = b.batchCodeId;
    this.batchScoringScript = b.batchScoringScript;
    this.requestTimeout = Objects.requireNonNull(b.requestTimeout, "requestTimeout");
    if (requestTimeout.isNegative()
        || requestTimeout.isZero()
        || requestTimeout.compareTo(Duration.ofSeconds(180)) > 0) {
      throw invalid("requestTimeout must be in (0, 180 s], was " + requestTimeout);
    }
    if (b.maxConcurrentRequestsPerInstance < 1) {
      throw invalid("maxConcurrentRequestsPerInstance must be >= 1");
    }
    this.maxConcurrentRequestsPerInstance = b.maxConcurrentRequestsPerInstance;
  }

  /**
   * Starts a builder.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns a builder with these options' values.
   *
   * @return a builder
   */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.subscriptionId = subscriptionId;
    b.resourceGroup = resourceGroup;
    b.workspace = workspace;
    b.credential = credential;
    b.armEndpoint = armEndpoint;
    b.armScope = armScope;
    b.scoringAuthMode = scoringAuthMode;
    b.httpClient = httpClient;
    b.blobEndpoint = blobEndpoint;
    b.location = location;
    b.pollInterval = pollInterval;
    b.maxRetries = maxRetries;
    b.retryDelay = retryDelay;
    b.environment = environment;
    b.batchCompute = batchCompute;
    b.batchCodeId = batchCodeId;
    b.batchScoringScript = batchScoringScript;
    b.requestTimeout = requestTimeout;
    b.maxConcurrentRequestsPerInstance = maxConcurrentRequestsPerInstance;
    return b;
  }

  @Override
  public String providerId() {
    return AzureProvider.ID;
  }

  /**
   * Returns the subscription id.
   *
   * @return the subscription
   */
  public String subscriptionId() {
    return subscriptionId;
  }

  /**
   * Returns the resource group of the workspace.
   *
   * @return the resource group
   */
  public String resourceGroup() {
    return resourceGroup;
  }

  /**
   * Returns the Azure ML workspace name.
   *
   * @return the workspace
   */
  public String workspace() {
    return workspace;
  }

  /**
   * Returns the credential, if one was given; otherwise {@code DefaultAzureCredential} is used.
   *
   * @return the credential
   */
  public Optional<TokenCredential> credential() {
    return Optional.ofNullable(credential);
  }

  /**
   * Returns the ARM endpoint (sovereign clouds: {@code https://management.chinacloudapi.cn}, {@code
   * https://management.usgovcloudapi.net}; tests: a local fake).
   *
   * @return the ARM endpoint
   */
  public URI armEndpoint() {
    return armEndpoint;
  }

  /**
   * Returns the OAuth scope of ARM tokens; defaults to the ARM endpoint's host + {@code /.default}.
   *
   * @return the scope
   */
  public String armScope() {
    return armScope;
  }

  /**
   * Returns how scoring calls authenticate; also the {@code authMode} of endpoints serve4j creates.
   *
   * @return the mode
   */
  public ScoringAuthMode scoringAuthMode() {
    return scoringAuthMode;
  }

  /**
   * Returns the HTTP client to use, if given; never closed by serve4j.
   *
   * @return the HTTP client
   */
  public Optional<HttpClient> httpClient() {
    return Optional.ofNullable(httpClient);
  }

  /**
   * Returns the blob service endpoint to upload model artifacts to, if overridden; by default the
   * storage account of the workspace's default datastore.
   *
   * @return the blob endpoint override
   */
  public Optional<URI> blobEndpoint() {
    return Optional.ofNullable(blobEndpoint);
  }

  /**
   * Returns the Azure region of new endpoints, if set; by default the workspace's.
   *
   * @return the location
   */
  public Optional<String> location() {
    return Optional.ofNullable(location);
  }

  /**
   * Returns the pause between polls of a long-running operation.
   *
   * @return the poll interval
   */
  public Duration pollInterval() {
    return pollInterval;
  }

  /**
   * Returns how often azure-core's retry policy retries throttled (429, honouring {@code
   * Retry-After}) and transient failures of control-plane (ARM) calls, including each step of a
   * long-running operation. Scoring calls are not retried here: core's {@code RetryPolicy} retries
   * predictions for every provider, using the {@code Retry-After} this provider's errors carry.
   *
   * @return the retry count
   */
  public int maxRetries() {
    return maxRetries;
  }

  /**
   * Returns the base delay of exponential back-off when no {@code Retry-After} is given.
   *
   * @return the base delay
   */
  public Duration retryDelay() {
    return retryDelay;
  }

  /**
   * Returns the Azure ML environment (ARM id or {@code azureml:name:version}) for models that are
   * not ONNX and carry no image, and for the scoring script of batch deployments, if set.
   *
   * @return the environment
   */
  public Optional<String> environment() {
    return Optional.ofNullable(environment);
  }

  /**
   * Returns the name of the compute cluster batch deployments run on, if set; batch jobs need it.
   *
   * @return the cluster name
   */
  public Optional<String> batchCompute() {
    return Optional.ofNullable(batchCompute);
  }

  /**
   * Returns the ARM id (or {@code azureml:name:version}) of the code asset that holds the scoring
   * script of batch deployments, if set; batch jobs need it (see {@link Builder#batchCode}).
   *
   * @return the code asset id
   */
  public Optional<String> batchCodeId() {
    return Optional.ofNullable(batchCodeId);
  }

  /**
   * Returns the scoring script of batch deployments inside {@link #batchCodeId()}, if set.
   *
   * @return the script's path in the code asset, e.g. {@code batch_score.py}
   */
  public Optional<String> batchScoringScript() {
    return Optional.ofNullable(batchScoringScript);
  }

  /**
   * Returns the {@code requestSettings.requestTimeout} of online deployments; default 60 s, at most
   * 180 s (Azure's limit).
   *
   * @return the scoring request timeout
   */
  public Duration requestTimeout() {
    return requestTimeout;
  }

  /**
   * Returns the {@code requestSettings.maxConcurrentRequestsPerInstance} of online deployments;
   * default 1, Azure's default.
   *
   * @return concurrent requests per instance
   */
  public int maxConcurrentRequestsPerInstance() {
    return maxConcurrentRequestsPerInstance;
  }

  @Override
  public String toString() {
    return "AzureOptions[subscription="
        + subscriptionId
        + ", resourceGroup="
        + resourceGroup
        + ", workspace="
        + workspace
        + ", credential="
        + (credential == null ? "DefaultAzureCredential" : credential.getClass().getSimpleName())
        + ", arm="
        + armEndpoint
        + ", scoringAuth="
        + scoringAuthMode
        + "]";
  }

  private static String require(String value, String what) {
    if (value == null || value.isBlank()) {
      throw invalid("AzureOptions need a " + what);
    }
    return value;
  }

  private static ServingException invalid(String message) {
    return ServingException.builder(ErrorCategory.INVALID_INPUT)
        .providerId(AzureProvider.ID)
        .message(message)
        .build();
  }

  /** Builds {@link AzureOptions}; not thread-safe. */
  public static final class Builder {
    private String subscriptionId;
    private String resourceGroup;
    private String workspace;
    private TokenCredential credential;
    private URI armEndpoint = PUBLIC_CLOUD_ARM;
    private String armScope;
    private ScoringAuthMode scoringAuthMode = ScoringAuthMode.KEY;
    private HttpClient httpClient;
    private URI blobEndpoint;
    private String location;
    private Duration pollInterval = Duration.ofSeconds(10);
    private int maxRetries = 3;
    private Duration retryDelay = Duration.ofMillis(800);
    private String environment;
    private String batchCompute;
    private String batchCodeId;
    private String batchScoringScript;
    private Duration requestTimeout = Duration.ofSeconds(60);
    private int maxConcurrentRequestsPerInstance = 1;

    private Builder() {}

    /**
     * Sets the subscription id (required).
     *
     * @param subscriptionId the subscription
     * @return this builder
     */
    public Builder subscriptionId(String subscriptionId) {
      this.subscriptionId = subscriptionId;
      return this;
    }

    /**
     * Sets the resource group (required).
     *
     * @param resourceGroup the resource group
     * @return this builder
     */
    public Builder resourceGroup(String resourceGroup) {
      this.resourceGroup = resourceGroup;
      return this;
    }

    /**
     * Sets the workspace (required).
     *
     * @param workspace the workspace name
     * @return this builder
     */
    public Builder workspace(String workspace) {
      this.workspace = workspace;
      return this;
    }

    /**
     * Sets the credential; default {@code DefaultAzureCredential}.
     *
     * @param credential any azure-identity credential
     * @return this builder
     */
    public Builder credential(TokenCredential credential) {
      this.credential = credential;
      return this;
    }

    /**
     * Sets the ARM endpoint; default {@link AzureOptions#PUBLIC_CLOUD_ARM}. Also resets the ARM
     * scope to this endpoint's unless {@link #armScope} is set afterwards.
     *
     * @param armEndpoint the ARM endpoint
     * @return this builder
     */
    public Builder armEndpoint(URI armEndpoint) {
      this.armEndpoint = armEndpoint;
      this.armScope = null;
      return this;
    }

    /**
     * Sets the OAuth scope for ARM tokens.
     *
     * @param armScope the scope, e.g. {@code https://management.core.windows.net/.default}
     * @return this builder
     */
    public Builder armScope(String armScope) {
      this.armScope = armScope;
      return this;
    }

    /**
     * Sets how scoring calls authenticate; default {@link ScoringAuthMode#KEY}.
     *
     * @param mode the mode
     * @return this builder
     */
    public Builder scoringAuthMode(ScoringAuthMode mode) {
      this.scoringAuthMode = mode;
      return this;
    }

    /**
     * Sets the HTTP client; default azure-core's {@code HttpClient.createDefault()}.
     *
     * @param httpClient the client
     * @return this builder
     */
    public Builder httpClient(HttpClient httpClient) {
      this.httpClient = httpClient;
      return this;
    }

    /**
     * Overrides the blob service endpoint artifacts are uploaded to (tests, private links).
     *
     * @param blobEndpoint e.g. {@code https://account.blob.core.windows.net}
     * @return this builder
     */
    public Builder blobEndpoint(URI blobEndpoint) {
      this.blobEndpoint = blobEndpoint;
      return this;
    }

    /**
     * Sets the region of new endpoints; default the workspace's.
     *
     * @param location e.g. {@code westeurope}
     * @return this builder
     */
    public Builder location(String location) {
      this.location = location;
      return this;
    }

    /**
     * Sets the poll interval of long-running operations; default 10 s.
     *
     * @param pollInterval the interval
     * @return this builder
     */
    public Builder pollInterval(Duration pollInterval) {
      this.pollInterval = pollInterval;
      return this;
    }

    /**
     * Sets the number of retries; default 3.
     *
     * @param maxRetries retries, 0 to fail on the first throttling
     * @return this builder
     */
    public Builder maxRetries(int maxRetries) {
      this.maxRetries = maxRetries;
      return this;
    }

    /**
     * Sets the base retry delay; default 800 ms.
     *
     * @param retryDelay the delay
     * @return this builder
     */
    public Builder retryDelay(Duration retryDelay) {
      this.retryDelay = retryDelay;
      return this;
    }

    /**
     * Sets the environment for non-ONNX models without an image.
     *
     * @param environment ARM id or {@code azureml:name:version}
     * @return this builder
     */
    public Builder environment(String environment) {
      this.environment = environment;
      return this;
    }

    /**
     * Sets the compute cluster batch deployments run on.
     *
     * @param batchCompute the cluster name in the workspace
     * @return this builder
     */
    public Builder batchCompute(String batchCompute) {
      this.batchCompute = batchCompute;
      return this;
    }

    /**
     * Sets the scoring script of batch deployments, sent as their {@code codeConfiguration}. Azure
     * ML deploys a model to a batch endpoint without a scoring script only if it is an MLflow
     * model; serve4j's formats are not, so a batch job needs a script ({@code init()} and {@code
     * run(mini_batch)}) registered as a code asset, and {@link #environment} for it to run in.
     *
     * @param codeId ARM id or {@code azureml:name:version} of the code asset
     * @param scoringScript the script's path in the code asset, e.g. {@code batch_score.py}
     * @return this builder
     */
    public Builder batchCode(String codeId, String scoringScript) {
      this.batchCodeId = codeId;
      this.batchScoringScript = scoringScript;
      return this;
    }

    /**
     * Sets the scoring request timeout of online deployments; default 60 s, at most 180 s.
     *
     * @param requestTimeout the timeout
     * @return this builder
     */
    public Builder requestTimeout(Duration requestTimeout) {
      this.requestTimeout = requestTimeout;
      return this;
    }

    /**
     * Sets the concurrent requests per instance of online deployments; default 1.
     *
     * @param max the maximum
     * @return this builder
     */
    public Builder maxConcurrentRequestsPerInstance(int max) {
      this.maxConcurrentRequestsPerInstance = max;
      return this;
    }

    /**
     * Builds the options.
     *
     * @return the options
     * @throws io.serve4j.InvalidInputException if subscription, resource group or workspace is
     *     missing
     */
    public AzureOptions build() {
      return new AzureOptions(this);
    }
  }
}
