package io.serve4j;

/** The kind of hardware a deployment runs on. */
public enum DeviceKind {
  /** General-purpose CPUs only. */
  CPU,
  /** NVIDIA GPUs. */
  GPU,
  /** Tensor Processing Units. */
  TPU,
  /** Inferentia chips. */
  INFERENTIA
}
