package io.serve4j.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.serve4j.Accelerator;
import io.serve4j.AcceleratorResolution;
import io.serve4j.DeviceType;
import io.serve4j.HardwareOffering;
import io.serve4j.Serve4j;
import io.serve4j.UnsupportedCapabilityException;
import io.serve4j.spi.ServingProvider;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * What every provider's table of {@link HardwareOffering}s must keep, run by extending this class;
 * the provider's own test adds the rows it must resolve to.
 *
 * <pre>{@code
 * class AwsOfferingsTest extends HardwareOfferingsContract {
 *   protected ServingProvider provider() { return new AwsProvider(); }
 *   protected Set<DeviceType> offeredDevices() { return Set.of(DeviceType.NVIDIA_T4, ...); }
 * }
 * }</pre>
 */
public abstract class HardwareOfferingsContract {
  /**
   * Returns the provider under test.
   *
   * @return a new provider
   */
  protected abstract ServingProvider provider();

  /**
   * Returns the known device types the provider offers; every other known type must fail.
   *
   * @return the offered device types
   */
  protected abstract Set<DeviceType> offeredDevices();

  /**
   * Resolves through the public entry point, as a user would.
   *
   * @param accelerator the portable spec
   * @return the resolution
   */
  protected AcceleratorResolution resolve(Accelerator accelerator) {
    return Serve4j.resolve(provider().id(), accelerator);
  }

  @Test
  void everyRow_namesAnHttpsSource_andTheDefaultCpuResolves() {
    List<HardwareOffering> rows = provider().offerings();
    assertThat(rows).isNotEmpty();
    assertThat(rows).allSatisfy(o -> assertThat(o.source()).as(o.sku()).startsWith("https://"));
    AcceleratorResolution cpu = resolve(Accelerator.defaultCpu());
    assertThat(cpu.providerId()).isEqualTo(provider().id());
    assertThat(cpu.acceleratorCount()).isZero();
  }

  @Test
  void everyDeviceRow_resolvesToTheFirstRowOfItsDeviceAndCount() {
    List<HardwareOffering> rows = provider().offerings();
    for (HardwareOffering o : rows) {
      if (o.deviceType().isEmpty()) {
        continue;
      }
      HardwareOffering first =
          rows.stream()
              .filter(x -> x.deviceType().equals(o.deviceType()) && x.count() == o.count())
              .findFirst()
              .orElseThrow();
      AcceleratorResolution r = resolve(Accelerator.of(o.deviceType().get(), o.count()));
      assertThat(r.sku()).as(o.toString()).isEqualTo(first.sku());
      assertThat(r.acceleratorCount()).isEqualTo(o.count());
      assertThat(r.source()).isEqualTo(first.source());
      assertThat(r.explanation()).contains(first.sku());
    }
  }

  @Test
  void everyKnownDevice_resolvesWhereOffered_andFailsTypedElsewhere() {
    String id = provider().id();
    for (DeviceType type : DeviceType.known()) {
      int count =
          provider().offerings().stream()
              .filter(o -> o.deviceType().filter(type::equals).isPresent())
              .mapToInt(HardwareOffering::count)
              .min()
              .orElse(1);
      Accelerator acc = Accelerator.of(type, count);
      if (offeredDevices().contains(type)) {
        assertThat(resolve(acc).sku()).as(id + " " + type).isNotBlank();
      } else {
        assertThatThrownBy(() -> resolve(acc))
            .as(id + " " + type)
            .isInstanceOf(UnsupportedCapabilityException.class)
            .hasMessageContaining(id + " offers no " + type.id());
      }
    }
  }
}
