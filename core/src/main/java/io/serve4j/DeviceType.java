package io.serve4j;

import java.util.List;
import java.util.Objects;

/**
 * A portable accelerator device type, named the same way on every provider; each provider maps it
 * to its own machines through its {@link HardwareOffering}s.
 *
 * @param id portable id, e.g. {@code "nvidia-t4"}
 * @param kind GPU, TPU or INFERENTIA
 */
public record DeviceType(String id, DeviceKind kind) {
  /** NVIDIA T4 (16 GB). */
  public static final DeviceType NVIDIA_T4 = new DeviceType("nvidia-t4", DeviceKind.GPU);

  /** NVIDIA A10G (24 GB). */
  public static final DeviceType NVIDIA_A10G = new DeviceType("nvidia-a10g", DeviceKind.GPU);

  /** NVIDIA L4 (24 GB). */
  public static final DeviceType NVIDIA_L4 = new DeviceType("nvidia-l4", DeviceKind.GPU);

  /** NVIDIA A100 40 GB. */
  public static final DeviceType NVIDIA_A100_40GB =
      new DeviceType("nvidia-a100-40gb", DeviceKind.GPU);

  /** NVIDIA A100 80 GB. */
  public static final DeviceType NVIDIA_A100_80GB =
      new DeviceType("nvidia-a100-80gb", DeviceKind.GPU);

  /** NVIDIA H100 80 GB. */
  public static final DeviceType NVIDIA_H100_80GB =
      new DeviceType("nvidia-h100-80gb", DeviceKind.GPU);

  /** TPU v5e (v5 lite pod). */
  public static final DeviceType TPU_V5E = new DeviceType("tpu-v5e", DeviceKind.TPU);

  /** Inferentia2. */
  public static final DeviceType INFERENTIA2 = new DeviceType("inferentia2", DeviceKind.INFERENTIA);

  private static final List<DeviceType> KNOWN =
      List.of(
          NVIDIA_T4,
          NVIDIA_A10G,
          NVIDIA_L4,
          NVIDIA_A100_40GB,
          NVIDIA_A100_80GB,
          NVIDIA_H100_80GB,
          TPU_V5E,
          INFERENTIA2);

  /** Validates the components. */
  public DeviceType {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(kind, "kind");
    if (kind == DeviceKind.CPU) {
      throw new IllegalArgumentException("a device type is an accelerator, not a CPU");
    }
  }

  /**
   * Returns the device types serve4j knows.
   *
   * @return the known types
   */
  public static List<DeviceType> known() {
    return KNOWN;
  }

  /**
   * Looks up a known device type by id.
   *
   * @param id e.g. {@code "nvidia-l4"}
   * @return the device type
   * @throws InvalidInputException listing the known ids if there is no such type
   */
  public static DeviceType of(String id) {
    for (DeviceType t : KNOWN) {
      if (t.id.equals(id)) {
        return t;
      }
    }
    throw ServingException.builder(ErrorCategory.INVALID_INPUT)
        .message(
            "unknown device type '"
                + id
                + "'; known: "
                + KNOWN.stream().map(DeviceType::id).toList())
        .build();
  }

  @Override
  public String toString() {
    return id;
  }
}
