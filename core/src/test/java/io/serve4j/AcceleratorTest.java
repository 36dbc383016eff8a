package io.serve4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/**
 * The portable accelerator values. Resolution against a provider's rows is tested in {@code
 * io.serve4j.spi.HardwareOfferingsTest}, and each provider tests its own table.
 */
class AcceleratorTest {
  @Test
  void gpu_withTpuType_isInvalid() {
    assertThatThrownBy(() -> Accelerator.gpu(DeviceType.TPU_V5E, 1))
        .isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> DeviceType.of("nvidia-b200"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("nvidia-t4");
  }

  @Test
  void knownDeviceTypes_nameNoCloudVendor() {
    assertThat(DeviceType.known())
        .extracting(DeviceType::id)
        .noneMatch(id -> id.matches("(?i).*(aws|amazon|azure|microsoft|gcp|google).*"));
    assertThat(DeviceType.of("inferentia2")).isEqualTo(DeviceType.INFERENTIA2);
  }
}
