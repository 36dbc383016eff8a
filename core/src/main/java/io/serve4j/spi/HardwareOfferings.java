package io.serve4j.spi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.serve4j.Accelerator;
import io.serve4j.AcceleratorResolution;
import io.serve4j.DeviceKind;
import io.serve4j.DeviceType;
import io.serve4j.ErrorCategory;
import io.serve4j.HardwareOffering;
import io.serve4j.ServingException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Hardware offerings for providers (an SPI helper): reads a provider's table of {@link
 * HardwareOffering} rows and resolves a portable {@link Accelerator} against it, explaining the
 * choice. Every provider resolves the same way; only the rows are its own.
 *
 * <p>Devices resolve to the first row of that device type with exactly the requested count (and at
 * least the requested vCPUs and memory); CPUs to the smallest CPU row with at least the requested
 * vCPUs and memory. When nothing matches, the {@link io.serve4j.UnsupportedCapabilityException}
 * lists what the provider does offer.
 *
 * <p>The table format, one JSON document per provider:
 *
 * <pre>{@code
 * {"offerings": [
 *   {"device": "cpu", "count": 1, "sku": "m-2", "vcpus": 2, "memoryGiB": 8, "source": "https://..."},
 *   {"device": "nvidia-l4", "count": 1, "sku": "g-8", "acceleratorType": "L4",
 *    "vcpus": 8, "memoryGiB": 32, "source": "https://..."}]}
 * }</pre>
 *
 * where {@code device} is {@code cpu} or a {@link DeviceType#of(String) known device type id}.
 */
public final class HardwareOfferings {
  private static final ObjectMapper JSON = new ObjectMapper();

  private HardwareOfferings() {}

  /**
   * Reads a table of offerings.
   *
   * @param json the JSON document
   * @return the rows, in document order
   * @throws IOException if the JSON cannot be read
   * @throws io.serve4j.InvalidInputException if a row is incomplete or names an unknown device
   */
  public static List<HardwareOffering> read(InputStream json) throws IOException {
    JsonNode root = JSON.readTree(json);
    List<HardwareOffering> rows = new ArrayList<>();
    for (JsonNode n : root.path("offerings")) {
      String device = n.path("device").asText();
      String sku = n.path("sku").asText(null);
      int vcpus = n.path("vcpus").asInt();
      double memory = n.path("memoryGiB").asDouble();
      String source = n.path("source").asText(null);
      rows.add(
          device.equals("cpu")
              ? HardwareOffering.cpu(sku, vcpus, memory, source)
              : HardwareOffering.device(
                  sku,
                  DeviceType.of(device),
                  n.path("count").asInt(1),
                  n.path("acceleratorType").textValue(),
                  vcpus,
                  memory,
                  source));
    }
    return List.copyOf(rows);
  }

  /**
   * Reads a table of offerings shipped as a class path resource next to a class.
   *
   * @param anchor the class whose loader and package the resource name is relative to
   * @param resource e.g. {@code "offerings.json"}
   * @return the rows
   * @throws IllegalStateException if the resource is missing (a packaging error)
   * @throws UncheckedIOException if it cannot be read
   */
  public static List<HardwareOffering> load(Class<?> anchor, String resource) {
    try (InputStream in = anchor.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException(
            "missing resource " + resource + " next to " + anchor.getName());
      }
      return read(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Resolves a portable accelerator against a provider's rows.
   *
   * @param providerId the provider, named in the explanation and errors
   * @param offerings the provider's rows
   * @param accelerator the portable spec
   * @return the chosen row with an explanation
   * @throws io.serve4j.UnsupportedCapabilityException if no row fits, listing the alternatives
   */
  public static AcceleratorResolution resolve(
      String providerId, List<HardwareOffering> offerings, Accelerator accelerator) {
    if (offerings.isEmpty()) {
      throw unsupported(
          providerId,
          "provider '"
              + providerId
              + "' publishes no hardware offerings, so "
              + accelerator
              + " cannot be resolved");
    }
    if (accelerator.kind() == DeviceKind.CPU) {
      return offerings.stream()
          .filter(o -> o.deviceType().isEmpty())
          .filter(o -> fits(o, accelerator))
          .min(
              Comparator.comparingInt(HardwareOffering::vcpus)
                  .thenComparingDouble(HardwareOffering::memoryGiB))
          .map(
              o ->
                  resolution(
                      providerId,
                      o,
                      "smallest "
                          + providerId
                          + " CPU offering with >= "
                          + accelerator.vcpus()
                          + " vCPUs and >= "
                          + accelerator.memoryGiB()
                          + " GiB: "
                          + o.sku()
                          + " ("
                          + o.vcpus()
                          + " vCPUs, "
                          + o.memoryGiB()
                          + " GiB)"))
          .orElseThrow(
              () ->
                  unsupported(
                      providerId,
                      "no "
                          + providerId
                          + " CPU offering has >= "
                          + accelerator.vcpus()
                          + " vCPUs and >= "
                          + accelerator.memoryGiB()
                          + " GiB; CPU offerings: "
                          + describe(offerings.stream().filter(o -> o.deviceType().isEmpty()))));
    }
    DeviceType device = accelerator.deviceType().orElseThrow();
    List<HardwareOffering> sameDevice =
        offerings.stream().filter(o -> o.deviceType().filter(device::equals).isPresent()).toList();
    if (sameDevice.isEmpty()) {
      throw unsupported(
          providerId,
          providerId
              + " offers no "
              + device.id()
              + "; its accelerators are: "
              + describe(offerings.stream().filter(o -> o.deviceType().isPresent())));
    }
    return sameDevice.stream()
        .filter(o -> o.count() == accelerator.count())
        .filter(o -> fits(o, accelerator))
        .findFirst()
        .map(
            o ->
                resolution(
                    providerId,
                    o,
                    accelerator
                        + " on "
                        + providerId
                        + " is "
                        + o.sku()
                        + o.acceleratorType().map(t -> " with " + o.count() + "x " + t).orElse("")
                        + " ("
                        + o.vcpus()
                        + " vCPUs, "
                        + o.memoryGiB()
                        + " GiB)"))
        .orElseThrow(
            () ->
                unsupported(
                    providerId,
                    providerId
                        + " offers "
                        + device.id()
                        + " only as: "
                        + describe(sameDevice.stream())
                        + "; asked for "
                        + accelerator.count()
                        + (accelerator.vcpus() > 0 || accelerator.memoryGiB() > 0
                            ? " with >= "
                                + accelerator.vcpus()
                                + " vCPUs and >= "
                                + accelerator.memoryGiB()
                                + " GiB"
                            : "")));
  }

  private static boolean fits(HardwareOffering o, Accelerator a) {
    return o.vcpus() >= a.vcpus() && o.memoryGiB() >= a.memoryGiB();
  }

  private static AcceleratorResolution resolution(
      String providerId, HardwareOffering o, String why) {
    return new AcceleratorResolution(
        providerId,
        o.sku(),
        o.acceleratorType(),
        o.deviceType().isPresent() ? o.count() : 0,
        o.vcpus(),
        o.memoryGiB(),
        o.source(),
        why);
  }

  private static String describe(Stream<HardwareOffering> rows) {
    return rows.map(
            o ->
                o.sku()
                    + o.deviceType().map(t -> " (" + o.count() + "x " + t.id() + ")").orElse(""))
        .collect(Collectors.joining(", ", "[", "]"));
  }

  private static ServingException unsupported(String providerId, String message) {
    return ServingException.builder(ErrorCategory.UNSUPPORTED_CAPABILITY)
        .providerId(providerId)
        .message(message)
        .build();
  }
}
