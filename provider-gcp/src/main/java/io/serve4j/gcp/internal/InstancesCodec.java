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
import io.serve4j.DataType;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.Shape;
import io.serve4j.Tensor;
import io.serve4j.TensorSpec;
import io.serve4j.protocol.OipJson;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
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
    // Elements as protobuf values straight from the tensors' buffers; BYTES through the OIP JSON
    // form of the tensor (UTF-8 text, or base64 when an element is not UTF-8).
    List<Leaves> leaves = new ArrayList<>(inputs.size());
    for (Tensor t : inputs) {
      leaves.add(Leaves.of(t));
    }
    for (int r = 0; r < rows; r++) {
      if (inputs.size() == 1) {
        req.addInstances(row(inputs.get(0), leaves.get(0), r));
      } else {
        Struct.Builder s = Struct.newBuilder();
        for (int i = 0; i < inputs.size(); i++) {
          s.putFields(inputs.get(i).name(), row(inputs.get(i), leaves.get(i), r));
        }
        req.addInstances(Value.newBuilder().setStructValue(s));
      }
    }
    if (!request.parameters().isEmpty()) {
      req.setParameters(toValue(JSON.valueToTree(request.parameters())));
    }
    return req.build();
  }

  /**
   * The elements of one tensor as protobuf values, by flat index. Numbers come from one builder per
   * tensor (a built {@code Value} is its own copy), so an element costs one {@code Value}.
   */
  @FunctionalInterface
  private interface Leaves {
    Value get(int i);

    static Leaves of(Tensor t) {
      ByteBuffer b = t.buffer();
      Value.Builder n = Value.newBuilder();
      return switch (t.dataType()) {
        case BOOL -> i -> n.setBoolValue(b.get(i) != 0).build();
        case UINT8 -> i -> n.setNumberValue(Byte.toUnsignedInt(b.get(i))).build();
        case INT8 -> i -> n.setNumberValue(b.get(i)).build();
        case UINT16 -> i -> n.setNumberValue(Short.toUnsignedInt(b.getShort(i * 2))).build();
        case INT16 -> i -> n.setNumberValue(b.getShort(i * 2)).build();
        case UINT32 -> i -> n.setNumberValue(Integer.toUnsignedLong(b.getInt(i * 4))).build();
        case INT32 -> i -> n.setNumberValue(b.getInt(i * 4)).build();
        case UINT64 ->
            i -> {
              long v = b.getLong(i * 8);
              return n.setNumberValue(v >= 0 ? v : Double.parseDouble(Long.toUnsignedString(v)))
                  .build();
            };
        case INT64 -> i -> n.setNumberValue(b.getLong(i * 8)).build();
        case FP16 -> {
          float[] f = t.asFloats();
          yield i -> n.setNumberValue(f[i]).build();
        }
        case FP32 -> i -> n.setNumberValue(b.getFloat(i * 4)).build();
        case FP64 -> i -> n.setNumberValue(b.getDouble(i * 8)).build();
        case BYTES -> {
          JsonNode flat = OipJson.tensor(t).path("data");
          yield i -> toValue(flat.get(i));
        }
      };
    }
  }

  private static Value row(Tensor t, Leaves flat, int r) {
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

  /** One list of the row, added in one step (one array of the right size, one change). */
  private static Value nest(Leaves flat, long[] dims, int axis, int[] index) {
    Value[] items = new Value[(int) dims[axis]];
    for (int i = 0; i < items.length; i++) {
      items[i] = axis == dims.length - 1 ? flat.get(index[0]++) : nest(flat, dims, axis + 1, index);
    }
    return Value.newBuilder()
        .setListValue(ListValue.newBuilder().addAllValues(Arrays.asList(items)))
        .build();
  }

  /**
   * Decodes predictions as one tensor named after the signature's first output (or {@code
   * predictions}).
   */
  static InferenceResponse decode(PredictResponse r, TensorSpec out, InferenceRequest request) {
    Tensor tensor = floatingPoint(r, out);
    InferenceResponse.Builder b =
        InferenceResponse.builder()
            .output(tensor != null ? tensor : anyType(r, out))
            .deployment(r.getDeployedModelId().isEmpty() ? null : r.getDeployedModelId())
            .modelVersion(r.getModelVersionId().isEmpty() ? null : r.getModelVersionId())
            .modelName(r.getModelDisplayName().isEmpty() ? null : r.getModelDisplayName());
    request.id().ifPresent(b::id);
    return b.build();
  }

  /**
   * The common case read without a JSON tree: FP32 or FP64 predictions (as declared, or FP32 when
   * undeclared) whose leaves are all numbers in range and fill the shape of the first prediction
   * (the predictions' count, then the list sizes along its first elements).
   *
   * @return the tensor, or null to read the predictions the general way
   */
  private static Tensor floatingPoint(PredictResponse r, TensorSpec out) {
    DataType type = out != null ? out.dataType() : DataType.FP32;
    if (type != DataType.FP32 && type != DataType.FP64) {
      return null;
    }
    int rank = 1;
    long expected = r.getPredictionsCount();
    long[] inner = new long[8];
    if (expected > 0) {
      Value v = r.getPredictions(0);
      while (v.getKindCase() == Value.KindCase.LIST_VALUE) {
        int size = v.getListValue().getValuesCount();
        if (rank == inner.length) {
          inner = Arrays.copyOf(inner, rank * 2);
        }
        inner[rank++] = size;
        expected *= size;
        if (size == 0) {
          break;
        }
        v = v.getListValue().getValues(0);
      }
    }
    if (expected > (Integer.MAX_VALUE - 8) / (type == DataType.FP32 ? 4 : 8)) {
      return null;
    }
    long[] dims = Arrays.copyOf(inner, rank);
    dims[0] = r.getPredictionsCount();
    Numbers data = new Numbers((int) expected, type == DataType.FP32);
    for (int i = 0; i < r.getPredictionsCount(); i++) {
      if (!data.addLeaves(r.getPredictions(i))) {
        return null;
      }
    }
    if (data.count != expected) {
      return null;
    }
    String name = out != null ? out.name() : "predictions";
    return Tensor.wrap(name, type, Shape.of(dims), data.buffer());
  }

  /**
   * The numeric leaves of predictions, in order, read into an array of the expected size, then
   * copied in one bulk put into the output tensor's little-endian buffer ({@link #buffer}). A
   * {@code putFloat} per leaf into the buffer cost 1.7 us for 256 leaves, the array and one bulk
   * copy 0.5 us ({@code InstancesCodecSteps}, BENCHMARKS.md).
   */
  private static final class Numbers {
    final float[] floats;
    final double[] doubles;
    final int expected;
    int count;

    Numbers(int expected, boolean fp32) {
      this.expected = expected;
      this.floats = fp32 ? new float[expected] : null;
      this.doubles = fp32 ? null : new double[expected];
    }

    /** The leaves read, as the tensor's little-endian buffer. */
    ByteBuffer buffer() {
      ByteBuffer b =
          ByteBuffer.allocate(expected * (floats != null ? 4 : 8)).order(ByteOrder.LITTLE_ENDIAN);
      if (floats != null) {
        b.asFloatBuffer().put(floats);
      } else {
        b.asDoubleBuffer().put(doubles);
      }
      return b;
    }

    /**
     * Appends the leaves of a prediction.
     *
     * @return false when a leaf is not a number, is out of FP32's range for FP32, or there are more
     *     leaves than expected
     */
    boolean addLeaves(Value v) {
      if (v.getKindCase() == Value.KindCase.NUMBER_VALUE) {
        return add(v.getNumberValue());
      }
      if (v.getKindCase() != Value.KindCase.LIST_VALUE) {
        return false;
      }
      List<Value> l = v.getListValue().getValuesList();
      for (int i = 0, n = l.size(); i < n; i++) {
        Value e = l.get(i);
        if (!(e.getKindCase() == Value.KindCase.NUMBER_VALUE
            ? add(e.getNumberValue())
            : addLeaves(e))) {
          return false;
        }
      }
      return true;
    }

    private boolean add(double d) {
      if (count == expected) {
        return false;
      }
      if (floats != null) {
        float f = (float) d;
        if (Float.isInfinite(f) && !Double.isInfinite(d)) {
          return false; // out of FP32's range: the general path says so
        }
        floats[count++] = f;
      } else {
        doubles[count++] = d;
      }
      return true;
    }
  }

  /** Reads predictions of any type through their OIP JSON form (what OipJson checks and maps). */
  private static Tensor anyType(PredictResponse r, TensorSpec out) {
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
    return OipJson.readTensor(t);
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
      case NUMBER_VALUE -> {
        // protobuf numbers are doubles: a whole one is written as an integer, so that integer
        // outputs (a classifier's INT64 labels) read as their type instead of as "non-integer 7.0"
        double d = v.getNumberValue();
        if (d == Math.rint(d) && Math.abs(d) < 0x1p63) {
          out.add((long) d);
        } else {
          out.add(d);
        }
      }
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
