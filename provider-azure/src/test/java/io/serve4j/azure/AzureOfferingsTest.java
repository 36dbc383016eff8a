package io.serve4j.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.serve4j.Accelerator;
import io.serve4j.DeviceType;
import io.serve4j.UnsupportedCapabilityException;
import io.serve4j.spi.ServingProvider;
import io.serve4j.testkit.HardwareOfferingsContract;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The Azure Machine Learning VM SKUs the azure provider publishes. */
class AzureOfferingsTest extends HardwareOfferingsContract {
  @Override
  protected ServingProvider provider() {
    return new AzureProvider();
  }

  @Override
  protected Set<DeviceType> offeredDevices() {
    return Set.of(
        DeviceType.NVIDIA_T4,
        DeviceType.NVIDIA_A100_40GB,
        DeviceType.NVIDIA_A100_80GB,
        DeviceType.NVIDIA_H100_80GB);
  }

  @ParameterizedTest
  @CsvSource({
    "nvidia-t4, 1, Standard_NC4as_T4_v3",
    "nvidia-a100-80gb, 1, Standard_NC24ads_A100_v4",
  })
  void resolve_knownRows(String device, int count, String sku) {
    assertThat(resolve(Accelerator.of(DeviceType.of(device), count)).sku()).isEqualTo(sku);
  }

  @Test
  void resolve_defaultCpu_isTheSmallestSufficientSku() {
    assertThat(resolve(Accelerator.defaultCpu()).sku()).isEqualTo("Standard_DS2_v2");
  }

  @Test
  void resolve_l4_failsListingTheGpusOnOffer() {
    assertThatThrownBy(() -> resolve(Accelerator.gpu(DeviceType.NVIDIA_L4, 1)))
        .isInstanceOf(UnsupportedCapabilityException.class)
        .hasMessageContaining("azure offers no nvidia-l4")
        .hasMessageContaining("Standard_NC4as_T4_v3");
  }
}
