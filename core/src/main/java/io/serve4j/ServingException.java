package io.serve4j;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The root of serve4j's single, unchecked error hierarchy.
 *
 * <p>Every failure has a {@link ErrorCategory} (with one subclass per category, e.g. {@link
 * NotFoundException}), says whether it is {@link #retryable()}, and whether it happened on the
 * {@link Origin#CLIENT client} (nothing was sent) or the {@link Origin#SERVICE service} said no.
 * The provider id, request id, HTTP / gRPC status and retry-after travel with it where known.
 * Messages never contain secrets.
 *
 * <p>The hierarchy is sealed: the category decides the subclass, so {@code catch (NotFoundException
 * e)} and {@code e.category() == NOT_FOUND} always agree. Create instances with {@link
 * #builder(ErrorCategory)}; there is no other way to make one.
 *
 * <pre>{@code
 * try {
 *   endpoint.predict(request);
 * } catch (ThrottledException e) {
 *   Duration wait = e.retryAfter().orElse(Duration.ofSeconds(1));
 * } catch (ServingException e) {
 *   if (e.retryable()) { ... }
 * }
 * }</pre>
 */
public abstract sealed class ServingException extends RuntimeException
    permits InvalidInputException,
        NotFoundException,
        ConflictException,
        UnauthenticatedException,
        PermissionDeniedException,
        QuotaExceededException,
        ThrottledException,
        UnavailableException,
        TimeoutException,
        UnsupportedCapabilityException,
        ModelLoadException,
        ModelErrorException,
        InternalException {
  private static final long serialVersionUID = 1L;

  /** Where a failure happened. */
  public enum Origin {
    /** Detected before anything was sent (validation, capability, local I/O). */
    CLIENT,
    /** The remote service or the runtime answered with an error. */
    SERVICE
  }

  private final ErrorCategory category;
  private final Origin origin;
  private final boolean retryable;
  private final String providerId;
  private final String requestId;
  private final Integer statusCode;
  private final Duration retryAfter;

  // Only the permitted subclasses (this package) call it; users go through builder().
  ServingException(Builder b) {
    super(b.message, b.cause);
    this.category = b.category;
    this.origin = b.origin;
    this.retryable = b.retryable != null ? b.retryable : b.category.retryable();
    this.providerId = b.providerId;
    this.requestId = b.requestId;
    this.statusCode = b.statusCode;
    this.retryAfter = b.retryAfter;
  }

  /**
   * Starts building an exception. {@link Builder#build()} returns the subclass of the category.
   *
   * @param category what went wrong
   * @return a builder; origin defaults to {@link Origin#CLIENT}
   */
  public static Builder builder(ErrorCategory category) {
    return new Builder(category);
  }

  /**
   * Returns the category.
   *
   * @return the category
   */
  public ErrorCategory category() {
    return category;
  }

  /**
   * Returns where it happened.
   *
   * @return client or service
   */
  public Origin origin() {
    return origin;
  }

  /**
   * Returns whether the same call may succeed if made again.
   *
   * @return true if retryable
   */
  public boolean retryable() {
    return retryable;
  }

  /**
   * Returns the id of the provider that raised it.
   *
   * @return the provider id, if known
   */
  public Optional<String> providerId() {
    return Optional.ofNullable(providerId);
  }

  /**
   * Returns the request id: the service's own, if it named one (quote it to the cloud's support),
   * else the id of the call or operation that failed, as listeners saw it in {@link
   * CallInfo#requestId()}.
   *
   * @return the request id, if known
   */
  public Optional<String> requestId() {
    return Optional.ofNullable(requestId);
  }

  /**
   * Returns the HTTP or gRPC status code the service answered with.
   *
   * @return the status, if any
   */
  public OptionalInt statusCode() {
    return statusCode == null ? OptionalInt.empty() : OptionalInt.of(statusCode);
  }

  /**
   * Returns how long the service asked the caller to wait before retrying.
   *
   * @return the delay, if the service gave one
   */
  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }

  /**
   * Returns a builder prefilled with this exception's fields, to add context (e.g. the provider id)
   * while keeping this exception as the cause chain's head.
   *
   * @return a builder
   */
  public Builder toBuilder() {
    Builder b = new Builder(category);
    b.message = getMessage();
    b.cause = getCause();
    b.origin = origin;
    b.retryable = retryable;
    b.providerId = providerId;
    b.requestId = requestId;
    b.statusCode = statusCode;
    b.retryAfter = retryAfter;
    return b;
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder(getClass().getSimpleName()).append(": ");
    sb.append(getMessage());
    sb.append(" [category=").append(category).append(", origin=").append(origin);
    if (providerId != null) sb.append(", provider=").append(providerId);
    if (statusCode != null) sb.append(", status=").append(statusCode);
    if (requestId != null) sb.append(", requestId=").append(requestId);
    if (retryAfter != null) sb.append(", retryAfter=").append(retryAfter);
    return sb.append(']').toString();
  }

  /** Builds a {@link ServingException} of the right subclass. Not thread-safe. */
  public static final class Builder {
    private final ErrorCategory category;
    private String message;
    private Throwable cause;
    private Origin origin = Origin.CLIENT;
    private Boolean retryable;
    private String providerId;
    private String requestId;
    private Integer statusCode;
    private Duration retryAfter;

    private Builder(ErrorCategory category) {
      this.category = Objects.requireNonNull(category, "category");
    }

    /**
     * Sets the message. It must not contain secrets.
     *
     * @param message what went wrong and, where possible, what to do
     * @return this builder
     */
    public Builder message(String message) {
      this.message = message;
      return this;
    }

    /**
     * Sets the original cause (the vendor's exception).
     *
     * @param cause the cause
     * @return this builder
     */
    public Builder cause(Throwable cause) {
      this.cause = cause;
      return this;
    }

    /**
     * Sets the origin; defaults to {@link Origin#CLIENT}.
     *
     * @param origin client or service
     * @return this builder
     */
    public Builder origin(Origin origin) {
      this.origin = Objects.requireNonNull(origin);
      return this;
    }

    /**
     * Shorthand for {@code origin(Origin.SERVICE)}.
     *
     * @return this builder
     */
    public Builder fromService() {
      return origin(Origin.SERVICE);
    }

    /**
     * Overrides the category's default retryability.
     *
     * @param retryable whether to retry
     * @return this builder
     */
    public Builder retryable(boolean retryable) {
      this.retryable = retryable;
      return this;
    }

    /**
     * Sets the provider id.
     *
     * @param providerId e.g. {@code "aws"}
     * @return this builder
     */
    public Builder providerId(String providerId) {
      this.providerId = providerId;
      return this;
    }

    /**
     * Sets the request id.
     *
     * @param requestId ours or the service's
     * @return this builder
     */
    public Builder requestId(String requestId) {
      this.requestId = requestId;
      return this;
    }

    /**
     * Sets the HTTP or gRPC status.
     *
     * @param statusCode the status
     * @return this builder
     */
    public Builder statusCode(int statusCode) {
      this.statusCode = statusCode;
      return this;
    }

    /**
     * Sets the service's retry-after hint.
     *
     * @param retryAfter the delay, or null
     * @return this builder
     */
    public Builder retryAfter(Duration retryAfter) {
      this.retryAfter = retryAfter;
      return this;
    }

    /**
     * Builds the exception of the category's subclass.
     *
     * @return the exception
     */
    public ServingException build() {
      if (message == null) {
        message = category.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ');
      }
      return switch (category) {
        case INVALID_INPUT -> new InvalidInputException(this);
        case NOT_FOUND -> new NotFoundException(this);
        case CONFLICT -> new ConflictException(this);
        case UNAUTHENTICATED -> new UnauthenticatedException(this);
        case PERMISSION_DENIED -> new PermissionDeniedException(this);
        case QUOTA_EXCEEDED -> new QuotaExceededException(this);
        case THROTTLED -> new ThrottledException(this);
        case UNAVAILABLE -> new UnavailableException(this);
        case TIMEOUT -> new TimeoutException(this);
        case UNSUPPORTED_CAPABILITY -> new UnsupportedCapabilityException(this);
        case MODEL_LOAD -> new ModelLoadException(this);
        case MODEL_ERROR -> new ModelErrorException(this);
        case INTERNAL -> new InternalException(this);
      };
    }
  }
}
