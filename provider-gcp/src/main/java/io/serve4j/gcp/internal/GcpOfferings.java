package io.serve4j.gcp.internal;

import io.serve4j.Accelerator;
import io.serve4j.AcceleratorResolution;
import io.serve4j.HardwareOffering;
import io.serve4j.gcp.GcpProvider;
import io.serve4j.spi.HardwareOfferings;
import java.util.List;

/**
 * The Vertex AI machine types and accelerators this provider serves on: the rows of {@code
 * offerings.json} next to this class, each naming the page it was read from. Portable accelerators
 * resolve against them in core ({@link HardwareOfferings#resolve}).
 */
public final class GcpOfferings {
  private static final List<HardwareOffering> ROWS =
      HardwareOfferings.load(GcpOfferings.class, "offerings.json");

  private GcpOfferings() {}

  /**
   * Returns every row.
   *
   * @return the rows, in table order
   */
  public static List<HardwareOffering> all() {
    return ROWS;
  }

  /**
   * Resolves a portable accelerator against this provider's rows.
   *
   * @param accelerator the portable spec
   * @return the chosen row and why
   * @throws io.serve4j.UnsupportedCapabilityException if no row fits, listing the alternatives
   */
  public static AcceleratorResolution resolve(Accelerator accelerator) {
    return HardwareOfferings.resolve(GcpProvider.ID, ROWS, accelerator);
  }
}
