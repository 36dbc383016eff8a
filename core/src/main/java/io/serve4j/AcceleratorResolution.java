package io.serve4j;

import java.util.Objects;
import java.util.Optional;

/**
 * What one provider calls a portable {@link Accelerator}: the {@link HardwareOffering} chosen from
 * the provider's rows, and why.
 *
 * @param providerId the provider whose rows were searched, e.g. the id of {@link
 *     io.serve4j.spi.ServingProvider#id()}
 * @param sku the provider's instance or machine type
 * @param acceleratorType the provider's own accelerator name, if it names it apart from the sku
 * @param acceleratorCount number of devices on the instance (0 for CPU)
 * @param vcpus vCPUs of the instance
 * @param memoryGiB memory of the instance in GiB
 * @param source where the chosen row was read
 * @param explanation a sentence saying why this row was chosen
 */
public record AcceleratorResolution(
    String providerId,
    String sku,
    Optional<String> acceleratorType,
    int acceleratorCount,
    int vcpus,
    double memoryGiB,
    String source,
    String explanation) {
  /** Validates the components. */
  public AcceleratorResolution {
    Objects.requireNonNull(providerId, "providerId");
    Objects.requireNonNull(sku, "sku");
    Objects.requireNonNull(acceleratorType, "acceleratorType");
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(explanation, "explanation");
  }
}
