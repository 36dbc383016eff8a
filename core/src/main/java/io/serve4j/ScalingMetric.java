package io.serve4j;

/** The metric an autoscaling policy tracks. */
public enum ScalingMetric {
  /** Invocations per instance per minute (SageMaker's SageMakerVariantInvocationsPerInstance). */
  INVOCATIONS_PER_INSTANCE,
  /** Average CPU utilisation in percent. */
  CPU_UTILIZATION,
  /** Average GPU (accelerator duty cycle) utilisation in percent. */
  GPU_UTILIZATION
}
