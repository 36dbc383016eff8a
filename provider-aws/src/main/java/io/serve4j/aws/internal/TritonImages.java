package io.serve4j.aws.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.serve4j.ErrorCategory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * SageMaker's Triton image URI per region, read from the data table {@code
 * io/serve4j/aws/triton-images.json} (which names its source).
 */
public final class TritonImages {
  private static final String RESOURCE = "io/serve4j/aws/triton-images.json";
  private static volatile JsonNode table;

  private TritonImages() {}

  /**
   * Returns the Triton image of a region.
   *
   * @param region e.g. {@code us-east-1}
   * @return the image URI
   * @throws io.serve4j.UnsupportedCapabilityException if the table has no such region
   */
  public static String uri(String region) {
    JsonNode t = table();
    JsonNode account = t.get("registries").get(region);
    if (account == null) {
      throw AwsErrors.clientError(
          ErrorCategory.UNSUPPORTED_CAPABILITY,
          "no SageMaker Triton image is known for region '"
              + region
              + "' (known: "
              + regions()
              + "); set AwsOptions.onnxImage");
    }
    String domain = region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
    return account.asText()
        + ".dkr.ecr."
        + region
        + "."
        + domain
        + "/"
        + t.get("repository").asText()
        + ":"
        + t.get("tag").asText();
  }

  /**
   * Returns where the table was read.
   *
   * @return the source sentence
   */
  public static String source() {
    return table().get("source").asText();
  }

  private static List<String> regions() {
    List<String> out = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = table().get("registries").fields();
        it.hasNext(); ) {
      out.add(it.next().getKey());
    }
    return out;
  }

  private static JsonNode table() {
    JsonNode t = table;
    if (t == null) {
      try (InputStream in = TritonImages.class.getClassLoader().getResourceAsStream(RESOURCE)) {
        if (in == null) {
          throw new IllegalStateException("missing resource " + RESOURCE);
        }
        t = new ObjectMapper().readTree(in);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      table = t;
    }
    return t;
  }
}
