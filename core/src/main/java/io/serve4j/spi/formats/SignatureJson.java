package io.serve4j.spi.formats;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.serve4j.DataType;
import io.serve4j.ModelSignature;
import io.serve4j.Shape;
import io.serve4j.TensorSpec;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The one JSON form of a {@link ModelSignature} that providers keep in their cloud's metadata
 * (model environment, properties, an endpoint description) so that a fresh client can validate
 * requests before sending them. It is the tensor metadata of the Open Inference Protocol's model
 * metadata response, without whitespace:
 *
 * <pre>{@code
 * {"inputs":[{"name":"x","datatype":"FP32","shape":[-1,2]}],
 *  "outputs":[{"name":"y","datatype":"FP32","shape":[-1,2]}]}
 * }</pre>
 *
 * <p>Reading also accepts the compact form earlier serve4j versions kept in SageMaker model
 * environments ({@code {"i":[{"n":..,"t":..,"s":[..]}],"o":[..]}}), so endpoints deployed by them
 * keep their signature. The signature is advisory metadata: text that is absent or cannot be read
 * gives an empty result (the service then validates requests itself), never an error.
 */
public final class SignatureJson {
  private static final ObjectMapper JSON = new ObjectMapper();

  private SignatureJson() {}

  /**
   * Writes a signature as compact JSON text.
   *
   * @param signature the signature
   * @return the JSON text
   */
  public static String write(ModelSignature signature) {
    return toNode(signature).toString();
  }

  /**
   * Writes a signature as a JSON object, for providers that nest it in a document of their own.
   *
   * @param signature the signature
   * @return a new object with {@code inputs} and {@code outputs}
   */
  public static ObjectNode toNode(ModelSignature signature) {
    ObjectNode root = JSON.createObjectNode();
    specs(root.putArray("inputs"), signature.inputs());
    specs(root.putArray("outputs"), signature.outputs());
    return root;
  }

  /**
   * Reads a signature from JSON text.
   *
   * @param json the text, or null
   * @return the signature, empty if the text is absent, blank or not a signature
   */
  public static Optional<ModelSignature> read(String json) {
    if (json == null || json.isBlank()) {
      return Optional.empty();
    }
    try {
      return read(JSON.readTree(json));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /**
   * Reads a signature from a JSON object.
   *
   * @param node the object, or null
   * @return the signature, empty if the node is absent or not a signature
   */
  public static Optional<ModelSignature> read(JsonNode node) {
    if (node == null || !node.isObject()) {
      return Optional.empty();
    }
    try {
      if (node.has("inputs")) {
        return Optional.of(
            new ModelSignature(
                specs(node.get("inputs"), "name", "datatype", "shape"),
                specs(node.path("outputs"), "name", "datatype", "shape")));
      }
      if (node.has("i")) { // the compact form serve4j 0.1 kept on SageMaker
        return Optional.of(
            new ModelSignature(
                specs(node.get("i"), "n", "t", "s"), specs(node.path("o"), "n", "t", "s")));
      }
    } catch (RuntimeException e) {
      // not a signature: advisory metadata is ignored, the service validates
    }
    return Optional.empty();
  }

  private static void specs(ArrayNode out, List<TensorSpec> specs) {
    for (TensorSpec t : specs) {
      ObjectNode n = out.addObject();
      n.put("name", t.name());
      n.put("datatype", t.dataType().protocolName());
      ArrayNode shape = n.putArray("shape");
      for (long d : t.shape().toArray()) {
        shape.add(d);
      }
    }
  }

  private static List<TensorSpec> specs(
      JsonNode array, String nameField, String typeField, String shapeField) {
    if (array.isMissingNode()) {
      return List.of();
    }
    if (!array.isArray()) {
      throw new IllegalArgumentException("not an array: " + array);
    }
    List<TensorSpec> out = new ArrayList<>(array.size());
    for (JsonNode n : array) {
      JsonNode name = n.get(nameField);
      JsonNode type = n.get(typeField);
      JsonNode shape = n.get(shapeField);
      if (name == null || !name.isTextual() || type == null || shape == null || !shape.isArray()) {
        throw new IllegalArgumentException("not a tensor spec: " + n);
      }
      long[] dims = new long[shape.size()];
      for (int i = 0; i < dims.length; i++) {
        JsonNode d = shape.get(i);
        if (!d.isIntegralNumber()) {
          throw new IllegalArgumentException("not a dimension: " + d);
        }
        dims[i] = d.asLong();
      }
      out.add(
          new TensorSpec(name.asText(), DataType.fromProtocolName(type.asText()), Shape.of(dims)));
    }
    return out;
  }
}
