package io.serve4j;

import java.util.Objects;
import java.util.Optional;

/**
 * How many instances a deployment runs: a fixed count, or autoscaling between a minimum and a
 * maximum that tracks a target value of a metric.
 *
 * <pre>{@code
 * Scaling.fixed(2);
 * Scaling.autoscale(1, 8, ScalingMetric.INVOCATIONS_PER_INSTANCE, 100);
 * }</pre>
 */
public final class Scaling {
  private final int minInstances;
  private final int maxInstances;
  private final ScalingMetric metric;
  private final double target;

  private Scaling(int min, int max, ScalingMetric metric, double target) {
    if (min < 0 || max < 1 || min > max) {
      throw ServingException.builder(ErrorCategory.INVALID_INPUT)
          .message("instances must satisfy 0 <= min <= max and max >= 1, got " + min + ".." + max)
          .build();
    }
    if (metric != null && !(target > 0)) {
      throw ServingException.builder(ErrorCategory.INVALID_INPUT)
          .message("autoscaling target must be > 0, got " + target)
          .build();
    }
    this.minInstances = min;
    this.maxInstances = max;
    this.metric = metric;
    this.target = target;
  }

  /**
   * A fixed number of instances.
   *
   * @param instances at least 1
   * @return the scaling
   */
  public static Scaling fixed(int instances) {
    return new Scaling(instances, instances, null, 0);
  }

  /**
   * Autoscaling between {@code min} and {@code max} instances, tracking a target.
   *
   * @param min minimum instances (0 only where the provider supports scale to zero)
   * @param max maximum instances
   * @param metric the tracked metric
   * @param target the target value of the metric
   * @return the scaling
   */
  public static Scaling autoscale(int min, int max, ScalingMetric metric, double target) {
    return new Scaling(min, max, Objects.requireNonNull(metric, "metric"), target);
  }

  /**
   * Returns whether this is autoscaling.
   *
   * @return true if a metric is tracked
   */
  public boolean isAutoscaling() {
    return metric != null;
  }

  /**
   * Returns the (initial) instance count: the fixed count, or the minimum (at least 1).
   *
   * @return instances to start with
   */
  public int initialInstances() {
    return Math.max(1, minInstances);
  }

  /**
   * Returns the minimum instances.
   *
   * @return min
   */
  public int minInstances() {
    return minInstances;
  }

  /**
   * Returns the maximum instances.
   *
   * @return max
   */
  public int maxInstances() {
    return maxInstances;
  }

  /**
   * Returns the tracked metric.
   *
   * @return the metric, empty for a fixed count
   */
  public Optional<ScalingMetric> metric() {
    return Optional.ofNullable(metric);
  }

  /**
   * Returns the target value of the metric (0 for a fixed count).
   *
   * @return the target
   */
  public double target() {
    return target;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Scaling s
        && minInstances == s.minInstances
        && maxInstances == s.maxInstances
        && metric == s.metric
        && Double.compare(target, s.target) == 0;
  }

  @Override
  public int hashCode() {
    return Objects.hash(minInstances, maxInstances, metric, target);
  }

  @Override
  public String toString() {
    return metric == null
        ? "fixed(" + minInstances + ")"
        : "autoscale(" + minInstances + ".." + maxInstances + ", " + metric + "=" + target + ")";
  }
}
