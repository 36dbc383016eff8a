package io.serve4j.protocol;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.serve4j.DataType;
import io.serve4j.ErrorCategory;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.ServingException;
import io.serve4j.Shape;
import io.serve4j.Tensor;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The Open Inference Protocol v2 (KServe / Triton) JSON codec for requests and responses.
 *
 * <pre>{@code
 * byte[] body = OipJson.writeRequest(request);        // POST /v2/models/{name}/infer
 * InferenceResponse r = OipJson.readResponse(bytes);
 * }</pre>
 *
 * <p>Tensor data is written flattened, row-major. Reading accepts flat or nested arrays and checks
 * the element count against the shape. BYTES elements are JSON strings (UTF-8); elements that are
 * not valid UTF-8 are written base64-encoded with the tensor parameter {@value #BYTES_ENCODING} set
 * to {@code "base64"}, which this codec reads back. FP16 travels as JSON numbers.
 */
public final class OipJson {
  /** Tensor parameter that marks base64-encoded BYTES elements. */
  public static final String BYTES_ENCODING = "serve4j_bytes_encoding";

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private OipJson() {}

  // ---------------------------------------------------------------- requests

  /**
   * Writes a request as OIP JSON.
   *
   * @param request a tensor request
   * @return UTF-8 JSON
   * @throws io.serve4j.InvalidInputException if the request is a raw payload
   */
  public static byte[] writeRequest(InferenceRequest request) {
    if (request.payload().isPresent()) {
      throw ServingException.builder(ErrorCategory.INVALID_INPUT)
          .message("a raw payload request has no Open Inference Protocol form")
          .build();
    }
    ObjectNode root = NODES.objectNode();
    request.id().ifPresent(id -> root.put("id", id));
    if (!request.parameters().isEmpty()) {
      root.set("parameters", parameters(request.parameters()));
    }
    ArrayNode inputs = root.putArray("inputs");
    for (Tensor t : request.inputs()) {
      inputs.add(tensor(t));
    }
    if (!request.outputs().isEmpty()) {
      ArrayNode outs = root.putArray("outputs");
      for (String o : request.outputs()) {
        outs.addObject().put("name", o);
      }
    }
    return bytes(root);
  }

  /**
   * Reads an OIP JSON request.
   *
   * @param json UTF-8 JSON
   * @return the request
   * @throws io.serve4j.InvalidInputException naming what is malformed
   */
  public static InferenceRequest readRequest(byte[] json) {
    JsonNode root = parse(json, ErrorCategory.INVALID_INPUT, "inference request");
    try {
      InferenceRequest.Builder b = InferenceRequest.builder();
      if (root.hasNonNull("id")) {
        b.id(root.get("id").asText());
      }
      readParameters(root.get("parameters")).forEach(b::parameter);
      JsonNode inputs = root.get("inputs");
      if (inputs == null || !inputs.isArray()) {
        throw new IllegalArgumentException("'inputs' must be an array");
      }
      for (JsonNode n : inputs) {
        b.input(readTensor(n));
      }
      JsonNode outputs = root.get("outputs");
      if (outputs != null) {
        for (JsonNode o : outputs) {
          b.output(text(o, "name"));
        }
      }
      return b.build();
    } catch (IllegalArgumentException | IllegalStateException e) {
      throw malformed(ErrorCategory.INVALID_INPUT, "inference request", e);
    }
  }

  // ---------------------------------------------------------------- responses

  /**
   * Writes a response as OIP JSON.
   *
   * @param response a tensor response
   * @return UTF-8 JSON
   */
  public static byte[] writeResponse(InferenceResponse response) {
    ObjectNode root = NODES.objectNode();
    root.put("model_name", response.modelName().orElse(""));
    response.modelVersion().ifPresent(v -> root.put("model_version", v));
    response.id().ifPresent(id -> root.put("id", id));
    if (!response.parameters().isEmpty()) {
      root.set("parameters", parameters(response.parameters()));
    }
    ArrayNode outputs = root.putArray("outputs");
    for (Tensor t : response.outputs()) {
      outputs.add(tensor(t));
    }
    return bytes(root);
  }

  /**
   * Reads an OIP JSON response from a server.
   *
   * @param json UTF-8 JSON
   * @return the response
   * @throws io.serve4j.InternalException (origin SERVICE) naming what is malformed
   */
  public static InferenceResponse readResponse(byte[] json) {
    JsonNode root = parse(json, ErrorCategory.INTERNAL, "inference response");
    try {
      if (root.hasNonNull("error")) {
        throw new IllegalArgumentException("server error: " + root.get("error").asText());
      }
      InferenceResponse.Builder b = InferenceResponse.builder();
      if (root.hasNonNull("model_name") && !root.get("model_name").asText().isEmpty()) {
        b.modelName(root.get("model_name").asText());
      }
      if (root.hasNonNull("model_version")) {
        b.modelVersion(root.get("model_version").asText());
      }
      if (root.hasNonNull("id")) {
        b.id(root.get("id").asText());
      }
      readParameters(root.get("parameters")).forEach(b::parameter);
      JsonNode outputs = root.get("outputs");
      if (outputs == null || !outputs.isArray()) {
        throw new IllegalArgumentException("'outputs' must be an array");
      }
      for (JsonNode n : outputs) {
        b.output(readTensor(n));
      }
      return b.build();
    } catch (IllegalArgumentException | IllegalStateException e) {
      throw malformed(ErrorCategory.INTERNAL, "inference response", e);
    }
  }

  /**
   * Writes the OIP error object.
   *
   * @param message the error
   * @return {@code {"error": message}} as UTF-8 JSON
   */
  public static byte[] writeError(String message) {
    return bytes(NODES.objectNode().put("error", message));
  }

  /**
   * Reads the message of an OIP error object, if the body is one.
   *
   * @param json a response body
   * @return the error message
   */
  public static Optional<String> readError(byte[] json) {
    try {
      JsonNode root = MAPPER.readTree(json);
      return root != null && root.hasNonNull("error")
          ? Optional.of(root.get("error").asText())
          : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  // ---------------------------------------------------------------- tensors

  /**
   * Writes one tensor as an OIP tensor object.
   *
   * @param t the tensor
   * @return the JSON object
   */
  public static ObjectNode tensor(Tensor t) {
    ObjectNode n = NODES.objectNode();
    n.put("name", t.name());
    ArrayNode shape = n.putArray("shape");
    for (long d : t.shape().toArray()) {
      shape.add(d);
    }
    n.put("datatype", t.dataType().protocolName());
    ArrayNode data = NODES.arrayNode();
    ByteBuffer b = t.buffer();
    int count = (int) t.elementCount();
    switch (t.dataType()) {
      case BOOL -> {
        for (int i = 0; i < count; i++) data.add(b.get(i) != 0);
      }
      case UINT8 -> {
        for (int i = 0; i < count; i++) data.add(Byte.toUnsignedInt(b.get(i)));
      }
      case INT8 -> {
        for (int i = 0; i < count; i++) data.add(b.get(i));
      }
      case UINT16 -> {
        for (int i = 0; i < count; i++) data.add(Short.toUnsignedInt(b.getShort(i * 2)));
      }
      case INT16 -> {
        for (int i = 0; i < count; i++) data.add(b.getShort(i * 2));
      }
      case UINT32 -> {
        for (int i = 0; i < count; i++) data.add(Integer.toUnsignedLong(b.getInt(i * 4)));
      }
      case INT32 -> {
        for (int i = 0; i < count; i++) data.add(b.getInt(i * 4));
      }
      case UINT64 -> {
        for (int i = 0; i < count; i++) {
          long v = b.getLong(i * 8);
          data.add(v >= 0 ? BigInteger.valueOf(v) : new BigInteger(Long.toUnsignedString(v)));
        }
      }
      case INT64 -> {
        for (int i = 0; i < count; i++) data.add(b.getLong(i * 8));
      }
      case FP16 -> {
        for (float f : t.asFloats()) data.add(f);
      }
      case FP32 -> {
        for (int i = 0; i < count; i++) data.add(b.getFloat(i * 4));
      }
      case FP64 -> {
        for (int i = 0; i < count; i++) data.add(b.getDouble(i * 8));
      }
      case BYTES -> {
        List<byte[]> values = t.asByteStrings();
        boolean allText = true;
        List<String> texts = new ArrayList<>(values.size());
        for (byte[] v : values) {
          String s = utf8OrNull(v);
          if (s == null) {
            allText = false;
            break;
          }
          texts.add(s);
        }
        if (allText) {
          texts.forEach(data::add);
        } else {
          n.putObject("parameters").put(BYTES_ENCODING, "base64");
          for (byte[] v : values) data.add(Base64.getEncoder().encodeToString(v));
        }
      }
    }
    n.set("data", data);
    return n;
  }

  /**
   * Reads one OIP tensor object.
   *
   * @param n the JSON object
   * @return the tensor
   * @throws IllegalArgumentException if it is malformed
   */
  public static Tensor readTensor(JsonNode n) {
    String name = text(n, "name");
    DataType type;
    try {
      type = DataType.fromProtocolName(text(n, "datatype"));
    } catch (ServingException e) {
      throw new IllegalArgumentException("tensor '" + name + "': " + e.getMessage());
    }
    JsonNode shapeNode = n.get("shape");
    if (shapeNode == null || !shapeNode.isArray()) {
      throw new IllegalArgumentException("tensor '" + name + "' has no 'shape' array");
    }
    long[] dims = new long[shapeNode.size()];
    for (int i = 0; i < dims.length; i++) {
      JsonNode d = shapeNode.get(i);
      if (!d.canConvertToLong() || !d.isIntegralNumber() || d.asLong() < 0) {
        throw new IllegalArgumentException("tensor '" + name + "' has a bad dimension " + d);
      }
      dims[i] = d.asLong();
    }
    Shape shape = Shape.of(dims);
    List<JsonNode> values = new ArrayList<>();
    JsonNode data = n.get("data");
    if (data == null) {
      throw new IllegalArgumentException("tensor '" + name + "' has no 'data'");
    }
    flatten(data, values);
    long count = shape.elementCount();
    if (values.size() != count) {
      throw new IllegalArgumentException(
          "tensor '"
              + name
              + "' of shape "
              + shape
              + " needs "
              + count
              + " elements but 'data' has "
              + values.size());
    }
    boolean base64 = "base64".equals(n.path("parameters").path(BYTES_ENCODING).asText(null));
    if (type == DataType.BYTES) {
      List<byte[]> out = new ArrayList<>(values.size());
      for (JsonNode v : values) {
        if (!v.isTextual()) {
          throw new IllegalArgumentException("BYTES tensor '" + name + "' holds non-string " + v);
        }
        out.add(
            base64
                ? Base64.getDecoder().decode(v.asText())
                : v.asText().getBytes(StandardCharsets.UTF_8));
      }
      return Tensor.ofByteStrings(name, dims, out);
    }
    if (type == DataType.FP16) {
      float[] halves = new float[values.size()];
      for (int i = 0; i < halves.length; i++) {
        halves[i] = (float) number(values.get(i), name);
      }
      return Tensor.ofHalfFloats(name, dims, halves);
    }
    ByteBuffer b =
        ByteBuffer.allocateDirect((int) (count * type.byteSize())).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < values.size(); i++) {
      JsonNode v = values.get(i);
      switch (type) {
        case BOOL -> {
          if (v.isBoolean()) b.put((byte) (v.booleanValue() ? 1 : 0));
          else b.put((byte) (integer(v, name, 0, 1) != 0 ? 1 : 0));
        }
        case UINT8 -> b.put((byte) integer(v, name, 0, 255));
        case INT8 -> b.put((byte) integer(v, name, Byte.MIN_VALUE, Byte.MAX_VALUE));
        case UINT16 -> b.putShort((short) integer(v, name, 0, 65535));
        case INT16 -> b.putShort((short) integer(v, name, Short.MIN_VALUE, Short.MAX_VALUE));
        case UINT32 -> b.putInt((int) integer(v, name, 0, 0xffffffffL));
        case INT32 -> b.putInt((int) integer(v, name, Integer.MIN_VALUE, Integer.MAX_VALUE));
        case INT64 -> b.putLong(integer(v, name, Long.MIN_VALUE, Long.MAX_VALUE));
        case UINT64 -> {
          if (!v.isIntegralNumber()
              || v.bigIntegerValue().signum() < 0
              || v.bigIntegerValue().bitLength() > 64) {
            throw new IllegalArgumentException("UINT64 tensor '" + name + "' holds " + v);
          }
          b.putLong(v.bigIntegerValue().longValue());
        }
        case FP32 -> b.putFloat((float) number(v, name));
        case FP64 -> b.putDouble(number(v, name));
        default -> throw new IllegalStateException(type.toString());
      }
    }
    b.flip();
    return Tensor.wrap(name, type, shape, b);
  }

  // ---------------------------------------------------------------- helpers

  private static void flatten(JsonNode data, List<JsonNode> out) {
    if (data.isArray()) {
      for (JsonNode c : data) {
        flatten(c, out);
      }
    } else {
      out.add(data);
    }
  }

  private static long integer(JsonNode v, String name, long min, long max) {
    if (!v.isIntegralNumber() || !v.canConvertToLong()) {
      throw new IllegalArgumentException("tensor '" + name + "' holds non-integer " + v);
    }
    long x = v.asLong();
    if (x < min || x > max) {
      throw new IllegalArgumentException(
          "tensor '" + name + "' value " + x + " outside " + min + ".." + max);
    }
    return x;
  }

  private static double number(JsonNode v, String name) {
    if (v.isNumber()) {
      return v.asDouble();
    }
    if (v.isTextual()) {
      switch (v.asText()) {
        case "NaN":
          return Double.NaN;
        case "Infinity":
        case "inf":
          return Double.POSITIVE_INFINITY;
        case "-Infinity":
        case "-inf":
          return Double.NEGATIVE_INFINITY;
        default:
          break;
      }
    }
    throw new IllegalArgumentException("tensor '" + name + "' holds non-number " + v);
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n == null ? null : n.get(field);
    if (v == null || !v.isTextual()) {
      throw new IllegalArgumentException("missing string field '" + field + "'");
    }
    return v.asText();
  }

  private static ObjectNode parameters(Map<String, Object> params) {
    ObjectNode p = NODES.objectNode();
    params.forEach(
        (k, v) -> {
          if (v instanceof Boolean bool) p.put(k, bool);
          else if (v instanceof Integer i) p.put(k, i);
          else if (v instanceof Long l) p.put(k, l);
          else if (v instanceof Number num) p.put(k, num.doubleValue());
          else p.put(k, String.valueOf(v));
        });
    return p;
  }

  private static Map<String, Object> readParameters(JsonNode n) {
    if (n == null || n.isNull()) {
      return Map.of();
    }
    if (!n.isObject()) {
      throw new IllegalArgumentException("'parameters' must be an object");
    }
    java.util.LinkedHashMap<String, Object> out = new java.util.LinkedHashMap<>();
    Iterator<Map.Entry<String, JsonNode>> it = n.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode v = e.getValue();
      if (v.isBoolean()) out.put(e.getKey(), v.booleanValue());
      else if (v.isIntegralNumber()) out.put(e.getKey(), v.asLong());
      else if (v.isNumber()) out.put(e.getKey(), v.asDouble());
      else if (v.isTextual()) out.put(e.getKey(), v.asText());
      else throw new IllegalArgumentException("parameter '" + e.getKey() + "' is not a scalar");
    }
    return out;
  }

  private static JsonNode parse(byte[] json, ErrorCategory category, String what) {
    try {
      JsonNode root = MAPPER.readTree(json);
      if (root == null || !root.isObject()) {
        throw new IllegalArgumentException("expected a JSON object");
      }
      return root;
    } catch (IOException | IllegalArgumentException e) {
      throw malformed(category, what, e);
    }
  }

  private static ServingException malformed(ErrorCategory category, String what, Exception e) {
    String msg =
        e instanceof JsonProcessingException jpe ? jpe.getOriginalMessage() : e.getMessage();
    ServingException.Builder b =
        ServingException.builder(category).message("malformed " + what + ": " + msg).cause(e);
    if (category != ErrorCategory.INVALID_INPUT) {
      b.fromService();
    }
    return b.build();
  }

  private static byte[] bytes(JsonNode node) {
    try {
      return MAPPER.writeValueAsBytes(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String utf8OrNull(byte[] v) {
    try {
      return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(v)).toString();
    } catch (java.nio.charset.CharacterCodingException e) {
      return null;
    }
  }
}
