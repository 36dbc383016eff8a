package io.serve4j;

import java.util.Objects;
import java.util.Optional;

/**
 * One kind of machine a provider can serve on: its instance or machine type, the accelerator
 * devices it carries (none for a CPU machine), its vCPUs and memory, and where the row was read.
 * Each provider publishes its own rows ({@link io.serve4j.spi.ServingProvider#offerings()}); a
 * portable {@link Accelerator} resolves against them ({@link Serve4j#resolve(String,
 * Accelerator)}).
 *
 * <pre>{@code
 * HardwareOffering.cpu("m-standard-2", 2, 8, "https://cloud.example/pricing");
 * HardwareOffering.device("g-l4-8", DeviceType.NVIDIA_L4, 1, "L4", 8, 32, "https://...");
 * }</pre>
 *
 * @param sku the provider's instance or machine type
 * @param deviceType the accelerator device type, empty for a CPU machine
 * @param count number of accelerator devices (1 for a CPU machine)
 * @param acceleratorType the provider's own name of the accelerator when it is named apart from the
 *     machine type, if any
 * @param vcpus vCPUs of the machine
 * @param memoryGiB memory of the machine in GiB
 * @param source where the row was read (a documentation or pricing page)
 */
public record HardwareOffering(
    String sku,
    Optional<DeviceType> deviceType,
    int count,
    Optional<String> acceleratorType,
    int vcpus,
    double memoryGiB,
    String source) {
  /** Validates the components. */
  public HardwareOffering {
    requireText(sku, "sku");
    requireText(source, "source");
    Objects.requireNonNull(deviceType, "deviceType");
    Objects.requireNonNull(acceleratorType, "acceleratorType");
    if (count < 1 || (deviceType.isEmpty() && count != 1)) {
      throw invalid("offering " + sku + ": count must be >= 1 (1 for a CPU machine), was " + count);
    }
    if (vcpus < 1 || !(memoryGiB > 0)) {
      throw invalid("offering " + sku + ": vCPUs and memory must be positive");
    }
  }

  /**
   * A CPU machine.
   *
   * @param sku the instance or machine type
   * @param vcpus vCPUs
   * @param memoryGiB memory in GiB
   * @param source where the row was read
   * @return the offering
   */
  public static HardwareOffering cpu(String sku, int vcpus, double memoryGiB, String source) {
    return new HardwareOffering(
        sku, Optional.empty(), 1, Optional.empty(), vcpus, memoryGiB, source);
  }

  /**
   * A machine with accelerator devices.
   *
   * @param sku the instance or machine type
   * @param type the device type
   * @param count number of devices
   * @param acceleratorType the provider's own accelerator name, or null if it has none apart from
   *     the machine type
   * @param vcpus vCPUs
   * @param memoryGiB memory in GiB
   * @param source where the row was read
   * @return the offering
   */
  public static HardwareOffering device(
      String sku,
      DeviceType type,
      int count,
      String acceleratorType,
      int vcpus,
      double memoryGiB,
      String source) {
    return new HardwareOffering(
        sku,
        Optional.of(type),
        count,
        Optional.ofNullable(acceleratorType),
        vcpus,
        memoryGiB,
        source);
  }

  /**
   * Returns the kind of hardware.
   *
   * @return {@link DeviceKind#CPU} for a CPU machine, else the device's kind
   */
  public DeviceKind kind() {
    return deviceType.map(DeviceType::kind).orElse(DeviceKind.CPU);
  }

  private static void requireText(String value, String what) {
    if (value == null || value.isBlank()) {
      throw invalid("an offering needs a " + what);
    }
  }

  private static ServingException invalid(String message) {
    return ServingException.builder(ErrorCategory.INVALID_INPUT).message(message).build();
  }
}
