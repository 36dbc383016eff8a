package io.serve4j.aws;

import io.serve4j.ProviderOptions;
import java.net.URI;
import java.time.Duration;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.http.async.SdkAsyncHttpClient;
import software.amazon.awssdk.regions.Region;

/**
 * Options of the {@code aws} provider. Immutable; the builder is not thread-safe. {@link
 * #toString()} never prints credentials.
 *
 * <pre>{@code
 * AwsOptions options = AwsOptions.builder()
 *     .region(Region.EU_WEST_1)
 *     .executionRoleArn("arn:aws:iam::123456789012:role/SageMakerRole")
 *     .stagingBucket("my-models")
 *     .tag("team", "fraud")
 *     .build();
 * }</pre>
 *
 * <p>Defaults: the region and credentials come from the SDK's default chains when not set; the
 * staging bucket defaults to SageMaker's {@code sagemaker-<region>-<account id>}, the prefix to
 * {@code serve4j}; endpoints are polled every 15 seconds.
 */
public final class AwsOptions implements ProviderOptions {
  private final Region region;
  private final AwsCredentialsProvider credentialsProvider;
  private final String executionRoleArn;
  private final String stagingBucket;
  private final String stagingPrefix;
  private final Map<AwsService, URI> endpointOverrides;
  private final boolean s3PathStyle;
  private final boolean s3ExpectContinue;
  private final boolean createStagingBucket;
  private final SdkAsyncHttpClient httpClient;
  private final String kmsKeyId;
  private final AwsVpcConfig vpcConfig;
  private final Map<String, String> tags;
  private final Duration pollInterval;
  private final AwsUpdatePolicy updatePolicy;
  private final AwsDataCapture dataCapture;
  private final String onnxImage;
  private final long multipartThreshold;
  private final long multipartPartSize;

  private AwsOptions(Builder b) {
    this.region = b.region;
    this.credentialsProvider = b.credentialsProvider;
    this.executionRoleArn = b.executionRoleArn;
    this.stagingBucket = b.stagingBucket;
    this.stagingPrefix = b.stagingPrefix;
    this.endpointOverrides = Map.copyOf(b.endpointOverrides);
    this.s3PathStyle = b.s3PathStyle;
    this.s3ExpectContinue = b.s3ExpectContinue;
    this.createStagingBucket = b.createStagingBucket;
    this.httpClient = b.httpClient;
    this.kmsKeyId = b.kmsKeyId;
    this.vpcConfig = b.vpcConfig;
    this.tags = Map.copyOf(b.tags);
    this.pollInterval = b.pollInterval;
    this.updatePolicy = b.updatePolicy;
    this.dataCapture = b.dataCapture;
    this.onnxImage = b.onnxImage;
    if (b.multipartPartSize < 1 || b.multipartThreshold < 1) {
      throw new IllegalArgumentException("multipart sizes must be positive");
    }
    this.multipartThreshold = b.multipartThreshold;
    this.multipartPartSize = b.multipartPartSize;
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
   * Returns a builder with these options.
   *
   * @return a builder
   */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.region = region;
    b.credentialsProvider = credentialsProvider;
    b.executionRoleArn = executionRoleArn;
    b.stagingBucket = stagingBucket;
    b.stagingPrefix = stagingPrefix;
    b.endpointOverrides.putAll(endpointOverrides);
    b.s3PathStyle = s3PathStyle;
    b.s3ExpectContinue = s3ExpectContinue;
    b.createStagingBucket = createStagingBucket;
    b.httpClient = httpClient;
    b.kmsKeyId = kmsKeyId;
    b.vpcConfig = vpcConfig;
    b.tags.putAll(tags);
    b.pollInterval = pollInterval;
    b.updatePolicy = updatePolicy;
    b.dataCapture = dataCapture;
    b.onnxImage = onnxImage;
    b.multipartThreshold = multipartThreshold;
    b.multipartPartSize = multipartPartSize;
    return b;
  }

  @Override
  public String providerId() {
    return AwsProvider.ID;
  }

  /**
   * Returns the region.
   *
   * @return the region, empty for the SDK's default region chain
   */
  public Optional<Region> region() {
    return Optional.ofNullable(region);
  }

  /**
   * Returns the credentials provider.
   *
   * @return the provider, empty for the SDK's default credentials chain
   */
  public Optional<AwsCredentialsProvider> credentialsProvider() {
    return Optional.ofNullable(credentialsProvider);
  }

  /**
   * Returns the IAM role SageMaker assumes to pull images and model artifacts.
   *
   * @return the role ARN; required to deploy
   */
  public Optional<String> executionRoleArn() {
    return Optional.ofNullable(executionRoleArn);
  }

  /**
   * Returns the S3 bucket local artifacts are staged to.
   *
   * @return the bucket, empty for {@code sagemaker-<region>-<account id>}
   */
  public Optional<String> stagingBucket() {
    return Optional.ofNullable(stagingBucket);
  }

  /**
   * Returns the key prefix of staged artifacts.
   *
   * @return the prefix, default {@code serve4j}
   */
  public String stagingPrefix() {
    return stagingPrefix;
  }

  /**
   * Returns the endpoint overrides (VPC endpoints, tests).
   *
   * @return overrides by service
   */
  public Map<AwsService, URI> endpointOverrides() {
    return endpointOverrides;
  }

  /**
   * Returns whether S3 is addressed path-style ({@code host/bucket/key}).
   *
   * @return true for path-style; default false
   */
  public boolean s3PathStyle() {
    return s3PathStyle;
  }

  /**
   * Returns whether S3 uploads ({@code PutObject}, {@code UploadPart}) send {@code Expect:
   * 100-continue}, as the SDK does by default. Some S3-compatible servers, or proxies in front of
   * them, answer the interim {@code 100 Continue} in a way the SDK's Netty client does not read
   * (only after the body, or as if it were the final answer: aws-sdk-java-v2 issue 1969), and the
   * upload hangs until the read timeout or fails with {@code Status Code: 100}; turn it off for
   * those. AWS S3 itself handles either.
   *
   * @return true to send the header; default true
   */
  public boolean s3ExpectContinue() {
    return s3ExpectContinue;
  }

  /**
   * Returns whether a missing staging bucket is created on first use: SageMaker's default {@code
   * sagemaker-<region>-<account id>} or the configured {@link #stagingBucket()}, in the client's
   * region, with all public access blocked and, if {@link #kmsKeyId()} is set, SSE-KMS default
   * encryption with that key. When off, staging to a missing bucket fails with {@link
   * io.serve4j.NotFoundException}.
   *
   * @return true to create it; default false
   */
  public boolean createStagingBucket() {
    return createStagingBucket;
  }

  /**
   * Returns the caller's HTTP client, shared by every SDK client and never closed by serve4j.
   *
   * @return the client, empty to let serve4j create (and close) a Netty client
   */
  public Optional<SdkAsyncHttpClient> httpClient() {
    return Optional.ofNullable(httpClient);
  }

  /**
   * Returns the KMS key for staged artifacts and asynchronous inputs, endpoint storage, data
   * capture, batch output and asynchronous inference results.
   *
   * @return the key id or ARN
   */
  public Optional<String> kmsKeyId() {
    return Optional.ofNullable(kmsKeyId);
  }

  /**
   * Returns the VPC model containers run in.
   *
   * @return the VPC config
   */
  public Optional<AwsVpcConfig> vpcConfig() {
    return Optional.ofNullable(vpcConfig);
  }

  /**
   * Returns tags put on every model, endpoint config, endpoint and transform job.
   *
   * @return the tags
   */
  public Map<String, String> tags() {
    return tags;
  }

  /**
   * Returns how often endpoint and job status is polled. The results of asynchronous inferences are
   * polled at this interval too, but at least every 2 seconds.
   *
   * @return the interval, default 15 seconds
   */
  public Duration pollInterval() {
    return pollInterval;
  }

  /**
   * Returns the blue/green policy of endpoint updates.
   *
   * @return the policy, empty for SageMaker's default (all at once)
   */
  public Optional<AwsUpdatePolicy> updatePolicy() {
    return Optional.ofNullable(updatePolicy);
  }

  /**
   * Returns the data capture of created endpoints.
   *
   * @return the capture, empty for none
   */
  public Optional<AwsDataCapture> dataCapture() {
    return Optional.ofNullable(dataCapture);
  }

  /**
   * Returns the image that serves ONNX models.
   *
   * @return the image URI, empty for SageMaker's Triton image of the region
   */
  public Optional<String> onnxImage() {
    return Optional.ofNullable(onnxImage);
  }

  /**
   * Returns the size above which staged artifacts are uploaded in parts.
   *
   * @return bytes, default 64 MiB
   */
  public long multipartThreshold() {
    return multipartThreshold;
  }

  /**
   * Returns the size of each uploaded part (S3 needs at least 5 MiB but for the last).
   *
   * @return bytes, default 16 MiB
   */
  public long multipartPartSize() {
    return multipartPartSize;
  }

  @Override
  public String toString() {
    return "AwsOptions[region="
        + region
        + ", credentials="
        + (credentialsProvider == null
            ? "default chain"
            : credentialsProvider.getClass().getSimpleName())
        + ", executionRoleArn="
        + executionRoleArn
        + ", stagingBucket="
        + stagingBucket
        + ", stagingPrefix="
        + stagingPrefix
        + ", endpointOverrides="
        + endpointOverrides
        + ", s3PathStyle="
        + s3PathStyle
        + ", s3ExpectContinue="
        + s3ExpectContinue
        + ", createStagingBucket="
        + createStagingBucket
        + ", kmsKeyId="
        + (kmsKeyId == null ? null : "(set)")
        + ", vpc="
        + (vpcConfig != null)
        + ", tags="
        + tags.keySet()
        + ", pollInterval="
        + pollInterval
        + ", updatePolicy="
        + updatePolicy
        + "]";
  }

  /** Builds {@link AwsOptions}. Not thread-safe. */
  public static final class Builder {
    private Region region;
    private AwsCredentialsProvider credentialsProvider;
    private String executionRoleArn;
    private String stagingBucket;
    private String stagingPrefix = "serve4j";
    private final Map<AwsService, URI> endpointOverrides = new EnumMap<>(AwsService.class);
    private boolean s3PathStyle;
    private boolean s3ExpectContinue = true;
    private boolean createStagingBucket;
    private SdkAsyncHttpClient httpClient;
    private String kmsKeyId;
    private AwsVpcConfig vpcConfig;
    private final Map<String, String> tags = new LinkedHashMap<>();
    private Duration pollInterval = Duration.ofSeconds(15);
    private AwsUpdatePolicy updatePolicy;
    private AwsDataCapture dataCapture;
    private String onnxImage;
    private long multipartThreshold = 64L << 20;
    private long multipartPartSize = 16L << 20;

    private Builder() {}

    /**
     * Sets the region.
     *
     * @param region the region; null for the default chain
     * @return this builder
     */
    public Builder region(Region region) {
      this.region = region;
      return this;
    }

    /**
     * Sets the credentials.
     *
     * @param credentialsProvider the provider; null for the default chain
     * @return this builder
     */
    public Builder credentialsProvider(AwsCredentialsProvider credentialsProvider) {
      this.credentialsProvider = credentialsProvider;
      return this;
    }

    /**
     * Sets the SageMaker execution role.
     *
     * @param executionRoleArn the role ARN
     * @return this builder
     */
    public Builder executionRoleArn(String executionRoleArn) {
      this.executionRoleArn = executionRoleArn;
      return this;
    }

    /**
     * Sets the staging bucket.
     *
     * @param bucket the bucket name
     * @return this builder
     */
    public Builder stagingBucket(String bucket) {
      this.stagingBucket = bucket;
      return this;
    }

    /**
     * Sets the staging key prefix.
     *
     * @param prefix the prefix, without leading or trailing slash
     * @return this builder
     */
    public Builder stagingPrefix(String prefix) {
      this.stagingPrefix = Objects.requireNonNull(prefix, "prefix");
      return this;
    }

    /**
     * Sends one service's calls to another endpoint (a VPC endpoint, a test fake).
     *
     * @param service the service
     * @param endpoint its endpoint
     * @return this builder
     */
    public Builder endpointOverride(AwsService service, URI endpoint) {
      endpointOverrides.put(
          Objects.requireNonNull(service, "service"), Objects.requireNonNull(endpoint, "endpoint"));
      return this;
    }

    /**
     * Sends every service's calls to one endpoint (a local fake of AWS).
     *
     * @param endpoint the endpoint
     * @return this builder
     */
    public Builder endpointOverride(URI endpoint) {
      for (AwsService s : AwsService.values()) {
        endpointOverride(s, endpoint);
      }
      return this;
    }

    /**
     * Addresses S3 path-style ({@code host/bucket/key}) instead of virtual-hosted.
     *
     * @param pathStyle true for path-style
     * @return this builder
     */
    public Builder s3PathStyle(boolean pathStyle) {
      this.s3PathStyle = pathStyle;
      return this;
    }

    /**
     * Sends or leaves out {@code Expect: 100-continue} on S3 uploads; see {@link
     * AwsOptions#s3ExpectContinue()}.
     *
     * @param expectContinue false for S3-compatible endpoints that mishandle it; default true
     * @return this builder
     */
    public Builder s3ExpectContinue(boolean expectContinue) {
      this.s3ExpectContinue = expectContinue;
      return this;
    }

    /**
     * Creates a missing staging bucket on first use; see {@link AwsOptions#createStagingBucket()}.
     *
     * @param create true to create it; default false (a missing bucket is a NotFoundException)
     * @return this builder
     */
    public Builder createStagingBucket(boolean create) {
      this.createStagingBucket = create;
      return this;
    }

    /**
     * Sets the HTTP client shared by every SDK client; serve4j never closes it.
     *
     * @param httpClient the client
     * @return this builder
     */
    public Builder httpClient(SdkAsyncHttpClient httpClient) {
      this.httpClient = httpClient;
      return this;
    }

    /**
     * Sets the KMS key.
     *
     * @param kmsKeyId key id or ARN
     * @return this builder
     */
    public Builder kmsKeyId(String kmsKeyId) {
      this.kmsKeyId = kmsKeyId;
      return this;
    }

    /**
     * Runs model containers in a VPC.
     *
     * @param vpcConfig the VPC config
     * @return this builder
     */
    public Builder vpcConfig(AwsVpcConfig vpcConfig) {
      this.vpcConfig = vpcConfig;
      return this;
    }

    /**
     * Adds a tag to everything serve4j creates.
     *
     * @param key the key
     * @param value the value
     * @return this builder
     */
    public Builder tag(String key, String value) {
      tags.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
      return this;
    }

    /**
     * Sets the status poll interval.
     *
     * @param interval positive interval
     * @return this builder
     */
    public Builder pollInterval(Duration interval) {
      if (interval == null || interval.isNegative() || interval.isZero()) {
        throw new IllegalArgumentException("poll interval must be positive, was " + interval);
      }
      this.pollInterval = interval;
      return this;
    }

    /**
     * Sets the blue/green policy of endpoint updates.
     *
     * @param policy the policy; null for SageMaker's default
     * @return this builder
     */
    public Builder updatePolicy(AwsUpdatePolicy policy) {
      this.updatePolicy = policy;
      return this;
    }

    /**
     * Captures requests and responses of created endpoints.
     *
     * @param capture the capture; null for none
     * @return this builder
     */
    public Builder dataCapture(AwsDataCapture capture) {
      this.dataCapture = capture;
      return this;
    }

    /**
     * Overrides the image serving ONNX models (default: SageMaker's Triton image of the region).
     *
     * @param imageUri the image URI
     * @return this builder
     */
    public Builder onnxImage(String imageUri) {
      this.onnxImage = imageUri;
      return this;
    }

    /**
     * Sets when and how staged artifacts are uploaded in parts.
     *
     * @param threshold size above which multipart upload is used
     * @param partSize part size
     * @return this builder
     */
    public Builder multipart(long threshold, long partSize) {
      this.multipartThreshold = threshold;
      this.multipartPartSize = partSize;
      return this;
    }

    /**
     * Builds the options.
     *
     * @return the options
     */
    public AwsOptions build() {
      return new AwsOptions(this);
    }
  }
}
