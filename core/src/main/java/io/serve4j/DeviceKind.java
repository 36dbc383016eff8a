package io.serve4j;

/** The kind of hardware a deployment runs on. */
public enum DeviceKind {
  /** General-purpose CPUs only. */
  CPU,
  /** NVIDIA GPUs. */
  GPU,
  /** Google Cloud TPUs. */
  TPU,
  /** AWS Inferentia chips. */
  INFERENTIA
}
