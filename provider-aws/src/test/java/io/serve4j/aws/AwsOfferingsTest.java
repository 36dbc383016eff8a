package io.serve4j.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.serve4j.Accelerator;
import io.serve4j.AcceleratorResolution;
import io.serve4j.DeviceType;
import io.serve4j.UnsupportedCapabilityException;
import io.serve4j.spi.ServingProvider;
import io.serve4j.testkit.HardwareOfferingsContract;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The SageMaker instance types the aws provider publishes. */
class AwsOfferingsTest extends HardwareOfferingsContract {
  @Override
  protected ServingProvider provider() {
    return new AwsProvider();
  }

  @Override
  protected Set<DeviceType> offeredDevices() {
    return Set.of(
        DeviceType.NVIDIA_T4,
        DeviceType.NVIDIA_A10G,
        DeviceType.NVIDIA_L4,
        DeviceType.NVIDIA_A100_40GB,
        DeviceType.NVIDIA_A100_80GB,
        DeviceType.NVIDIA_H100_80GB,
        DeviceType.INFERENTIA2);
  }

  @ParameterizedTest
  @CsvSource({
    "nvidia-t4, 1, ml.g4dn.xlarge",
    "nvidia-a10g, 1, ml.g5.xlarge",
    "inferentia2, 1, ml.inf2.xlarge",
  })
  void resolve_knownRows(String device, int count, String sku) {
    AcceleratorResolution r = resolve(Accelerator.of(DeviceType.of(device), count));
    assertThat(r.sku()).isEqualTo(sku);
    assertThat(r.acceleratorType()).isEmpty();
    assertThat(r.source()).startsWith("https://aws.amazon.com/");
  }

  @Test
  void resolve_cpu_picksSmallestSufficientInstance() {
    assertThat(resolve(Accelerator.cpu(2, 8)).sku()).isEqualTo("ml.m5.large");
    assertThatThrownBy(() -> resolve(Accelerator.cpu(1000, 1)))
        .isInstanceOf(UnsupportedCapabilityException.class);
  }

  @Test
  void resolve_tpu_failsListingAlternatives() {
    assertThatThrownBy(() -> resolve(Accelerator.of(DeviceType.TPU_V5E, 1)))
        .isInstanceOf(UnsupportedCapabilityException.class)
        .hasMessageContaining("aws offers no tpu-v5e")
        .hasMessageContaining("ml.g4dn.xlarge")
        .hasMessageContaining("ml.inf2.xlarge");
  }

  @Test
  void resolve_unofferedCount_failsListingCountsOnOffer() {
    assertThatThrownBy(() -> resolve(Accelerator.gpu(DeviceType.NVIDIA_T4, 2)))
        .isInstanceOf(UnsupportedCapabilityException.class)
        .hasMessageContaining("ml.g4dn.xlarge (1x nvidia-t4)")
        .hasMessageContaining("ml.g4dn.12xlarge (4x nvidia-t4)");
  }
}
