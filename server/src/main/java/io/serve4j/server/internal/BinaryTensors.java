package io.serve4j.server.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.serve4j.DataType;
import io.serve4j.ErrorCategory;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.ServingException;
import io.serve4j.Shape;
import io.serve4j.Tensor;
import io.serve4j.protocol.OipJson;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The binary tensor data extension of the Open Inference Protocol (KServe / Triton): a JSON header
 * of {@code Inference-Header-Content-Length} bytes, then the raw tensor data in input order. A
 * tensor sent that way has {@code "parameters": {"binary_data_size": n}} and no {@code data}; its
 * bytes are flat, row-major and little-endian, BYTES elements each a 4-byte little-endian length
 * and the bytes. Outputs come back binary when the request has the parameter {@code
 * "binary_data_output": true}, or the output {@code "parameters": {"binary_data": true}}.
 *
 * <p>Requests without the extension take core's streaming {@link OipJson} reader; this class reads
 * the header as a tree and hands each JSON tensor to {@link OipJson#readTensor(JsonNode)}.
 */
public final class BinaryTensors {
  /** The HTTP header that gives the JSON header's length. */
  public static final String HEADER_LENGTH = "Inference-Header-Content-Length";

  private static final ObjectMapper MAPPER =
      new ObjectMapper(
          JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build());

  private BinaryTensors() {}

  /**
   * A request as read, with which outputs the client wants binary.
   *
   * @param request the request
   * @param binaryAll every output binary ({@code binary_data_output})
   * @param binaryOutputs outputs asked for binary by name
   */
  public record Parsed(InferenceRequest request, boolean binaryAll, Set<String> binaryOutputs) {
    /**
     * Whether any output goes binary.
     *
     * @return true if the response uses the extension
     */
    public boolean anyBinary() {
      return binaryAll || !binaryOutputs.isEmpty();
    }
  }

  /**
   * Whether a JSON body mentions the extension's parameters (then {@link #read} must read it:
   * core's reader refuses output parameters).
   *
   * @param body the body
   * @return true if {@code "binary_data} occurs in it
   */
  public static boolean mentionsBinary(byte[] body) {
    byte[] needle = "binary_data".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    outer:
    for (int i = 0, n = body.length - needle.length; i <= n; i++) {
      if (body[i] != 'b') {
        continue;
      }
      for (int j = 1; j < needle.length; j++) {
        if (body[i + j] != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }

  /**
   * Reads a request: a JSON header of {@code headerLength} bytes and binary data after it.
   *
   * @param body the whole body
   * @param headerLength the JSON header's length; the body's length for a JSON-only request
   * @return the request
   * @throws ServingException INVALID_INPUT naming what is malformed
   */
  public static Parsed read(byte[] body, int headerLength) {
    if (headerLength < 0 || headerLength > body.length) {
      throw invalid(
          HEADER_LENGTH + " " + headerLength + " is outside the body's " + body.length + " bytes");
    }
    JsonNode root;
    try {
      root = MAPPER.readTree(body, 0, headerLength);
    } catch (IOException e) {
      String m =
          e instanceof com.fasterxml.jackson.core.JsonProcessingException j
              ? j.getOriginalMessage()
              : e.getMessage();
      throw invalid("malformed inference request: " + m);
    }
    if (root == null || !root.isObject()) {
      throw invalid("malformed inference request: expected a JSON object");
    }
    try {
      return parse((ObjectNode) root, body, headerLength);
    } catch (IllegalArgumentException | ServingException e) {
      throw invalid("malformed inference request: " + e.getMessage());
    }
  }

  private static Parsed parse(ObjectNode root, byte[] body, int headerLength) {
    InferenceRequest.Builder b = InferenceRequest.builder();
    JsonNode id = root.get("id");
    if (id != null && !id.isNull()) {
      if (!id.isTextual()) {
        throw new IllegalArgumentException("'id' must be a string");
      }
      b.id(id.textValue());
    }
    boolean binaryAll = false;
    JsonNode params = root.get("parameters");
    if (params != null && !params.isNull()) {
      if (!params.isObject()) {
        throw new IllegalArgumentException("'parameters' must be an object");
      }
      for (Iterator<Map.Entry<String, JsonNode>> it = params.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        JsonNode v = e.getValue();
        if (e.getKey().equals("binary_data_output")) {
          binaryAll = bool(v, "binary_data_output");
        } else if (v.isBoolean()) {
          b.parameter(e.getKey(), v.booleanValue());
        } else if (v.isIntegralNumber() && v.canConvertToLong()) {
          b.parameter(e.getKey(), v.longValue());
        } else if (v.isNumber()) {
          b.parameter(e.getKey(), v.doubleValue());
        } else if (v.isTextual()) {
          b.parameter(e.getKey(), v.textValue());
        } else {
          throw new IllegalArgumentException(
              "parameter '" + e.getKey() + "' is not a string, number or boolean");
        }
      }
    }
    JsonNode inputs = root.get("inputs");
    if (inputs == null || !inputs.isArray()) {
      throw new IllegalArgumentException("'inputs' must be an array");
    }
    int offset = headerLength;
    for (JsonNode in : inputs) {
      JsonNode size = in.path("parameters").get("binary_data_size");
      if (size == null) {
        b.input(OipJson.readTensor(in));
        continue;
      }
      if (!size.isIntegralNumber() || !size.canConvertToLong() || size.longValue() < 0) {
        throw new IllegalArgumentException("'binary_data_size' must be a non-negative integer");
      }
      if (in.has("data")) {
        throw new IllegalArgumentException(
            "input '" + in.path("name").asText() + "' has both 'data' and 'binary_data_size'");
      }
      long n = size.longValue();
      if (n > body.length - offset) {
        throw new IllegalArgumentException(
            "input '"
                + in.path("name").asText()
                + "' claims "
                + n
                + " bytes of binary data; "
                + (body.length - offset)
                + " are left");
      }
      b.input(binaryTensor(in, ByteBuffer.wrap(body, offset, (int) n)));
      offset += (int) n;
    }
    if (offset != body.length) {
      throw new IllegalArgumentException(
          (body.length - offset) + " bytes of binary data after the last binary input");
    }
    Set<String> binaryOutputs = new HashSet<>();
    JsonNode outputs = root.get("outputs");
    if (outputs != null && !outputs.isNull()) {
      if (!outputs.isArray()) {
        throw new IllegalArgumentException("'outputs' must be an array of objects");
      }
      for (JsonNode o : outputs) {
        JsonNode name = o.get("name");
        if (name == null || !name.isTextual()) {
          throw new IllegalArgumentException("each of 'outputs' needs a string 'name'");
        }
        b.output(name.textValue());
        JsonNode op = o.get("parameters");
        if (op != null && !op.isNull()) {
          for (Iterator<Map.Entry<String, JsonNode>> it = op.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getKey().equals("binary_data")) {
              throw new IllegalArgumentException(
                  "output parameter '" + e.getKey() + "' is not supported");
            }
            if (bool(e.getValue(), "binary_data")) {
              binaryOutputs.add(name.textValue());
            }
          }
        }
      }
    }
    return new Parsed(b.build(), binaryAll, Set.copyOf(binaryOutputs));
  }

  private static Tensor binaryTensor(JsonNode in, ByteBuffer data) {
    JsonNode name = in.get("name");
    JsonNode type = in.get("datatype");
    JsonNode shape = in.get("shape");
    if (name == null || !name.isTextual()) {
      throw new IllegalArgumentException("a tensor needs a string 'name'");
    }
    if (type == null || !type.isTextual()) {
      throw new IllegalArgumentException("tensor '" + name.textValue() + "' needs a 'datatype'");
    }
    if (shape == null || !shape.isArray()) {
      throw new IllegalArgumentException("tensor '" + name.textValue() + "' needs a 'shape'");
    }
    long[] dims = new long[shape.size()];
    for (int i = 0; i < dims.length; i++) {
      JsonNode d = shape.get(i);
      if (!d.isIntegralNumber() || !d.canConvertToLong() || d.longValue() < 0) {
        throw new IllegalArgumentException(
            "tensor '" + name.textValue() + "' shape holds " + d + ", not a non-negative integer");
      }
      dims[i] = d.longValue();
    }
    DataType dt = DataType.fromProtocolName(type.textValue());
    return Tensor.of(name.textValue(), dt, Shape.of(dims), data);
  }

  private static boolean bool(JsonNode v, String what) {
    if (!v.isBoolean()) {
      throw new IllegalArgumentException("'" + what + "' must be true or false");
    }
    return v.booleanValue();
  }

  /**
   * A response body: the JSON header, then the binary outputs' data.
   *
   * @param body the whole body
   * @param headerLength the JSON header's length (for {@value #HEADER_LENGTH})
   */
  public record Written(byte[] body, int headerLength) {}

  /**
   * Writes a response with the outputs asked for binary as binary data.
   *
   * @param r the response
   * @param parsed what the request asked for
   * @return the body
   */
  public static Written write(InferenceResponse r, Parsed parsed) {
    ObjectNode root = MAPPER.createObjectNode();
    root.put("model_name", r.modelName().orElse(""));
    r.modelVersion().ifPresent(v -> root.put("model_version", v));
    r.id().ifPresent(v -> root.put("id", v));
    ArrayNode outs = root.putArray("outputs");
    List<Tensor> outputs = r.outputs();
    long binaryBytes = 0;
    boolean[] binary = new boolean[outputs.size()];
    for (int i = 0; i < outputs.size(); i++) {
      Tensor t = outputs.get(i);
      binary[i] = parsed.binaryAll() || parsed.binaryOutputs().contains(t.name());
      if (binary[i]) {
        ObjectNode o = outs.addObject();
        o.put("name", t.name());
        o.put("datatype", t.dataType().protocolName());
        ArrayNode s = o.putArray("shape");
        for (long d : t.shape().toArray()) {
          s.add(d);
        }
        o.putObject("parameters").put("binary_data_size", t.byteSize());
        binaryBytes += t.byteSize();
      } else {
        outs.add(OipJson.tensor(t));
      }
    }
    byte[] header;
    try {
      header = MAPPER.writeValueAsBytes(root);
    } catch (IOException e) {
      throw Errors.of(ErrorCategory.INTERNAL, "cannot write the response: " + e.getMessage());
    }
    long total = header.length + binaryBytes;
    if (total > Integer.MAX_VALUE - 8) {
      throw Errors.of(ErrorCategory.INTERNAL, "the response exceeds 2 GiB");
    }
    byte[] body = new byte[(int) total];
    System.arraycopy(header, 0, body, 0, header.length);
    int at = header.length;
    for (int i = 0; i < outputs.size(); i++) {
      if (binary[i]) {
        ByteBuffer data = outputs.get(i).buffer();
        int n = data.remaining();
        data.get(body, at, n);
        at += n;
      }
    }
    return new Written(body, header.length);
  }

  private static ServingException invalid(String message) {
    return Errors.of(ErrorCategory.INVALID_INPUT, message);
  }
}
