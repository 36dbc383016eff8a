package io.serve4j.azure.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.serve4j.DataType;
import io.serve4j.ModelSignature;
import io.serve4j.Shape;
import io.serve4j.TensorSpec;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A model signature as a JSON string, kept in the {@code properties} of model versions and
 * deployments so that a fresh client learns it from the workspace; also Triton's {@code
 * config.pbtxt}.
 */
final class Signatures {
  private Signatures() {}

  static String write(ModelSignature signature) {
    ObjectNode root = Rest.JSON.createObjectNode();
    root.set("inputs", specs(signature.inputs()));
    root.set("outputs", specs(signature.outputs()));
    return root.toString();
  }

  static ModelSignature read(String json) {
    if (json == null || json.isBlank()) {
      return null;
    }
    try {
      JsonNode root = Rest.JSON.readTree(json);
      return new ModelSignature(specs(root.path("inputs")), specs(root.path("outputs")));
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /**
   * A Triton model configuration for an ONNX model: the platform, and the tensors when the
   * signature is known (without one Triton completes the configuration from the ONNX file).
   */
  static String tritonConfig(String modelName, ModelSignature signature) {
    StringBuilder sb = new StringBuilder();
    sb.append("name: \"").append(modelName).append("\"\n");
    sb.append("platform: \"onnxruntime_onnx\"\n");
    sb.append("max_batch_size: 0\n");
    if (signature != null) {
      tensors(sb, "input", signature.inputs());
      tensors(sb, "output", signature.outputs());
    }
    return sb.toString();
  }

  private static void tensors(StringBuilder sb, String kind, List<TensorSpec> specs) {
    sb.append(kind).append(" [\n");
    for (int i = 0; i < specs.size(); i++) {
      TensorSpec t = specs.get(i);
      sb.append("  { name: \"")
          .append(t.name())
          .append("\" data_type: TYPE_")
          .append(tritonType(t.dataType()))
          .append(" dims: [ ");
      long[] dims = t.shape().toArray();
      for (int d = 0; d < dims.length; d++) {
        sb.append(d > 0 ? ", " : "").append(dims[d]);
      }
      sb.append(" ] }").append(i < specs.size() - 1 ? "," : "").append('\n');
    }
    sb.append("]\n");
  }

  private static String tritonType(DataType type) {
    return switch (type) {
      case BYTES -> "STRING";
      default -> type.name();
    };
  }

  private static ArrayNode specs(List<TensorSpec> specs) {
    ArrayNode a = Rest.JSON.createArrayNode();
    for (TensorSpec t : specs) {
      ObjectNode n = a.addObject();
      n.put("name", t.name());
      n.put("datatype", t.dataType().name());
      ArrayNode shape = n.putArray("shape");
      for (long d : t.shape().toArray()) {
        shape.add(d);
      }
    }
    return a;
  }

  private static List<TensorSpec> specs(JsonNode array) {
    List<TensorSpec> out = new ArrayList<>();
    for (JsonNode n : array) {
      long[] dims = new long[n.path("shape").size()];
      for (int i = 0; i < dims.length; i++) {
        dims[i] = n.path("shape").get(i).asLong();
      }
      out.add(
          new TensorSpec(
              n.path("name").asText(),
              DataType.valueOf(n.path("datatype").asText()),
              Shape.of(dims)));
    }
    return out;
  }
}
