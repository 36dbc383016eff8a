package io.serve4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AcceleratorCatalogTest {
  private final AcceleratorCatalog catalog = AcceleratorCatalog.standard();

  /** Which cloud offers which portable device: the contract the catalog must keep. */
  private static final Map<String, Set<String>> OFFERED =
      Map.of(
          "aws",
          Set.of(
              "nvidia-t4",
              "nvidia-a10g",
              "nvidia-l4",
              "nvidia-a100-40gb",
              "nvidia-a100-80gb",
              "nvidia-h100-80gb",
              "aws-inferentia2"),
          "azure",
          Set.of("nvidia-t4", "nvidia-a100-40gb", "nvidia-a100-80gb", "nvidia-h100-80gb"),
          "gcp",
          Set.of(
              "nvidia-t4",
              "nvidia-l4",
              "nvidia-a100-40gb",
              "nvidia-a100-80gb",
              "nvidia-h100-80gb",
              "tpu-v5e"));

  @Test
  void everyOffering_resolvesToItself() {
    for (AcceleratorCatalog.Offering o : catalog.offerings()) {
      assertThat(o.source()).as("source of " + o.sku()).startsWith("https://");
      if (o.device().equals("cpu")) {
        continue;
      }
      AcceleratorResolution r =
          catalog.resolve(o.cloud(), Accelerator.of(DeviceType.of(o.device()), o.count()));
      assertThat(r.sku()).as(o.toString()).isEqualTo(o.sku());
      assertThat(r.acceleratorCount()).isEqualTo(o.count());
      assertThat(r.explanation()).contains(o.sku());
    }
  }

  @Test
  void everyKnownDevice_resolvesWhereOffered_andFailsTypedElsewhere() {
    for (String cloud : OFFERED.keySet()) {
      for (DeviceType type : DeviceType.known()) {
        int count =
            catalog.offerings(cloud).stream()
                .filter(o -> o.device().equals(type.id()))
                .mapToInt(AcceleratorCatalog.Offering::count)
                .min()
                .orElse(1);
        Accelerator acc = Accelerator.of(type, count);
        if (OFFERED.get(cloud).contains(type.id())) {
          assertThat(catalog.resolve(cloud, acc).sku()).as(cloud + " " + type).isNotBlank();
        } else {
          assertThatThrownBy(() -> catalog.resolve(cloud, acc))
              .as(cloud + " " + type)
              .isInstanceOf(UnsupportedCapabilityException.class)
              .hasMessageContaining(cloud + " offers no " + type.id());
        }
      }
    }
  }

  @ParameterizedTest
  @CsvSource({
    "aws, nvidia-t4, 1, ml.g4dn.xlarge, ",
    "aws, nvidia-a10g, 1, ml.g5.xlarge, ",
    "aws, aws-inferentia2, 1, ml.inf2.xlarge, ",
    "azure, nvidia-t4, 1, Standard_NC4as_T4_v3, ",
    "azure, nvidia-a100-80gb, 1, Standard_NC24ads_A100_v4, ",
    "gcp, nvidia-l4, 1, g2-standard-8, NVIDIA_L4",
    "gcp, nvidia-t4, 1, n1-standard-4, NVIDIA_TESLA_T4",
    "gcp, tpu-v5e, 4, ct5lp-hightpu-4t, TPU_V5_LITEPOD",
  })
  void resolve_knownRows(String cloud, String device, int count, String sku, String accType) {
    AcceleratorResolution r = catalog.resolve(cloud, Accelerator.of(DeviceType.of(device), count));
    assertThat(r.sku()).isEqualTo(sku);
    assertThat(r.acceleratorType().orElse(null)).isEqualTo(accType);
  }

  @Test
  void resolve_tpuOnAws_failsListingAlternatives() {
    assertThatThrownBy(() -> catalog.resolve("aws", Accelerator.of(DeviceType.TPU_V5E, 1)))
        .isInstanceOf(UnsupportedCapabilityException.class)
        .hasMessageContaining("aws offers no tpu-v5e")
        .hasMessageContaining("ml.g4dn.xlarge")
        .hasMessageContaining("ml.inf2.xlarge");
  }

  @Test
  void resolve_unofferedCount_failsListingCountsOnOffer() {
    assertThatThrownBy(() -> catalog.resolve("aws", Accelerator.gpu(DeviceType.NVIDIA_T4, 2)))
        .isInstanceOf(UnsupportedCapabilityException.class)
        .hasMessageContaining("ml.g4dn.xlarge (1x nvidia-t4)")
        .hasMessageContaining("ml.g4dn.12xlarge (4x nvidia-t4)");
  }

  @Test
  void resolve_cpu_picksSmallestSufficientOffering() {
    assertThat(catalog.resolve("aws", Accelerator.cpu(2, 8)).sku()).isEqualTo("ml.m5.large");
    assertThat(catalog.resolve("gcp", Accelerator.cpu(4, 16)).sku()).isEqualTo("e2-standard-4");
    assertThat(catalog.resolve("azure", Accelerator.defaultCpu()).sku())
        .isEqualTo("Standard_DS2_v2");
    assertThatThrownBy(() -> catalog.resolve("aws", Accelerator.cpu(1000, 1)))
        .isInstanceOf(UnsupportedCapabilityException.class);
  }

  @Test
  void resolve_unknownCloud_failsTyped() {
    assertThatThrownBy(() -> catalog.resolve("oracle", Accelerator.defaultCpu()))
        .isInstanceOf(UnsupportedCapabilityException.class)
        .hasMessageContaining("oracle");
  }

  @Test
  void gpu_withTpuType_isInvalid() {
    assertThatThrownBy(() -> Accelerator.gpu(DeviceType.TPU_V5E, 1))
        .isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> DeviceType.of("nvidia-b200"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("nvidia-t4");
  }
}
