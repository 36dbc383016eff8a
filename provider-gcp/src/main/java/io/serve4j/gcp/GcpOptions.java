package io.serve4j.gcp;

import com.google.api.gax.core.CredentialsProvider;
import com.google.api.gax.rpc.TransportChannelProvider;
import com.google.cloud.storage.Storage;
import io.serve4j.ErrorCategory;
import io.serve4j.ProviderOptions;
import io.serve4j.ServingException;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Options of the Vertex AI provider: project, location (which sets the regional API host for you),
 * credentials, where local model artifacts are staged, and overrides for tests.
 *
 * <pre>{@code
 * GcpOptions options = GcpOptions.builder()
 *     .project("my-project")
 *     .location("us-central1")              // -> us-central1-aiplatform.googleapis.com:443
 *     .stagingBucket("my-models")           // local artifacts are uploaded here
 *     .build();
 * ServingClient vertex = Serve4j.client(options);
 * }</pre>
 *
 * <p>Immutable and thread-safe. {@link #toString()} never prints credentials.
 */
public final class GcpOptions implements ProviderOptions {

  /** The default location, {@code us-central1}. */
  public static final String DEFAULT_LOCATION = "us-central1";

  /** The default interval between polls of a long-running operation, 10 seconds. */
  public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(10);

  private static final Pattern LOCATION = Pattern.compile("[a-z][a-z0-9-]{1,62}");
  private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9._-]{1,221}[a-z0-9]");

  private final String project;
  private final String location;
  private final CredentialsProvider credentialsProvider;
  private final String stagingBucket;
  private final String stagingPrefix;
  private final String serviceAccount;
  private final String network;
  private final String endpointOverride;
  private final TransportChannelProvider transportChannelProvider;
  private final Storage storage;
  private final Duration pollInterval;
  private final String tritonImage;

  private GcpOptions(Builder b) {
    if (b.project == null || b.project.isBlank()) {
      throw invalid("GcpOptions need a project: set project(...) or GOOGLE_CLOUD_PROJECT");
    }
    this.project = b.project;
    this.location = b.location == null ? DEFAULT_LOCATION : b.location;
    if (!LOCATION.matcher(location).matches()) {
      throw invalid("'" + location + "' is not a Vertex AI location such as us-central1");
    }
    if (b.stagingBucket != null && !BUCKET.matcher(b.stagingBucket).matches()) {
      throw invalid(
          "staging bucket '"
              + b.stagingBucket
              + "' must be a bucket name, without gs:// or a path");
    }
    this.credentialsProvider = b.credentialsProvider;
    this.stagingBucket = b.stagingBucket;
    this.stagingPrefix = b.stagingPrefix == null ? "serve4j" : trimSlashes(b.stagingPrefix);
    this.serviceAccount = b.serviceAccount;
    this.network = b.network;
    this.endpointOverride = b.endpointOverride;
    this.transportChannelProvider = b.transportChannelProvider;
    this.storage = b.storage;
    this.pollInterval = b.pollInterval == null ? DEFAULT_POLL_INTERVAL : b.pollInterval;
    if (pollInterval.isNegative() || pollInterval.isZero()) {
      throw invalid("poll interval must be positive, was " + pollInterval);
    }
    this.tritonImage = b.tritonImage;
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
   * Options from a URI {@code gcp://PROJECT/LOCATION}, with optional {@code bucket=NAME} (the
   * staging bucket) and {@code tritonImage=IMAGE} query settings, e.g. {@code
   * gcp://my-project/europe-west4?bucket=my-models}. The location defaults to {@value
   * #DEFAULT_LOCATION} and the project to {@code GOOGLE_CLOUD_PROJECT}.
   *
   * @param uri the URI
   * @return the options, with Application Default Credentials
   * @throws io.serve4j.InvalidInputException if the URI is not of that form
   */
  public static GcpOptions fromUri(URI uri) {
    if (!GcpProvider.ID.equals(uri.getScheme())) {
      throw invalid("not a gcp: URI: " + uri);
    }
    Builder b = builder();
    String project = uri.getAuthority();
    b.project(project == null || project.isEmpty() ? env("GOOGLE_CLOUD_PROJECT") : project);
    String path = uri.getPath() == null ? "" : trimSlashes(uri.getPath());
    if (path.contains("/")) {
      throw invalid("expected gcp://PROJECT/LOCATION, got " + uri);
    }
    b.location(path.isEmpty() ? DEFAULT_LOCATION : path);
    if (uri.getQuery() != null) {
      for (String kv : uri.getQuery().split("&")) {
        String[] p = kv.split("=", 2);
        if (p.length == 2 && p[0].equals("bucket")) {
          b.stagingBucket(p[1]);
        } else if (p.length == 2 && p[0].equals("tritonImage")) {
          b.tritonImage(p[1]);
        } else {
          throw invalid("unknown setting '" + kv + "' in " + uri + "; known: bucket, tritonImage");
        }
      }
    }
    return b.build();
  }

  /**
   * Options from the environment: {@code GOOGLE_CLOUD_PROJECT} (or {@code CLOUDSDK_CORE_PROJECT}),
   * {@code GOOGLE_CLOUD_REGION} (default {@value #DEFAULT_LOCATION}), {@code
   * SERVE4J_GCP_STAGING_BUCKET}, {@code SERVE4J_GCP_TRITON_IMAGE}, and Application Default
   * Credentials. Reads no files and makes no calls.
   *
   * @return the options
   * @throws io.serve4j.InvalidInputException if no project is set
   */
  public static GcpOptions fromEnvironment() {
    String project = env("GOOGLE_CLOUD_PROJECT");
    if (project == null) {
      project = env("CLOUDSDK_CORE_PROJECT");
    }
    String region = env("GOOGLE_CLOUD_REGION");
    return builder()
        .project(project)
        .location(region == null ? DEFAULT_LOCATION : region)
        .stagingBucket(env("SERVE4J_GCP_STAGING_BUCKET"))
        .tritonImage(env("SERVE4J_GCP_TRITON_IMAGE"))
        .build();
  }

  /**
   * Returns a builder with these options.
   *
   * @return a builder
   */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.project = project;
    b.location = location;
    b.credentialsProvider = credentialsProvider;
    b.stagingBucket = stagingBucket;
    b.stagingPrefix = stagingPrefix;
    b.serviceAccount = serviceAccount;
    b.network = network;
    b.endpointOverride = endpointOverride;
    b.transportChannelProvider = transportChannelProvider;
    b.storage = storage;
    b.pollInterval = pollInterval;
    b.tritonImage = tritonImage;
    return b;
  }

  @Override
  public String providerId() {
    return GcpProvider.ID;
  }

  /**
   * Returns the Google Cloud project id.
   *
   * @return the project
   */
  public String project() {
    return project;
  }

  /**
   * Returns the Vertex AI location (region); default {@value #DEFAULT_LOCATION}.
   *
   * @return the location
   */
  public String location() {
    return location;
  }

  /**
   * Returns the API host the clients talk to: the endpoint override if set, else the regional host
   * {@code LOCATION-aiplatform.googleapis.com:443}.
   *
   * @return host and port
   */
  public String apiEndpoint() {
    if (endpointOverride != null) {
      return endpointOverride;
    }
    return location.equals("global")
        ? "aiplatform.googleapis.com:443"
        : location + "-aiplatform.googleapis.com:443";
  }

  /**
   * Returns the credentials; empty means Application Default Credentials.
   *
   * @return the credentials provider
   */
  public Optional<CredentialsProvider> credentialsProvider() {
    return Optional.ofNullable(credentialsProvider);
  }

  /**
   * Returns the Cloud Storage bucket local artifacts are staged to.
   *
   * @return the bucket name
   */
  public Optional<String> stagingBucket() {
    return Optional.ofNullable(stagingBucket);
  }

  /**
   * Returns the object prefix under the staging bucket; default {@code serve4j}.
   *
   * @return the prefix, without slashes at either end
   */
  public String stagingPrefix() {
    return stagingPrefix;
  }

  /**
   * Returns the service account deployed models and batch jobs run as; empty for Vertex AI's
   * default.
   *
   * @return the service account email
   */
  public Optional<String> serviceAccount() {
    return Optional.ofNullable(serviceAccount);
  }

  /**
   * Returns the VPC network of private endpoints, {@code projects/NUMBER/global/networks/NAME};
   * empty for public endpoints.
   *
   * @return the network
   */
  public Optional<String> network() {
    return Optional.ofNullable(network);
  }

  /**
   * Returns the endpoint override, if set.
   *
   * @return host and port
   */
  public Optional<String> endpointOverride() {
    return Optional.ofNullable(endpointOverride);
  }

  /**
   * Returns the gRPC transport channel provider override (for tests), if set.
   *
   * @return the channel provider
   */
  public Optional<TransportChannelProvider> transportChannelProvider() {
    return Optional.ofNullable(transportChannelProvider);
  }

  /**
   * Returns the Cloud Storage client to stage with, if the caller passed one; it is never closed by
   * serve4j.
   *
   * @return the storage client
   */
  public Optional<Storage> storage() {
    return Optional.ofNullable(storage);
  }

  /**
   * Returns the interval between polls of long-running operations and batch jobs; default 10 s.
   *
   * @return the interval
   */
  public Duration pollInterval() {
    return pollInterval;
  }

  /**
   * Returns the Triton image ONNX models are served with, if set. There is no default: Vertex AI
   * documents no Triton image of its own (its Triton guide uses NVIDIA's NGC image, which Vertex AI
   * cannot pull), so deploying an ONNX model without this is refused with an {@code
   * InvalidInputException} naming it, before any call.
   *
   * @return the image URI
   */
  public Optional<String> tritonImage() {
    return Optional.ofNullable(tritonImage);
  }

  @Override
  public String toString() {
    return "GcpOptions[project="
        + project
        + ", location="
        + location
        + ", apiEndpoint="
        + apiEndpoint()
        + ", credentials="
        + (credentialsProvider == null ? "application-default" : "custom")
        + (stagingBucket != null ? ", stagingBucket=" + stagingBucket : "")
        + (serviceAccount != null ? ", serviceAccount=" + serviceAccount : "")
        + (network != null ? ", network=" + network : "")
        + ", pollInterval="
        + pollInterval
        + "]";
  }

  private static String env(String name) {
    String v = System.getenv(name);
    return v == null || v.isBlank() ? null : v;
  }

  private static String trimSlashes(String s) {
    String r = s;
    while (r.startsWith("/")) {
      r = r.substring(1);
    }
    while (r.endsWith("/")) {
      r = r.substring(0, r.length() - 1);
    }
    return r;
  }

  private static ServingException invalid(String message) {
    return ServingException.builder(ErrorCategory.INVALID_INPUT)
        .providerId(GcpProvider.ID)
        .message(message)
        .build();
  }

  /** Builds {@link GcpOptions}. Not thread-safe. */
  public static final class Builder {
    private String project;
    private String location;
    private CredentialsProvider credentialsProvider;
    private String stagingBucket;
    private String stagingPrefix;
    private String serviceAccount;
    private String network;
    private String endpointOverride;
    private TransportChannelProvider transportChannelProvider;
    private Storage storage;
    private Duration pollInterval;
    private String tritonImage;

    private Builder() {}

    /**
     * Sets the project id (required).
     *
     * @param project e.g. {@code my-project}
     * @return this builder
     */
    public Builder project(String project) {
      this.project = project;
      return this;
    }

    /**
     * Sets the location; default {@value GcpOptions#DEFAULT_LOCATION}. The regional API host
     * follows from it.
     *
     * @param location e.g. {@code europe-west4}
     * @return this builder
     */
    public Builder location(String location) {
      this.location = location;
      return this;
    }

    /**
     * Sets the credentials; by default Application Default Credentials.
     *
     * @param credentialsProvider e.g. {@code FixedCredentialsProvider.create(credentials)}
     * @return this builder
     */
    public Builder credentialsProvider(CredentialsProvider credentialsProvider) {
      this.credentialsProvider = credentialsProvider;
      return this;
    }

    /**
     * Sets the bucket local artifacts are staged to; required to deploy a {@code file:} or {@code
     * classpath:} artifact.
     *
     * @param bucket a bucket name, without {@code gs://}
     * @return this builder
     */
    public Builder stagingBucket(String bucket) {
      this.stagingBucket = bucket;
      return this;
    }

    /**
     * Sets the object prefix under the staging bucket; default {@code serve4j}.
     *
     * @param prefix the prefix
     * @return this builder
     */
    public Builder stagingPrefix(String prefix) {
      this.stagingPrefix = prefix;
      return this;
    }

    /**
     * Sets the service account deployed models and batch jobs run as.
     *
     * @param serviceAccount an email
     * @return this builder
     */
    public Builder serviceAccount(String serviceAccount) {
      this.serviceAccount = serviceAccount;
      return this;
    }

    /**
     * Sets the VPC network for private endpoints.
     *
     * @param network {@code projects/NUMBER/global/networks/NAME}
     * @return this builder
     */
    public Builder network(String network) {
      this.network = network;
      return this;
    }

    /**
     * Overrides the API host (tests, private service connect).
     *
     * @param hostAndPort e.g. {@code localhost:8080}
     * @return this builder
     */
    public Builder endpointOverride(String hostAndPort) {
      this.endpointOverride = hostAndPort;
      return this;
    }

    /**
     * Overrides the gRPC transport channel provider (tests).
     *
     * @param provider the channel provider
     * @return this builder
     */
    public Builder transportChannelProvider(TransportChannelProvider provider) {
      this.transportChannelProvider = provider;
      return this;
    }

    /**
     * Sets the Cloud Storage client used for staging; by default one is built from the project and
     * credentials. A client passed here is never closed by serve4j.
     *
     * @param storage the client
     * @return this builder
     */
    public Builder storage(Storage storage) {
      this.storage = storage;
      return this;
    }

    /**
     * Sets the interval between polls of long-running operations; default 10 s.
     *
     * @param interval a positive duration
     * @return this builder
     */
    public Builder pollInterval(Duration interval) {
      this.pollInterval = Objects.requireNonNull(interval, "interval");
      return this;
    }

    /**
     * Sets the Triton image ONNX models are served with: NVIDIA's {@code
     * nvcr.io/nvidia/tritonserver:<tag>-py3} pushed to your Artifact Registry (Vertex AI pulls
     * serving containers only from Artifact Registry or Container Registry). Required to deploy
     * ONNX models; no default.
     *
     * @param image e.g. {@code us-docker.pkg.dev/my-project/serving/tritonserver:24.08-py3}
     * @return this builder
     */
    public Builder tritonImage(String image) {
      this.tritonImage = image;
      return this;
    }

    /**
     * Builds the options.
     *
     * @return the options
     * @throws io.serve4j.InvalidInputException if the project is missing or a value is malformed
     */
    public GcpOptions build() {
      return new GcpOptions(this);
    }
  }
}
