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
   * @param device {@code cpu}, {@code gpu} or {@code any}
   * @param image the image URI
   * @param protocol {@link Manifest#OIP} or {@link Manifest#PREDICT}
   * @param source where the row was read
   */
  public record Row(
      ModelFormat format, String device, String image, String protocol, String source) {}

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
                  n.path("source").asText()));
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
    String device = kind == DeviceKind.CPU ? "cpu" : "gpu";
    return rows.stream()
        .filter(r -> r.format() == format)
        .filter(r -> r.device().equals("any") || r.device().equals(device))
        .findFirst();
  }
}
