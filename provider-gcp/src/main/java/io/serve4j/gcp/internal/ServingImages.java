package io.serve4j.gcp.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.serve4j.DeviceKind;
import io.serve4j.ModelFormat;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The table of serving images ({@code io/serve4j/gcp/serving-images.json}), each row with the page
 * it was taken from.
 */
public final class ServingImages {
  private static final String RESOURCE = "/io/serve4j/gcp/serving-images.json";
  private static volatile ServingImages standard;

  /**
   * One row.
   *
   * @param format the model format
   * @param device {@code cpu}, {@code gpu} or {@code tpu}
   * @param image the image URI, with {@code {region}} for the multi-region repository
   * @param protocol {@link Manifest#OIP} or {@link Manifest#PREDICT}
   * @param source where the row was read
   * @param checked what the source showed when the row was written
   */
  public record Row(
      ModelFormat format,
      String device,
      String image,
      String protocol,
      String source,
      String checked) {

    /**
     * Returns the image URI for a Vertex AI location.
     *
     * @param location e.g. {@code europe-west4}
     * @return the image in the repository nearest to it
     */
    public String imageFor(String location) {
      return image.replace("{region}", region(location));
    }
  }

  private final List<Row> rows;

  private ServingImages(List<Row> rows) {
    this.rows = List.copyOf(rows);
  }

  /**
   * Returns the bundled table.
   *
   * @return the table
   */
  public static ServingImages standard() {
    ServingImages s = standard;
    if (s == null) {
      try (InputStream in = ServingImages.class.getResourceAsStream(RESOURCE)) {
        JsonNode root = new ObjectMapper().readTree(in);
        List<Row> rows = new ArrayList<>();
        for (JsonNode n : root.path("images")) {
          rows.add(
              new Row(
                  ModelFormat.valueOf(n.path("format").asText()),
                  n.path("device").asText(),
                  n.path("image").asText(),
                  n.path("protocol").asText(),
                  n.path("source").asText(),
                  n.path("checked").asText()));
        }
        s = new ServingImages(rows);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      standard = s;
    }
    return s;
  }

  /**
   * Returns the rows.
   *
   * @return all rows
   */
  public List<Row> rows() {
    return rows;
  }

  /**
   * Finds the image for a format on a kind of hardware.
   *
   * @param format the model format
   * @param kind the hardware
   * @return the row, if the table has one
   */
  public Optional<Row> find(ModelFormat format, DeviceKind kind) {
    String device = kind.name().toLowerCase(java.util.Locale.ROOT);
    return rows.stream()
        .filter(r -> r.format() == format)
        .filter(r -> r.device().equals(device))
        .findFirst();
  }

  /**
   * The multi-region Artifact Registry repository ({@code us}, {@code europe}, {@code asia}) the
   * prebuilt images are taken from for a location: the prebuilt containers page lists every image
   * in the three and says each provides the same image; the nearest is chosen for latency.
   *
   * @param location a Vertex AI location
   * @return {@code us}, {@code europe} or {@code asia}
   */
  public static String region(String location) {
    if (location.startsWith("europe-") || location.startsWith("me-")) {
      return "europe";
    }
    if (location.startsWith("asia-") || location.startsWith("australia-")) {
      return "asia";
    }
    return "us";
  }
}
