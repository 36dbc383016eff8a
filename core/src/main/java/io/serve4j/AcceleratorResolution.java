package io.serve4j;

import java.util.Objects;
import java.util.Optional;

/**
 * What one cloud calls a portable {@link Accelerator}, and why it was chosen.
 *
 * @param cloud the cloud id, e.g. {@code "aws"}
 * @param sku SageMaker instance type, Azure VM SKU, or Vertex machine type
 * @param acceleratorType Vertex accelerator type enum name (e.g. {@code NVIDIA_L4}), if any
 * @param acceleratorCount number of devices on the instance (0 for CPU)
 * @param vcpus vCPUs of the instance
 * @param memoryGiB memory of the instance in GiB
 * @param source where the catalog row was read
 * @param explanation a sentence saying why this row was chosen
 */
public record AcceleratorResolution(
    String cloud,
    String sku,
    Optional<String> acceleratorType,
    int acceleratorCount,
    int vcpus,
    double memoryGiB,
    String source,
    String explanation) {
  /** Validates the components. */
  public AcceleratorResolution {
    Objects.requireNonNull(cloud, "cloud");
    Objects.requireNonNull(sku, "sku");
    Objects.requireNonNull(acceleratorType, "acceleratorType");
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(explanation, "explanation");
  }
}
