package io.serve4j.gcp;

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

/** The Vertex AI machine types and accelerators the gcp provider publishes. */
class GcpOfferingsTest extends HardwareOfferingsContract {
  @Override
  protected ServingProvider provider() {
    return new GcpProvider();
  }

  @Override
  protected Set<DeviceType> offeredDevices() {
    return Set.of(
        DeviceType.NVIDIA_T4,
        DeviceType.NVIDIA_L4,
        DeviceType.NVIDIA_A100_40GB,
        DeviceType.NVIDIA_A100_80GB,
        DeviceType.NVIDIA_H100_80GB,
        DeviceType.TPU_V5E);
  }

  @ParameterizedTest
  @CsvSource({
    "nvidia-l4, 1, g2-standard-8, NVIDIA_L4",
    "nvidia-t4, 1, n1-standard-4, NVIDIA_TESLA_T4",
    "tpu-v5e, 4, ct5lp-hightpu-4t, TPU_V5_LITEPOD",
  })
  void resolve_knownRows(String device, int count, String sku, String acceleratorType) {
    AcceleratorResolution r = resolve(Accelerator.of(DeviceType.of(device), count));
    assertThat(r.sku()).isEqualTo(sku);
    assertThat(r.acceleratorType()).contains(acceleratorType);
    assertThat(r.explanation()).contains(sku).contains(acceleratorType);
  }

  @Test
  void resolve_cpu_picksSmallestSufficientMachine() {
    assertThat(resolve(Accelerator.cpu(4, 16)).sku()).isEqualTo("e2-standard-4");
  }

  @Test
  void resolve_inferentia_failsTyped() {
    assertThatThrownBy(() -> resolve(Accelerator.of(DeviceType.INFERENTIA2, 1)))
        .isInstanceOf(UnsupportedCapabilityException.class)
        .hasMessageContaining("gcp offers no inferentia2");
  }
}
