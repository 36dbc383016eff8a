package io.serve4j.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.serve4j.Accelerator;
import io.serve4j.AcceleratorResolution;
import io.serve4j.DeviceType;
import io.serve4j.HardwareOffering;
import io.serve4j.InvalidInputException;
import io.serve4j.UnsupportedCapabilityException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Resolution of portable accelerators against a provider's rows (rows of a made-up provider). */
class HardwareOfferingsTest {
  private static final String SRC = "https://cloud.example/pricing";
  private static final List<HardwareOffering> ROWS =
      List.of(
          HardwareOffering.cpu("c-large", 4, 16, SRC),
          HardwareOffering.cpu("c-small", 2, 4, SRC),
          HardwareOffering.cpu("c-medium", 2, 8, SRC),
          HardwareOffering.device("g-t4-1", DeviceType.NVIDIA_T4, 1, null, 4, 16, SRC),
          HardwareOffering.device("g-t4-4", DeviceType.NVIDIA_T4, 4, null, 48, 192, SRC),
          HardwareOffering.device("m-l4", DeviceType.NVIDIA_L4, 1, "L4", 8, 32, SRC),
          HardwareOffering.device("m-l4-big", DeviceType.NVIDIA_L4, 1, "L4", 32, 128, SRC));

  private static AcceleratorResolution resolve(Accelerator a) {
    return HardwareOfferings.resolve("example", ROWS, a);
  }

  @Test
  void everyDeviceRow_resolvesToItself_orTheFirstRowOfItsDeviceAndCount() {
    for (HardwareOffering o : ROWS) {
      if (o.deviceType().isEmpty()) {
        continue;
      }
      AcceleratorResolution r = resolve(Accelerator.of(o.deviceType().get(), o.count()));
      HardwareOffering first =
          ROWS.stream()
              .filter(x -> x.deviceType().equals(o.deviceType()) && x.count() == o.count())
              .findFirst()
              .orElseThrow();
      assertThat(r.sku()).isEqualTo(first.sku());
      assertThat(r.acceleratorCount()).isEqualTo(o.count());
      assertThat(r.source()).isEqualTo(SRC);
      assertThat(r.providerId()).isEqualTo("example");
      assertThat(r.explanation()).contains(first.sku()).contains("example");
    }
  }

  @Test
  void resolve_device_withSeparateAcceleratorName_explainsIt() {
    AcceleratorResolution r = resolve(Accelerator.gpu(DeviceType.NVIDIA_L4, 1));
    assertThat(r.sku()).isEqualTo("m-l4");
    assertThat(r.acceleratorType()).contains("L4");
    assertThat(r.explanation())
        .isEqualTo("1x nvidia-l4 on example is m-l4 with 1x L4 (8 vCPUs, 32.0 GiB)");
  }

  @Test
  void resolve_cpu_picksSmallestSufficientOffering() {
    assertThat(resolve(Accelerator.cpu(2, 8)).sku()).isEqualTo("c-medium");
    assertThat(resolve(Accelerator.defaultCpu()).sku()).isEqualTo("c-small");
    assertThat(resolve(Accelerator.cpu(3, 1)).sku()).isEqualTo("c-large");
    AcceleratorResolution r = resolve(Accelerator.cpu(2, 8));
    assertThat(r.acceleratorCount()).isZero();
    assertThat(r.acceleratorType()).isEmpty();
    assertThat(r.explanation()).startsWith("smallest example CPU offering with >= 2 vCPUs");
  }

  @Test
  void resolve_cpuBeyondEveryRow_failsListingCpuRows() {
    assertThatThrownBy(() -> resolve(Accelerator.cpu(1000, 1)))
        .isInstanceOf(UnsupportedCapabilityException.class)
        .hasMessageContaining("no example CPU offering has >= 1000 vCPUs")
        .hasMessageContaining("c-large")
        .hasMessageNotContaining("g-t4-1");
  }

  @Test
  void resolve_deviceNotOffered_failsListingTheAcceleratorsOnOffer() {
    assertThatThrownBy(() -> resolve(Accelerator.of(DeviceType.TPU_V5E, 1)))
        .isInstanceOf(UnsupportedCapabilityException.class)
        .hasMessageContaining("example offers no tpu-v5e")
        .hasMessageContaining("g-t4-1 (1x nvidia-t4)")
        .hasMessageContaining("m-l4 (1x nvidia-l4)")
        .hasMessageNotContaining("c-small")
        .satisfies(
            e -> assertThat(((UnsupportedCapabilityException) e).providerId()).contains("example"));
  }

  @Test
  void resolve_unofferedCount_failsListingCountsOnOffer() {
    assertThatThrownBy(() -> resolve(Accelerator.gpu(DeviceType.NVIDIA_T4, 2)))
        .isInstanceOf(UnsupportedCapabilityException.class)
        .hasMessageContaining("g-t4-1 (1x nvidia-t4)")
        .hasMessageContaining("g-t4-4 (4x nvidia-t4)")
        .hasMessageContaining("asked for 2");
  }

  @Test
  void resolve_withoutRows_failsTyped() {
    assertThatThrownBy(() -> HardwareOfferings.resolve("bare", List.of(), Accelerator.defaultCpu()))
        .isInstanceOf(UnsupportedCapabilityException.class)
        .hasMessageContaining("provider 'bare' publishes no hardware offerings");
  }

  @Test
  void read_parsesTheTableFormat() throws IOException {
    String json =
        """
        {"offerings": [
          {"device": "cpu", "count": 1, "sku": "c-2", "vcpus": 2, "memoryGiB": 7.5,
           "source": "https://a"},
          {"device": "nvidia-l4", "count": 2, "sku": "g-2", "acceleratorType": "L4",
           "vcpus": 24, "memoryGiB": 96, "source": "https://b"}]}
        """;
    List<HardwareOffering> rows =
        HardwareOfferings.read(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)));
    assertThat(rows)
        .containsExactly(
            HardwareOffering.cpu("c-2", 2, 7.5, "https://a"),
            HardwareOffering.device("g-2", DeviceType.NVIDIA_L4, 2, "L4", 24, 96, "https://b"));
  }

  @Test
  void read_rowWithUnknownDeviceOrWithoutSource_isInvalid() {
    String unknown =
        "{\"offerings\":[{\"device\":\"nvidia-b999\",\"sku\":\"x\",\"vcpus\":1,"
            + "\"memoryGiB\":1,\"source\":\"https://a\"}]}";
    String noSource =
        "{\"offerings\":[{\"device\":\"cpu\",\"sku\":\"x\",\"vcpus\":1,\"memoryGiB\":1}]}";
    for (String json : List.of(unknown, noSource)) {
      assertThatThrownBy(
              () ->
                  HardwareOfferings.read(
                      new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8))))
          .isInstanceOf(InvalidInputException.class);
    }
  }

  @Test
  void load_missingResource_failsNamingIt() {
    assertThatThrownBy(() -> HardwareOfferings.load(HardwareOfferingsTest.class, "nope.json"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("nope.json");
  }

  @Test
  void offering_validatesItsComponents() {
    assertThatThrownBy(() -> HardwareOffering.cpu(" ", 2, 4, SRC))
        .isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> HardwareOffering.cpu("c", 0, 4, SRC))
        .isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(
            () -> HardwareOffering.device("g", DeviceType.NVIDIA_T4, 0, null, 4, 16, SRC))
        .isInstanceOf(InvalidInputException.class);
  }
}
