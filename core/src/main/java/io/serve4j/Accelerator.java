package io.serve4j;

import java.util.Objects;
import java.util.Optional;

/**
 * Portable hardware for a deployment: either CPUs ({@link #cpu(int, int)}) or a number of
 * accelerator devices of one {@link DeviceType}. Each provider turns it into one of its own {@link
 * HardwareOffering}s ({@link Serve4j#resolve(String, Accelerator)} shows which, and why); the local
 * runtime turns it into an ONNX Runtime execution provider.
 *
 * <pre>{@code
 * Accelerator.cpu(2, 8);                        // 2 vCPUs, 8 GiB
 * Accelerator.gpu(DeviceType.NVIDIA_L4, 1);     // one L4
 * Accelerator.of(DeviceType.TPU_V5E, 4);        // a 4-chip TPU v5e slice
 * }</pre>
 */
public final class Accelerator {
  private static final Accelerator DEFAULT_CPU = new Accelerator(null, 1, 2, 4);

  private final DeviceType deviceType;
  private final int count;
  private final int vcpus;
  private final int memoryGiB;

  private Accelerator(DeviceType deviceType, int count, int vcpus, int memoryGiB) {
    if (count < 1) {
      throw invalid("accelerator count must be >= 1, was " + count);
    }
    if (vcpus < 0 || memoryGiB < 0) {
      throw invalid("vCPUs and memory must be >= 0");
    }
    this.deviceType = deviceType;
    this.count = count;
    this.vcpus = vcpus;
    this.memoryGiB = memoryGiB;
  }

  /**
   * Returns the default: CPU only, at least 2 vCPUs and 4 GiB.
   *
   * @return the default accelerator
   */
  public static Accelerator defaultCpu() {
    return DEFAULT_CPU;
  }

  /**
   * CPU only, with at least this many vCPUs and this much memory.
   *
   * @param vcpus minimum vCPUs
   * @param memoryGiB minimum memory in GiB
   * @return the accelerator
   */
  public static Accelerator cpu(int vcpus, int memoryGiB) {
    return new Accelerator(null, 1, vcpus, memoryGiB);
  }

  /**
   * GPUs of one type.
   *
   * @param type a GPU device type
   * @param count number of GPUs
   * @return the accelerator
   * @throws InvalidInputException if the type is not a GPU
   */
  public static Accelerator gpu(DeviceType type, int count) {
    if (type.kind() != DeviceKind.GPU) {
      throw invalid(type + " is a " + type.kind() + ", not a GPU");
    }
    return of(type, count);
  }

  /**
   * Devices of any accelerator type.
   *
   * @param type the device type
   * @param count number of devices (chips for TPU and Inferentia)
   * @return the accelerator
   */
  public static Accelerator of(DeviceType type, int count) {
    return new Accelerator(Objects.requireNonNull(type, "type"), count, 0, 0);
  }

  /**
   * Returns the kind of hardware.
   *
   * @return CPU, GPU, TPU or INFERENTIA
   */
  public DeviceKind kind() {
    return deviceType == null ? DeviceKind.CPU : deviceType.kind();
  }

  /**
   * Returns the device type.
   *
   * @return the device type, empty for CPU
   */
  public Optional<DeviceType> deviceType() {
    return Optional.ofNullable(deviceType);
  }

  /**
   * Returns the number of devices (1 for CPU).
   *
   * @return the count
   */
  public int count() {
    return count;
  }

  /**
   * Returns the minimum vCPUs (0 = whatever the device's instance has).
   *
   * @return vCPUs
   */
  public int vcpus() {
    return vcpus;
  }

  /**
   * Returns the minimum memory in GiB (0 = whatever the device's instance has).
   *
   * @return memory in GiB
   */
  public int memoryGiB() {
    return memoryGiB;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Accelerator a
        && Objects.equals(deviceType, a.deviceType)
        && count == a.count
        && vcpus == a.vcpus
        && memoryGiB == a.memoryGiB;
  }

  @Override
  public int hashCode() {
    return Objects.hash(deviceType, count, vcpus, memoryGiB);
  }

  @Override
  public String toString() {
    return deviceType == null
        ? "cpu(" + vcpus + " vCPU, " + memoryGiB + " GiB)"
        : count + "x " + deviceType.id();
  }

  private static ServingException invalid(String message) {
    return ServingException.builder(ErrorCategory.INVALID_INPUT).message(message).build();
  }
}
