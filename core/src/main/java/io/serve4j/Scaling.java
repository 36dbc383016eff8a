package io.serve4j;

import java.util.Objects;
import java.util.Optional;

/**
 * How many instances a deployment runs: a fixed count, autoscaling between a minimum and a maximum
 * that tracks a target value of a metric, or serverless (no instances to choose: the cloud runs as
 * many copies as requests need, up to a concurrency limit, and bills per request).
 *
 * <pre>{@code
 * Scaling.fixed(2);
 * Scaling.autoscale(1, 8, ScalingMetric.INVOCATIONS_PER_INSTANCE, 100);
 * Scaling.serverless(2048, 20);        // 2 GiB per copy, at most 20 requests at once
 * Scaling.serverless(2048, 20, 5);     // ... of which 5 kept warm
 * }</pre>
 *
 * <p>Serverless needs {@link Capability#SERVERLESS}: other providers refuse it before any call with
 * an {@link UnsupportedCapabilityException}. Each provider checks its own limits (SageMaker: memory
 * 1024-6144 MB in 1024 MB steps, at most 200 concurrent requests).
 */
public final class Scaling {
  private final int minInstances;
  private final int maxInstances;
  private final ScalingMetric metric;
  private final double target;
  private final int memoryMb;
  private final int maxConcurrency;
  private final int provisionedConcurrency;

  private Scaling(int memoryMb, int maxConcurrency, int provisionedConcurrency) {
    if (memoryMb < 1 || maxConcurrency < 1) {
      throw ServingException.builder(ErrorCategory.INVALID_INPUT)
          .message(
              "serverless memory and max concurrency must be >= 1, got "
                  + memoryMb
                  + " MB and "
                  + maxConcurrency)
          .build();
    }
    if (provisionedConcurrency < 0 || provisionedConcurrency > maxConcurrency) {
      throw ServingException.builder(ErrorCategory.INVALID_INPUT)
          .message(
              "serverless provisioned concurrency must be between 0 and the max concurrency "
                  + maxConcurrency
                  + ", got "
                  + provisionedConcurrency)
          .build();
    }
    this.minInstances = 0;
    this.maxInstances = 0;
    this.metric = null;
    this.target = 0;
    this.memoryMb = memoryMb;
    this.maxConcurrency = maxConcurrency;
    this.provisionedConcurrency = provisionedConcurrency;
  }

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
    this.memoryMb = 0;
    this.maxConcurrency = 0;
    this.provisionedConcurrency = 0;
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
   * Serverless inference: no instance count or type; the cloud runs copies of the model on demand.
   *
   * @param memoryMb memory of each copy in MB (SageMaker: 1024, 2048, ... 6144)
   * @param maxConcurrency the most requests served at once (SageMaker: 1-200)
   * @return the scaling, with no provisioned concurrency
   * @throws InvalidInputException if a value is below 1
   */
  public static Scaling serverless(int memoryMb, int maxConcurrency) {
    return new Scaling(memoryMb, maxConcurrency, 0);
  }

  /**
   * Serverless inference with some copies kept warm (no cold start for that many concurrent
   * requests, billed while provisioned).
   *
   * @param memoryMb memory of each copy in MB (SageMaker: 1024, 2048, ... 6144)
   * @param maxConcurrency the most requests served at once (SageMaker: 1-200)
   * @param provisionedConcurrency copies kept warm, 0 for none; at most {@code maxConcurrency}
   * @return the scaling
   * @throws InvalidInputException if a value is out of those bounds
   */
  public static Scaling serverless(int memoryMb, int maxConcurrency, int provisionedConcurrency) {
    return new Scaling(memoryMb, maxConcurrency, provisionedConcurrency);
  }

  /**
   * Returns whether this is serverless inference.
   *
   * @return true for {@link #serverless(int, int, int)}
   */
  public boolean isServerless() {
    return memoryMb > 0;
  }

  /**
   * Returns the memory of each serverless copy.
   *
   * @return MB; 0 unless serverless
   */
  public int memoryMb() {
    return memoryMb;
  }

  /**
   * Returns the most requests a serverless deployment serves at once.
   *
   * @return the limit; 0 unless serverless
   */
  public int maxConcurrency() {
    return maxConcurrency;
  }

  /**
   * Returns how many serverless copies are kept warm.
   *
   * @return the provisioned concurrency; 0 for none, and unless serverless
   */
  public int provisionedConcurrency() {
    return provisionedConcurrency;
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
   * Returns the (initial) instance count: the fixed count, or the minimum (at least 1); 0 for
   * serverless, which has no instances.
   *
   * @return instances to start with
   */
  public int initialInstances() {
    return isServerless() ? 0 : Math.max(1, minInstances);
  }

  /**
   * Returns the minimum instances.
   *
   * @return min; 0 for serverless
   */
  public int minInstances() {
    return minInstances;
  }

  /**
   * Returns the maximum instances.
   *
   * @return max; 0 for serverless
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
        && Double.compare(target, s.target) == 0
        && memoryMb == s.memoryMb
        && maxConcurrency == s.maxConcurrency
        && provisionedConcurrency == s.provisionedConcurrency;
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        minInstances,
        maxInstances,
        metric,
        target,
        memoryMb,
        maxConcurrency,
        provisionedConcurrency);
  }

  @Override
  public String toString() {
    if (isServerless()) {
      return "serverless("
          + memoryMb
          + " MB, max concurrency "
          + maxConcurrency
          + (provisionedConcurrency > 0 ? ", provisioned " + provisionedConcurrency : "")
          + ")";
    }
    return metric == null
        ? "fixed(" + minInstances + ")"
        : "autoscale(" + minInstances + ".." + maxInstances + ", " + metric + "=" + target + ")";
  }
}
