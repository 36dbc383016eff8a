package io.serve4j.aws;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How {@code Endpoint.update} shifts traffic to the new fleet: a SageMaker blue/green deployment
 * (all at once, canary or linear) with optional CloudWatch alarms that roll it back.
 *
 * <pre>{@code
 * AwsUpdatePolicy.canary(10, Duration.ofMinutes(5)).withRollbackAlarms(List.of("fraud-5xx"))
 * }</pre>
 *
 * @param type ALL_AT_ONCE, CANARY or LINEAR
 * @param stepPercent canary size or linear step in percent of capacity (0 for ALL_AT_ONCE)
 * @param waitInterval wait between traffic shifts
 * @param terminationWait how long the old fleet is kept after the shift
 * @param rollbackAlarms CloudWatch alarm names that roll the update back
 */
public record AwsUpdatePolicy(
    Type type,
    int stepPercent,
    Duration waitInterval,
    Duration terminationWait,
    List<String> rollbackAlarms) {
  /** The traffic routing type. */
  public enum Type {
    /** Shift all traffic at once. */
    ALL_AT_ONCE,
    /** Shift a canary first, then the rest. */
    CANARY,
    /** Shift in equal steps. */
    LINEAR
  }

  /** Validates and copies. */
  public AwsUpdatePolicy {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(waitInterval, "waitInterval");
    Objects.requireNonNull(terminationWait, "terminationWait");
    rollbackAlarms = List.copyOf(rollbackAlarms);
    if (type != Type.ALL_AT_ONCE && (stepPercent < 1 || stepPercent > 99)) {
      throw new IllegalArgumentException("step percent must be 1..99, got " + stepPercent);
    }
  }

  /**
   * All traffic at once, after the new fleet is healthy.
   *
   * @param waitInterval bake time before the old fleet goes
   * @return the policy
   */
  public static AwsUpdatePolicy allAtOnce(Duration waitInterval) {
    return new AwsUpdatePolicy(Type.ALL_AT_ONCE, 0, waitInterval, Duration.ZERO, List.of());
  }

  /**
   * A canary of {@code percent} of capacity, then the rest after {@code wait}.
   *
   * @param percent canary size in percent of capacity
   * @param wait bake time of the canary
   * @return the policy
   */
  public static AwsUpdatePolicy canary(int percent, Duration wait) {
    return new AwsUpdatePolicy(Type.CANARY, percent, wait, Duration.ZERO, List.of());
  }

  /**
   * Equal steps of {@code percent} of capacity, {@code wait} apart.
   *
   * @param percent step size in percent of capacity
   * @param wait time between steps
   * @return the policy
   */
  public static AwsUpdatePolicy linear(int percent, Duration wait) {
    return new AwsUpdatePolicy(Type.LINEAR, percent, wait, Duration.ZERO, List.of());
  }

  /**
   * Returns a copy that rolls back when any of these CloudWatch alarms fires.
   *
   * @param alarms alarm names
   * @return the new policy
   */
  public AwsUpdatePolicy withRollbackAlarms(List<String> alarms) {
    return new AwsUpdatePolicy(type, stepPercent, waitInterval, terminationWait, alarms);
  }

  /**
   * Returns a copy that keeps the old fleet for {@code wait} after the shift.
   *
   * @param wait termination wait
   * @return the new policy
   */
  public AwsUpdatePolicy withTerminationWait(Duration wait) {
    return new AwsUpdatePolicy(type, stepPercent, waitInterval, wait, rollbackAlarms);
  }
}
