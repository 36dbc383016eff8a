package io.serve4j;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Maps portable {@link Accelerator}s to what each cloud calls them, from data: the JSON resource
 * {@code io/serve4j/accelerator-catalog.json}, where every row names its source.
 *
 * <pre>{@code
 * AcceleratorResolution r = AcceleratorCatalog.standard()
 *     .resolve("gcp", Accelerator.gpu(DeviceType.NVIDIA_L4, 1));
 * r.sku();               // "g2-standard-8"
 * r.acceleratorType();   // Optional[NVIDIA_L4]
 * }</pre>
 *
 * <p>Devices resolve to the offering with exactly the requested count; CPUs to the smallest
 * offering with at least the requested vCPUs and memory. When a cloud has no match the error lists
 * what it does offer. Instances are immutable and thread-safe.
 */
public final class AcceleratorCatalog {
  private static final String RESOURCE = "/io/serve4j/accelerator-catalog.json";
  private static volatile AcceleratorCatalog standard;

  /**
   * One offering of the catalog.
   *
   * @param cloud cloud id
   * @param device a device type id or {@code "cpu"}
   * @param count number of devices
   * @param sku the cloud's instance / machine type
   * @param acceleratorType the cloud's accelerator name, if it has a separate one
   * @param vcpus vCPUs
   * @param memoryGiB memory in GiB
   * @param source where the row was read
   */
  public record Offering(
      String cloud,
      String device,
      int count,
      String sku,
      Optional<String> acceleratorType,
      int vcpus,
      double memoryGiB,
      String source) {}

  private final List<Offering> offerings;

  private AcceleratorCatalog(List<Offering> offerings) {
    this.offerings = List.copyOf(offerings);
  }

  /**
   * Returns the catalog shipped with serve4j.
   *
   * @return the standard catalog
   */
  public static AcceleratorCatalog standard() {
    AcceleratorCatalog c = standard;
    if (c == null) {
      try (InputStream in = AcceleratorCatalog.class.getResourceAsStream(RESOURCE)) {
        if (in == null) {
          throw new IllegalStateException("missing resource " + RESOURCE);
        }
        c = parse(in);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      standard = c;
    }
    return c;
  }

  /**
   * Reads a catalog in the same JSON format as the standard one, e.g. to add private SKUs.
   *
   * @param json the JSON document
   * @return the catalog
   * @throws IOException if the JSON cannot be read
   */
  public static AcceleratorCatalog parse(InputStream json) throws IOException {
    JsonNode root = new ObjectMapper().readTree(json);
    List<Offering> rows = new ArrayList<>();
    for (JsonNode n : root.path("offerings")) {
      rows.add(
          new Offering(
              n.path("cloud").asText(),
              n.path("device").asText(),
              n.path("count").asInt(1),
              n.path("sku").asText(),
              Optional.ofNullable(n.path("acceleratorType").textValue()),
              n.path("vcpus").asInt(),
              n.path("memoryGiB").asDouble(),
              n.path("source").asText()));
    }
    return new AcceleratorCatalog(rows);
  }

  /**
   * Returns every offering.
   *
   * @return the rows
   */
  public List<Offering> offerings() {
    return offerings;
  }

  /**
   * Returns the offerings of one cloud.
   *
   * @param cloud cloud id
   * @return the rows of that cloud
   */
  public List<Offering> offerings(String cloud) {
    return offerings.stream().filter(o -> o.cloud().equals(cloud)).toList();
  }

  /**
   * Resolves an accelerator for a cloud.
   *
   * @param cloud cloud id ({@code aws}, {@code azure}, {@code gcp})
   * @param accelerator the portable spec
   * @return the resolution with an explanation
   * @throws UnsupportedCapabilityException if the cloud has no such device or count, listing the
   *     alternatives it does have
   */
  public AcceleratorResolution resolve(String cloud, Accelerator accelerator) {
    List<Offering> ofCloud = offerings(cloud);
    if (ofCloud.isEmpty()) {
      throw unsupported(
          cloud, "the accelerator catalog has no offerings for cloud '" + cloud + "'");
    }
    if (accelerator.kind() == DeviceKind.CPU) {
      return ofCloud.stream()
          .filter(o -> o.device().equals("cpu"))
          .filter(o -> o.vcpus() >= accelerator.vcpus() && o.memoryGiB() >= accelerator.memoryGiB())
          .min(Comparator.comparingInt(Offering::vcpus).thenComparingDouble(Offering::memoryGiB))
          .map(
              o ->
                  toResolution(
                      o,
                      "smallest "
                          + cloud
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
                      cloud,
                      "no "
                          + cloud
                          + " CPU offering has >= "
                          + accelerator.vcpus()
                          + " vCPUs and >= "
                          + accelerator.memoryGiB()
                          + " GiB; largest: "
                          + describe(ofCloud.stream().filter(o -> o.device().equals("cpu")))));
    }
    String device = accelerator.deviceType().orElseThrow().id();
    List<Offering> sameDevice = ofCloud.stream().filter(o -> o.device().equals(device)).toList();
    if (sameDevice.isEmpty()) {
      throw unsupported(
          cloud,
          cloud
              + " offers no "
              + device
              + "; its accelerators are: "
              + describe(ofCloud.stream().filter(o -> !o.device().equals("cpu"))));
    }
    return sameDevice.stream()
        .filter(o -> o.count() == accelerator.count())
        .filter(o -> o.vcpus() >= accelerator.vcpus() && o.memoryGiB() >= accelerator.memoryGiB())
        .findFirst()
        .map(
            o ->
                toResolution(
                    o,
                    accelerator
                        + " on "
                        + cloud
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
                    cloud,
                    cloud
                        + " offers "
                        + device
                        + " only as: "
                        + describe(sameDevice.stream())
                        + "; asked for "
                        + accelerator.count()));
  }

  private static AcceleratorResolution toResolution(Offering o, String why) {
    return new AcceleratorResolution(
        o.cloud(),
        o.sku(),
        o.acceleratorType(),
        o.device().equals("cpu") ? 0 : o.count(),
        o.vcpus(),
        o.memoryGiB(),
        o.source(),
        why);
  }

  private static String describe(java.util.stream.Stream<Offering> rows) {
    return rows.map(
            o ->
                o.sku()
                    + (o.device().equals("cpu") ? "" : " (" + o.count() + "x " + o.device() + ")"))
        .collect(Collectors.joining(", ", "[", "]"));
  }

  private static ServingException unsupported(String cloud, String message) {
    return ServingException.builder(ErrorCategory.UNSUPPORTED_CAPABILITY)
        .providerId(cloud)
        .message(message)
        .build();
  }
}
