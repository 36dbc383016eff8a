package io.serve4j.aws.internal;

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
 * A compact JSON form of a {@link ModelSignature}, kept in the SageMaker model's environment so
 * that a fresh client can validate requests before sending them.
 */
final class SignatureCodec {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private SignatureCodec() {}

  static String write(ModelSignature signature) {
    ObjectNode root = MAPPER.createObjectNode();
    root.set("i", specs(signature.inputs()));
    root.set("o", specs(signature.outputs()));
    return root.toString();
  }

  static Optional<ModelSignature> read(String json) {
    if (json == null || json.isEmpty()) {
      return Optional.empty();
    }
    try {
      JsonNode root = MAPPER.readTree(json);
      return Optional.of(new ModelSignature(specs(root.get("i")), specs(root.get("o"))));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  private static ArrayNode specs(List<TensorSpec> specs) {
    ArrayNode a = MAPPER.createArrayNode();
    for (TensorSpec t : specs) {
      ObjectNode n = a.addObject();
      n.put("n", t.name());
      n.put("t", t.dataType().name());
      ArrayNode s = n.putArray("s");
      for (long d : t.shape().toArray()) {
        s.add(d);
      }
    }
    return a;
  }

  private static List<TensorSpec> specs(JsonNode a) {
    List<TensorSpec> out = new ArrayList<>();
    for (JsonNode n : a) {
      long[] dims = new long[n.get("s").size()];
      for (int i = 0; i < dims.length; i++) {
        dims[i] = n.get("s").get(i).asLong();
      }
      out.add(
          new TensorSpec(
              n.get("n").asText(), DataType.valueOf(n.get("t").asText()), Shape.of(dims)));
    }
    return out;
  }
}
