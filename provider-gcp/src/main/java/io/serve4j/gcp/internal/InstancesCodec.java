package io.serve4j.gcp.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.cloud.aiplatform.v1.PredictRequest;
import com.google.cloud.aiplatform.v1.PredictResponse;
import com.google.protobuf.ListValue;
import com.google.protobuf.NullValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.Tensor;
import io.serve4j.TensorSpec;
import io.serve4j.protocol.OipJson;
import java.util.ArrayList;
import java.util.List;

/**
 * The wire codec of Vertex AI's {@code Predict} call for prebuilt containers: tensors become one
 * {@code instances} row per first-dimension entry (a struct of named inputs when there are
 * several), and {@code predictions} come back as one tensor.
 */
final class InstancesCodec {
  private static final ObjectMapper JSON = new ObjectMapper();

  private InstancesCodec() {}

  /** Encodes a request's tensors and parameters as instances of a PredictRequest. */
  static PredictRequest encode(String resource, InferenceRequest request) {
    PredictRequest.Builder req = PredictRequest.newBuilder().setEndpoint(resource);
    List<Tensor> inputs = request.inputs();
    long rows = inputs.get(0).shape().rank() == 0 ? 1 : inputs.get(0).shape().dim(0);
    List<JsonNode> flat = new ArrayList<>();
    for (Tensor t : inputs) {
      flat.add(OipJson.tensor(t).path("data"));
    }
    for (int r = 0; r < rows; r++) {
      if (inputs.size() == 1) {
        req.addInstances(toValue(row(inputs.get(0), flat.get(0), r)));
      } else {
        Struct.Builder s = Struct.newBuilder();
        for (int i = 0; i < inputs.size(); i++) {
          s.putFields(inputs.get(i).name(), toValue(row(inputs.get(i), flat.get(i), r)));
        }
        req.addInstances(Value.newBuilder().setStructValue(s));
      }
    }
    if (!request.parameters().isEmpty()) {
      req.setParameters(toValue(JSON.valueToTree(request.parameters())));
    }
    return req.build();
  }

  private static JsonNode row(Tensor t, JsonNode flat, int r) {
    long[] dims = t.shape().toArray();
    if (dims.length <= 1) {
      return flat.get(r);
    }
    long per = 1;
    for (int i = 1; i < dims.length; i++) {
      per *= dims[i];
    }
    int[] index = {(int) (r * per)};
    return nest(flat, dims, 1, index);
  }

  private static JsonNode nest(JsonNode flat, long[] dims, int axis, int[] index) {
    ArrayNode a = JSON.createArrayNode();
    for (long i = 0; i < dims[axis]; i++) {
      if (axis == dims.length - 1) {
        a.add(flat.get(index[0]++));
      } else {
        a.add(nest(flat, dims, axis + 1, index));
      }
    }
    return a;
  }

  /**
   * Decodes predictions as one tensor named after the signature's first output (or {@code
   * predictions}).
   */
  static InferenceResponse decode(PredictResponse r, TensorSpec out, InferenceRequest request) {
    ArrayNode data = JSON.createArrayNode();
    List<Long> shape = new ArrayList<>();
    shape.add((long) r.getPredictionsCount());
    boolean first = true;
    boolean strings = false;
    for (Value v : r.getPredictionsList()) {
      List<Long> inner = new ArrayList<>();
      strings |= flatten(v, data, inner, 0);
      if (first) {
        shape.addAll(inner);
        first = false;
      }
    }
    ObjectNode t = JSON.createObjectNode();
    t.put("name", out != null ? out.name() : "predictions");
    t.put("datatype", strings ? "BYTES" : out != null ? out.dataType().protocolName() : "FP32");
    ArrayNode s = t.putArray("shape");
    shape.forEach(s::add);
    t.set("data", data);
    InferenceResponse.Builder b =
        InferenceResponse.builder()
            .output(OipJson.readTensor(t))
            .deployment(r.getDeployedModelId().isEmpty() ? null : r.getDeployedModelId())
            .modelVersion(r.getModelVersionId().isEmpty() ? null : r.getModelVersionId())
            .modelName(r.getModelDisplayName().isEmpty() ? null : r.getModelDisplayName());
    request.id().ifPresent(b::id);
    return b.build();
  }

  /** Appends the leaves of a prediction; returns true if any is a string. */
  private static boolean flatten(Value v, ArrayNode out, List<Long> shape, int depth) {
    switch (v.getKindCase()) {
      case LIST_VALUE -> {
        if (shape.size() == depth) {
          shape.add((long) v.getListValue().getValuesCount());
        }
        boolean s = false;
        for (Value x : v.getListValue().getValuesList()) {
          s |= flatten(x, out, shape, depth + 1);
        }
        return s;
      }
      case NUMBER_VALUE -> out.add(v.getNumberValue());
      case BOOL_VALUE -> out.add(v.getBoolValue() ? 1 : 0);
      case STRING_VALUE -> {
        out.add(v.getStringValue());
        return true;
      }
      default -> out.add(v.toString());
    }
    return false;
  }

  private static Value toValue(JsonNode n) {
    Value.Builder v = Value.newBuilder();
    if (n == null || n.isNull()) {
      return v.setNullValue(NullValue.NULL_VALUE).build();
    }
    if (n.isNumber()) {
      return v.setNumberValue(n.asDouble()).build();
    }
    if (n.isBoolean()) {
      return v.setBoolValue(n.asBoolean()).build();
    }
    if (n.isTextual()) {
      return v.setStringValue(n.asText()).build();
    }
    if (n.isArray()) {
      ListValue.Builder l = ListValue.newBuilder();
      n.forEach(x -> l.addValues(toValue(x)));
      return v.setListValue(l).build();
    }
    Struct.Builder s = Struct.newBuilder();
    n.properties().forEach(f -> s.putFields(f.getKey(), toValue(f.getValue())));
    return v.setStructValue(s).build();
  }
}
