package io.serve4j.kserve;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.serve4j.ErrorCategory;
import io.serve4j.ProviderOptions;
import io.serve4j.ServingException;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Options of the KServe provider: which Kubernetes context and namespace, and overrides for tests
 * and for clusters whose service URLs the caller cannot reach.
 *
 * <pre>{@code
 * KServeOptions options = KServeOptions.builder()
 *     .context("aks-prod")          // default: the kubeconfig's current context, or in-cluster
 *     .namespace("models")          // default: the context's namespace
 *     .build();
 * ServingClient kserve = Serve4j.client(options);
 * }</pre>
 *
 * <p>Credentials are the fabric8 client's defaults: {@code KUBECONFIG} / {@code ~/.kube/config}, or
 * the pod's service account when running in a cluster. Immutable and thread-safe; {@link
 * #toString()} prints no credentials (it holds none: a caller-supplied client keeps its own).
 */
public final class KServeOptions implements ProviderOptions {
  /** The default interval between reads of an InferenceService's status, 2 seconds. */
  public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(2);

  /** The default serving runtime for ONNX models: KServe's Triton ClusterServingRuntime. */
  public static final String DEFAULT_TRITON_RUNTIME = "kserve-tritonserver";

  /** The default node label selecting a GPU type (NVIDIA GPU Feature Discovery's). */
  public static final String DEFAULT_GPU_PRODUCT_LABEL = "nvidia.com/gpu.product";

  /**
   * The Open Inference Protocol v2 transport predictions use.
   *
   * <p>{@link #REST}: {@code POST {status.url}/v2/models/{model}/infer} with JSON tensors. {@link
   * #GRPC}: {@code inference.GRPCInferenceService/ModelInfer} with raw tensors, at the host and
   * port of {@code status.url} (80 for {@code http}, 443 with TLS for {@code https}), the service's
   * host as {@code :authority}; the predictor's port is named {@code h2c} in the manifests serve4j
   * writes, which is how KServe (Knative) routes gRPC to it.
   */
  public enum Protocol {
    /** OIP v2 over HTTP/1.1 with JSON tensors; the default. */
    REST,
    /** OIP v2 over gRPC (HTTP/2) with {@code raw_input_contents} / {@code raw_output_contents}. */
    GRPC
  }

  // RFC 1123 label, what Kubernetes accepts as a namespace name
  private static final Pattern NAMESPACE = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

  private final String namespace;
  private final String context;
  private final KubernetesClient kubernetesClient;
  private final URI predictBaseUrl;
  private final Duration pollInterval;
  private final String tritonRuntime;
  private final String gpuProductLabel;
  private final boolean listAll;
  private final Protocol protocol;
  private final String grpcTarget;

  private KServeOptions(Builder b) {
    if (b.namespace != null && !NAMESPACE.matcher(b.namespace).matches()) {
      throw invalid("'" + b.namespace + "' is not a Kubernetes namespace name");
    }
    if (b.kubernetesClient != null && b.context != null) {
      throw invalid("give either a KubernetesClient or a context, not both");
    }
    this.namespace = b.namespace;
    this.context = b.context;
    this.kubernetesClient = b.kubernetesClient;
    if (b.predictBaseUrl != null
        && !("http".equals(b.predictBaseUrl.getScheme())
            || "https".equals(b.predictBaseUrl.getScheme()))) {
      throw invalid("predict base URL must be http(s), was " + b.predictBaseUrl);
    }
    this.predictBaseUrl = b.predictBaseUrl;
    this.pollInterval = b.pollInterval == null ? DEFAULT_POLL_INTERVAL : b.pollInterval;
    if (pollInterval.isNegative() || pollInterval.isZero()) {
      throw invalid("poll interval must be positive, was " + pollInterval);
    }
    this.tritonRuntime = b.tritonRuntime == null ? DEFAULT_TRITON_RUNTIME : b.tritonRuntime;
    this.gpuProductLabel = b.gpuProductLabel;
    this.listAll = b.listAll;
    this.protocol = b.protocol == null ? Protocol.REST : b.protocol;
    if (b.grpcTarget != null && !GRPC_TARGET.matcher(b.grpcTarget).matches()) {
      throw invalid("gRPC target must be host:port, was '" + b.grpcTarget + "'");
    }
    this.grpcTarget = b.grpcTarget;
  }

  private static final Pattern GRPC_TARGET =
      Pattern.compile("(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9][-A-Za-z0-9.]*):[0-9]{1,5}");

  /**
   * Starts a builder.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns a builder holding these options.
   *
   * @return a builder
   */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.namespace = namespace;
    b.context = context;
    b.kubernetesClient = kubernetesClient;
    b.predictBaseUrl = predictBaseUrl;
    b.pollInterval = pollInterval;
    b.tritonRuntime = tritonRuntime;
    b.gpuProductLabel = gpuProductLabel;
    b.listAll = listAll;
    b.protocol = protocol;
    b.grpcTarget = grpcTarget;
    return b;
  }

  /**
   * Options from a URI: {@code kserve://CONTEXT/NAMESPACE}, {@code kserve:///NAMESPACE} (the
   * current context), or {@code kserve:} (current context and its namespace); the one query
   * parameter is {@code protocol=rest|grpc} ({@link Protocol}), e.g. {@code
   * kserve://aks-prod/models?protocol=grpc}.
   *
   * @param uri a {@code kserve:} URI
   * @return the options
   * @throws io.serve4j.InvalidInputException if the URI is not of that form
   */
  public static KServeOptions fromUri(URI uri) {
    if (!KserveProvider.ID.equals(uri.getScheme())) {
      throw invalid("not a kserve: URI: " + uri);
    }
    Builder b = builder();
    if (uri.isOpaque()) {
      if (!uri.getSchemeSpecificPart().isEmpty()) {
        throw invalid("expected kserve://CONTEXT/NAMESPACE or kserve:///NAMESPACE, got " + uri);
      }
      return b.build();
    }
    if (uri.getFragment() != null) {
      throw invalid("a kserve: URI takes no fragment: " + uri);
    }
    if (uri.getQuery() != null) {
      for (String param : uri.getQuery().split("&")) {
        int eq = param.indexOf('=');
        String key = eq < 0 ? param : param.substring(0, eq);
        String value = eq < 0 ? "" : param.substring(eq + 1);
        if (!"protocol".equals(key)) {
          throw invalid("a kserve: URI takes only the query parameter protocol=rest|grpc: " + uri);
        }
        switch (value.toLowerCase(java.util.Locale.ROOT)) {
          case "rest" -> b.protocol(Protocol.REST);
          case "grpc" -> b.protocol(Protocol.GRPC);
          default -> throw invalid("protocol must be rest or grpc, was '" + value + "': " + uri);
        }
      }
    }
    String context = uri.getAuthority();
    if (context != null && !context.isEmpty()) {
      b.context(context);
    }
    String path = uri.getPath() == null ? "" : uri.getPath().replaceAll("^/+|/+$", "");
    if (path.contains("/")) {
      throw invalid("expected kserve://CONTEXT/NAMESPACE, got " + uri);
    }
    if (!path.isEmpty()) {
      b.namespace(path);
    }
    return b.build();
  }

  /**
   * Options from the environment: the kubeconfig's current context (or in-cluster credentials) and
   * its namespace. Reads no files and makes no calls until a client is opened.
   *
   * @return the options
   */
  public static KServeOptions fromEnvironment() {
    return builder().build();
  }

  @Override
  public String providerId() {
    return KserveProvider.ID;
  }

  /**
   * Returns the namespace; empty means the context's own namespace.
   *
   * @return the namespace, if set
   */
  public Optional<String> namespace() {
    return Optional.ofNullable(namespace);
  }

  /**
   * Returns the kubeconfig context; empty means the current one (or in-cluster).
   *
   * @return the context, if set
   */
  public Optional<String> context() {
    return Optional.ofNullable(context);
  }

  /**
   * Returns the caller's Kubernetes client, used as is and never closed by serve4j.
   *
   * @return the client, if given
   */
  public Optional<KubernetesClient> kubernetesClient() {
    return Optional.ofNullable(kubernetesClient);
  }

  /**
   * Returns the base URL predictions go to instead of each InferenceService's {@code status.url}.
   *
   * @return the override, if set
   */
  public Optional<URI> predictBaseUrl() {
    return Optional.ofNullable(predictBaseUrl);
  }

  /**
   * Returns the interval between status reads while waiting; default {@link
   * #DEFAULT_POLL_INTERVAL}.
   *
   * @return the interval
   */
  public Duration pollInterval() {
    return pollInterval;
  }

  /**
   * Returns the serving runtime named for ONNX models; default {@value #DEFAULT_TRITON_RUNTIME}.
   *
   * @return the runtime name
   */
  public String tritonRuntime() {
    return tritonRuntime;
  }

  /**
   * Returns the node label that selects a GPU type, or empty if GPU types add no node selector (the
   * default: which label a cluster uses is the cluster's choice; {@link #DEFAULT_GPU_PRODUCT_LABEL}
   * is NVIDIA GPU Feature Discovery's).
   *
   * @return the label key, if set
   */
  public Optional<String> gpuProductLabel() {
    return Optional.ofNullable(gpuProductLabel);
  }

  /**
   * Returns whether listing returns every InferenceService in the namespace, not only those serve4j
   * created; default false.
   *
   * @return true to list all
   */
  public boolean listAll() {
    return listAll;
  }

  /**
   * Returns the transport of predictions; default {@link Protocol#REST}.
   *
   * @return the protocol
   */
  public Protocol protocol() {
    return protocol;
  }

  /**
   * Returns the {@code host:port} gRPC predictions go to instead of the one derived from each
   * InferenceService's {@code status.url}; only used with {@link Protocol#GRPC}.
   *
   * @return the override, if set
   */
  public Optional<String> grpcTarget() {
    return Optional.ofNullable(grpcTarget);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof KServeOptions k
        && Objects.equals(namespace, k.namespace)
        && Objects.equals(context, k.context)
        && kubernetesClient == k.kubernetesClient
        && Objects.equals(predictBaseUrl, k.predictBaseUrl)
        && pollInterval.equals(k.pollInterval)
        && tritonRuntime.equals(k.tritonRuntime)
        && Objects.equals(gpuProductLabel, k.gpuProductLabel)
        && listAll == k.listAll
        && protocol == k.protocol
        && Objects.equals(grpcTarget, k.grpcTarget);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        namespace, context, predictBaseUrl, pollInterval, tritonRuntime, protocol, grpcTarget);
  }

  @Override
  public String toString() {
    return "KServeOptions[context="
        + (context == null ? "(current)" : context)
        + ", namespace="
        + (namespace == null ? "(context's)" : namespace)
        + (kubernetesClient != null ? ", client=(caller's)" : "")
        + (predictBaseUrl != null ? ", predictBaseUrl=" + predictBaseUrl : "")
        + ", pollInterval="
        + pollInterval
        + ", tritonRuntime="
        + tritonRuntime
        + (gpuProductLabel != null ? ", gpuProductLabel=" + gpuProductLabel : "")
        + (listAll ? ", listAll" : "")
        + (protocol != Protocol.REST ? ", protocol=" + protocol : "")
        + (grpcTarget != null ? ", grpcTarget=" + grpcTarget : "")
        + "]";
  }

  private static ServingException invalid(String message) {
    return ServingException.builder(ErrorCategory.INVALID_INPUT)
        .providerId(KserveProvider.ID)
        .message(message)
        .build();
  }

  /** Builds {@link KServeOptions}; not thread-safe. */
  public static final class Builder {
    private String namespace;
    private String context;
    private KubernetesClient kubernetesClient;
    private URI predictBaseUrl;
    private Duration pollInterval;
    private String tritonRuntime;
    private String gpuProductLabel;
    private boolean listAll;
    private Protocol protocol;
    private String grpcTarget;

    private Builder() {}

    /**
     * Sets the namespace of the InferenceServices.
     *
     * @param namespace a namespace name
     * @return this
     */
    public Builder namespace(String namespace) {
      this.namespace = namespace;
      return this;
    }

    /**
     * Sets the kubeconfig context.
     *
     * @param context a context name
     * @return this
     */
    public Builder context(String context) {
      this.context = context;
      return this;
    }

    /**
     * Uses a caller-built Kubernetes client (its own config, credentials and retries); serve4j
     * never closes it. Its retries stay as built: give it {@code requestRetryBackoffLimit(0)}, as
     * the provider does for the clients it builds, or fabric8's retries multiply core's.
     *
     * @param client the client
     * @return this
     */
    public Builder kubernetesClient(KubernetesClient client) {
      this.kubernetesClient = client;
      return this;
    }

    /**
     * Sends predictions to {@code baseUrl + /v2/models/{model}/infer} instead of each
     * InferenceService's {@code status.url}, e.g. a {@code kubectl port-forward} to the predictor.
     *
     * @param baseUrl an http(s) URL
     * @return this
     */
    public Builder predictBaseUrl(URI baseUrl) {
      this.predictBaseUrl = baseUrl;
      return this;
    }

    /**
     * Sets the interval between status reads while waiting.
     *
     * @param interval a positive duration
     * @return this
     */
    public Builder pollInterval(Duration interval) {
      this.pollInterval = interval;
      return this;
    }

    /**
     * Sets the serving runtime named for ONNX models.
     *
     * @param runtime a (Cluster)ServingRuntime name
     * @return this
     */
    public Builder tritonRuntime(String runtime) {
      this.tritonRuntime = runtime;
      return this;
    }

    /**
     * Adds a node selector {@code label: <GPU product>} for accelerators naming a GPU type.
     *
     * @param label a node label key, e.g. {@link #DEFAULT_GPU_PRODUCT_LABEL}
     * @return this
     */
    public Builder gpuProductLabel(String label) {
      this.gpuProductLabel = label;
      return this;
    }

    /**
     * Lists every InferenceService of the namespace, not only serve4j's.
     *
     * @param listAll true to list all
     * @return this
     */
    public Builder listAll(boolean listAll) {
      this.listAll = listAll;
      return this;
    }

    /**
     * Sets the transport of predictions: OIP v2 REST (the default) or gRPC. With gRPC the manifests
     * name the predictor's port {@code h2c}, so KServe routes gRPC to it.
     *
     * @param protocol the protocol
     * @return this
     */
    public Builder protocol(Protocol protocol) {
      this.protocol = protocol;
      return this;
    }

    /**
     * Sends gRPC predictions to {@code host:port} instead of the host and port of each
     * InferenceService's {@code status.url} (plaintext; the service's host is still sent as {@code
     * :authority}, so an ingress gateway's address works), e.g. {@code localhost:9000} for {@code
     * kubectl port-forward svc/NAME-predictor 9000:80}.
     *
     * @param hostPort {@code host:port}
     * @return this
     */
    public Builder grpcTarget(String hostPort) {
      this.grpcTarget = hostPort;
      return this;
    }

    /**
     * Builds the options.
     *
     * @return the options
     * @throws io.serve4j.InvalidInputException if a setting is invalid
     */
    public KServeOptions build() {
      return new KServeOptions(this);
    }
  }
}
