package io.serve4j;

import java.net.URI;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Makes an endpoint asynchronous: requests are queued, run when an instance is free, and their
 * results written to storage, so that large payloads and long inferences fit. An asynchronous
 * endpoint is invoked with {@link Endpoint#submit}, never {@link Endpoint#predict}; providers that
 * queue inferences declare {@link Capability#ASYNC_INFERENCE}.
 *
 * <pre>{@code
 * EndpointSpec spec = EndpointSpec.builder()
 *     .name("summarise")
 *     .deployment(DeploymentSpec.of("default", model))
 *     .asyncInference(AsyncInference.builder()
 *         .outputLocation(URI.create("s3://my-bucket/summaries/"))
 *         .maxConcurrentInvocationsPerInstance(4)
 *         .build())
 *     .build();
 * InferenceResponse r = client.deploy(spec).await().submit(request).await(Duration.ofMinutes(10));
 * }</pre>
 *
 * <p>Every setting is optional: {@code AsyncInference.defaults()} leaves the result locations and
 * the concurrency to the provider.
 */
public final class AsyncInference {
  /** The largest {@link #maxConcurrentInvocationsPerInstance()}. */
  public static final int MAX_CONCURRENT_INVOCATIONS = 1000;

  private static final AsyncInference DEFAULTS = builder().build();

  private final URI outputLocation;
  private final URI failureLocation;
  private final int maxConcurrentInvocationsPerInstance;

  private AsyncInference(Builder b) {
    this.outputLocation = absolute(b.outputLocation, "outputLocation");
    this.failureLocation = absolute(b.failureLocation, "failureLocation");
    Integer max = b.maxConcurrentInvocationsPerInstance;
    if (max != null && (max < 1 || max > MAX_CONCURRENT_INVOCATIONS)) {
      throw invalid(
          "asyncInference maxConcurrentInvocationsPerInstance must be 1.."
              + MAX_CONCURRENT_INVOCATIONS
              + ", was "
              + max);
    }
    this.maxConcurrentInvocationsPerInstance = max == null ? 0 : max;
  }

  private static URI absolute(URI uri, String field) {
    if (uri != null && (!uri.isAbsolute() || uri.isOpaque())) {
      throw invalid(
          "asyncInference "
              + field
              + " must be an absolute URI such as s3://bucket/prefix/, was "
              + uri);
    }
    return uri;
  }

  private static ServingException invalid(String message) {
    return ServingException.builder(ErrorCategory.INVALID_INPUT).message(message).build();
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
   * Asynchronous inference with the provider's default result locations and concurrency.
   *
   * @return the settings
   */
  public static AsyncInference defaults() {
    return DEFAULTS;
  }

  /**
   * Returns a builder with these settings.
   *
   * @return a builder
   */
  public Builder toBuilder() {
    Builder b = new Builder().outputLocation(outputLocation).failureLocation(failureLocation);
    if (maxConcurrentInvocationsPerInstance != 0) {
      b.maxConcurrentInvocationsPerInstance(maxConcurrentInvocationsPerInstance);
    }
    return b;
  }

  /**
   * Returns where results are written; empty leaves it to the provider (on AWS, under the staging
   * bucket and prefix).
   *
   * @return the location
   */
  public Optional<URI> outputLocation() {
    return Optional.ofNullable(outputLocation);
  }

  /**
   * Returns where the model's failures are written; empty leaves it to the provider.
   *
   * @return the location
   */
  public Optional<URI> failureLocation() {
    return Optional.ofNullable(failureLocation);
  }

  /**
   * Returns how many queued requests one instance runs at once; empty leaves it to the provider.
   *
   * @return 1..{@value #MAX_CONCURRENT_INVOCATIONS}, or empty
   */
  public OptionalInt maxConcurrentInvocationsPerInstance() {
    return maxConcurrentInvocationsPerInstance == 0
        ? OptionalInt.empty()
        : OptionalInt.of(maxConcurrentInvocationsPerInstance);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof AsyncInference a
        && Objects.equals(outputLocation, a.outputLocation)
        && Objects.equals(failureLocation, a.failureLocation)
        && maxConcurrentInvocationsPerInstance == a.maxConcurrentInvocationsPerInstance;
  }

  @Override
  public int hashCode() {
    return Objects.hash(outputLocation, failureLocation, maxConcurrentInvocationsPerInstance);
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder("AsyncInference[");
    String sep = "";
    if (outputLocation != null) {
      s.append("output=").append(outputLocation);
      sep = ", ";
    }
    if (failureLocation != null) {
      s.append(sep).append("failure=").append(failureLocation);
      sep = ", ";
    }
    if (maxConcurrentInvocationsPerInstance != 0) {
      s.append(sep).append("maxConcurrentInvocationsPerInstance=");
      s.append(maxConcurrentInvocationsPerInstance);
    }
    return s.append(']').toString();
  }

  /** Builds an {@link AsyncInference}. Not thread-safe. */
  public static final class Builder {
    private URI outputLocation;
    private URI failureLocation;
    private Integer maxConcurrentInvocationsPerInstance;

    private Builder() {}

    /**
     * Sets where results are written; null leaves it to the provider.
     *
     * @param location an absolute URI the provider can write, e.g. {@code s3://bucket/out/}
     * @return this builder
     */
    public Builder outputLocation(URI location) {
      this.outputLocation = location;
      return this;
    }

    /**
     * Sets where the model's failures are written; null leaves it to the provider.
     *
     * @param location an absolute URI the provider can write
     * @return this builder
     */
    public Builder failureLocation(URI location) {
      this.failureLocation = location;
      return this;
    }

    /**
     * Sets how many queued requests one instance runs at once.
     *
     * @param max 1..{@value AsyncInference#MAX_CONCURRENT_INVOCATIONS}
     * @return this builder
     */
    public Builder maxConcurrentInvocationsPerInstance(int max) {
      this.maxConcurrentInvocationsPerInstance = max;
      return this;
    }

    /**
     * Builds the settings.
     *
     * @return the settings
     * @throws InvalidInputException naming the field, if a location is not an absolute URI or the
     *     concurrency is outside 1..{@value AsyncInference#MAX_CONCURRENT_INVOCATIONS}
     */
    public AsyncInference build() {
      return new AsyncInference(this);
    }
  }
}
