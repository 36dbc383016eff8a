package io.serve4j.testkit;

import java.time.Duration;
import java.util.Objects;

/**
 * A failure a provider's fake injects into its next prediction call, for {@link
 * FaultInjectionContract}.
 *
 * @param kind what goes wrong
 * @param duration the Retry-After of {@link Kind#THROTTLE}, or the delay of {@link Kind#SLOW}
 */
public record Fault(Kind kind, Duration duration) {
  /** What goes wrong. */
  public enum Kind {
    /** HTTP 429 / RESOURCE_EXHAUSTED with a Retry-After of {@link Fault#duration()}. */
    THROTTLE,
    /** HTTP 500 / INTERNAL. */
    SERVER_ERROR,
    /** HTTP 503 / UNAVAILABLE. */
    UNAVAILABLE,
    /** The connection is reset before any answer. */
    CONNECTION_RESET,
    /** The answer comes after {@link Fault#duration()}. */
    SLOW,
    /** A 200 answer whose body is not a valid inference response. */
    MALFORMED_BODY
  }

  /**
   * Which call of the provider a fault is injected into with {@link FaultFixture#inject(Fault.Call,
   * Fault...)}; on a fake, the wire request that call makes.
   */
  public enum Call {
    /** The prediction request. */
    PREDICT,
    /** The read of one endpoint (describe), e.g. SageMaker DescribeEndpoint. */
    DESCRIBE,
    /** The listing of endpoints. */
    LIST,
    /** The delete request of an endpoint. */
    DELETE
  }

  /** Validates the components. */
  public Fault {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(duration, "duration");
  }

  /**
   * A 429 with Retry-After.
   *
   * @param retryAfter the Retry-After
   * @return the fault
   */
  public static Fault throttle(Duration retryAfter) {
    return new Fault(Kind.THROTTLE, retryAfter);
  }

  /**
   * A slow answer.
   *
   * @param delay the delay
   * @return the fault
   */
  public static Fault slow(Duration delay) {
    return new Fault(Kind.SLOW, delay);
  }

  /**
   * A fault without a duration.
   *
   * @param kind SERVER_ERROR, UNAVAILABLE, CONNECTION_RESET or MALFORMED_BODY
   * @return the fault
   */
  public static Fault of(Kind kind) {
    return new Fault(kind, Duration.ZERO);
  }
}
