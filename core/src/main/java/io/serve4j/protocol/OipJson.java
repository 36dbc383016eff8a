package io.serve4j.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.TokenBuffer;
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
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
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
 * <p>Tensor data is written flattened, row-major. Reading accepts flat or nested arrays (or a
 * single scalar) and checks the element count against the shape. BYTES elements are JSON strings
 * (UTF-8); elements that are not valid UTF-8 are written base64-encoded with the tensor parameter
 * {@value #BYTES_ENCODING} set to {@code "base64"}, which this codec reads back. FP16 travels as
 * JSON numbers; NaN and infinities as the strings {@code "NaN"}, {@code "Infinity"}, {@code
 * "-Infinity"} (also read: {@code "inf"}, {@code "-inf"}). FP32 and FP16 values are written as the
 * shortest decimal that reads back to the same float (Schubfach; {@code 0.1}, not {@code
 * 0.10000000149011612}), straight into the output bytes.
 *
 * <p>Reading streams the body: tensor data goes straight from the JSON tokens into the tensor's
 * buffer, without a tree of the document, so the heap needed is about the size of the decoded
 * tensors (measured: see the core tests' {@code OipJsonMemoryTest}).
 *
 * <p><b>Strictness.</b> The readers refuse, rather than guess at, anything a server could read
 * differently from us:
 *
 * <ul>
 *   <li>content after the top-level object (trailing garbage), and any duplicate key at any depth;
 *   <li>a known field of the wrong JSON type ({@code "outputs": 65536}, {@code "id": 7}, a
 *       non-object tensor, a shape that is not an array of non-negative integers); {@code null}
 *       counts as absent for the optional fields ({@code id}, {@code parameters}, {@code outputs},
 *       {@code model_name}, {@code model_version}) and is refused elsewhere;
 *   <li>a shape whose element count or size in bytes overflows, or that disagrees with the number
 *       of data elements;
 *   <li>strings that are not well-formed Unicode (a lone surrogate, as from {@code "&#92;ud800"}):
 *       they have no UTF-8 form, so a BYTES element, name, id or parameter holding one is refused;
 *       send binary BYTES elements base64-encoded with {@value #BYTES_ENCODING};
 *   <li>integers outside the tensor type's range, non-integers in integer tensors, and finite
 *       numbers that round to infinity in the tensor's type ({@code 1e39} in FP32, {@code 70000} in
 *       FP16, {@code 1e400} in FP64); numbers that round to zero or to the nearest representable
 *       value are accepted, as any JSON reader does;
 *   <li>parameters that would not survive a round trip: values that are not a string, boolean or
 *       number, integers outside the {@code long} range and non-integers outside the {@code double}
 *       range ({@code 1e400}). Integral numbers read back as {@code Long}, others as {@code
 *       Double};
 *   <li>output requests ({@code "outputs": [{"name": ..., "parameters": {...}}]}) with parameters,
 *       which this codec cannot carry (for example Triton's {@code classification});
 *   <li>a {@value #BYTES_ENCODING} other than {@code "base64"}.
 * </ul>
 *
 * <p>Unknown fields, and tensor parameters other than {@value #BYTES_ENCODING}, are ignored.
 * Nesting deeper than 1000 levels is refused. Writing refuses what JSON cannot carry: a parameter
 * that is NaN or infinite, an integer parameter outside the {@code long} range, and strings that
 * are not well-formed Unicode.
 *
 * <p>Failures: {@link #readRequest} and {@link #writeRequest} throw {@link
 * io.serve4j.InvalidInputException}; {@link #readResponse} throws {@link
 * io.serve4j.InternalException} with origin SERVICE (the server sent something malformed); {@link
 * #writeResponse} throws {@link io.serve4j.InvalidInputException}. Nothing else escapes them.
 */
public final class OipJson {
  /** Tensor parameter that marks base64-encoded BYTES elements. */
  public static final String BYTES_ENCODING = "serve4j_bytes_encoding";

  private static final JsonFactory JSON =
      JsonFactory.builder()
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          // Parses numbers from the token buffer without a String per element; same results.
          .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
          // Writes floats and doubles with Schubfach (shortest decimal that reads back to the same
          // value) instead of Float.toString; FP32/FP16 tensor data bypasses this with FloatText
          // (the same text, without a String per element).
          .enable(com.fasterxml.jackson.core.StreamWriteFeature.USE_FAST_DOUBLE_WRITER)
          // The caller bounds the body; one BYTES element may be as large as the body.
          .streamReadConstraints(
              StreamReadConstraints.builder().maxStringLength(Integer.MAX_VALUE).build())
          .build();
  private static final ObjectMapper MAPPER = new ObjectMapper(JSON);

  /** FP16's largest finite value is 65504; from 65520 on, values round to infinity. */
  private static final double FP16_OVERFLOW = 65520;

  private static final int MAX_INITIAL_CAPACITY = 1 << 26;

  private OipJson() {}

  // ---------------------------------------------------------------- requests

  /**
   * Writes a request as OIP JSON.
   *
   * @param request a tensor request
   * @return UTF-8 JSON
   * @throws io.serve4j.InvalidInputException if the request is a raw payload, or holds what JSON
   *     cannot carry (a NaN or infinite parameter, a string that is not well-formed Unicode)
   */
  public static byte[] writeRequest(InferenceRequest request) {
    if (request.payload().isPresent()) {
      throw invalid("a raw payload request has no Open Inference Protocol form");
    }
    List<Tensor> inputs = request.inputs();
    ByteArrayBuilder out = new ByteArrayBuilder();
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      if (request.id().isPresent()) {
        str(g, "id", request.id().get());
      }
      if (!request.parameters().isEmpty()) {
        g.writeFieldName("parameters");
        writeParameters(g, request.parameters());
      }
      g.writeArrayFieldStart("inputs");
      for (int i = 0; i < inputs.size(); i++) {
        writeTensor(g, inputs.get(i));
      }
      g.writeEndArray();
      List<String> outputs = request.outputs();
      if (!outputs.isEmpty()) {
        g.writeArrayFieldStart("outputs");
        for (int i = 0; i < outputs.size(); i++) {
          g.writeStartObject();
          str(g, "name", outputs.get(i));
          g.writeEndObject();
        }
        g.writeEndArray();
      }
      g.writeEndObject();
    } catch (IOException | IllegalArgumentException e) {
      throw unwritable("inference request", e);
    }
    return out.toByteArray();
  }

  /**
   * Reads an OIP JSON request.
   *
   * @param json UTF-8 JSON
   * @return the request
   * @throws io.serve4j.InvalidInputException naming what is malformed (see the class description
   *     for what is refused)
   */
  public static InferenceRequest readRequest(byte[] json) {
    if (json == null) {
      throw invalid("malformed inference request: no body (null)");
    }
    try (JsonParser p = JSON.createParser(json)) {
      return readRequest(p, json.length);
    } catch (IOException | IllegalArgumentException | IllegalStateException | ServingException e) {
      throw malformed(ErrorCategory.INVALID_INPUT, "inference request", e);
    }
  }

  private static InferenceRequest readRequest(JsonParser p, long bodyLength) throws IOException {
    startRoot(p);
    InferenceRequest.Builder b = InferenceRequest.builder();
    boolean sawInputs = false;
    while (next(p) == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken v = next(p);
      switch (field) {
        case "id" -> {
          String id = optionalString(p, v, "'id'");
          if (id != null) {
            b.id(id);
          }
        }
        case "parameters" -> {
          for (Map.Entry<String, Object> e : readParameters(p, v).entrySet()) {
            b.parameter(e.getKey(), e.getValue());
          }
        }
        case "inputs" -> {
          if (v != JsonToken.START_ARRAY) {
            throw new IllegalArgumentException("'inputs' must be an array");
          }
          while (next(p) != JsonToken.END_ARRAY) {
            b.input(readTensor(p, bodyLength));
          }
          sawInputs = true;
        }
        case "outputs" -> readOutputs(p, v, b);
        default -> p.skipChildren();
      }
    }
    if (!sawInputs) {
      throw new IllegalArgumentException("'inputs' must be an array");
    }
    endRoot(p);
    return b.build();
  }

  private static void readOutputs(JsonParser p, JsonToken v, InferenceRequest.Builder b)
      throws IOException {
    if (v == JsonToken.VALUE_NULL) {
      return;
    }
    if (v != JsonToken.START_ARRAY) {
      throw new IllegalArgumentException("'outputs' must be an array of objects");
    }
    JsonToken t;
    while ((t = next(p)) != JsonToken.END_ARRAY) {
      if (t != JsonToken.START_OBJECT) {
        throw new IllegalArgumentException("each of 'outputs' must be an object with a 'name'");
      }
      String name = null;
      while (next(p) == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken f = next(p);
        if (field.equals("name")) {
          name = string(p, f, "output 'name'");
        } else if (field.equals("parameters")) {
          if (!readParameters(p, f).isEmpty()) {
            throw new IllegalArgumentException(
                "output parameters are not supported (they would be dropped)");
          }
        } else {
          p.skipChildren();
        }
      }
      if (name == null) {
        throw new IllegalArgumentException("missing string field 'name' in 'outputs'");
      }
      b.output(name);
    }
  }

  // ---------------------------------------------------------------- responses

  /**
   * Writes a response as OIP JSON.
   *
   * @param response a tensor response
   * @return UTF-8 JSON
   * @throws io.serve4j.InvalidInputException if the response holds what JSON cannot carry
   */
  public static byte[] writeResponse(InferenceResponse response) {
    ByteArrayBuilder out = new ByteArrayBuilder();
    writeResponse(response, out);
    return out.toByteArray();
  }

  /**
   * Writes a response as OIP JSON to a stream (a server writes it straight into its network
   * buffer). The stream is neither flushed nor closed.
   *
   * @param response a tensor response
   * @param out where to write the UTF-8 JSON
   * @throws io.serve4j.InvalidInputException if the response holds what JSON cannot carry, or the
   *     stream fails (then part of the JSON may have been written)
   */
  public static void writeResponse(InferenceResponse response, java.io.OutputStream out) {
    List<Tensor> outputs = response.outputs();
    try (JsonGenerator g =
        JSON.createGenerator(out).disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET)) {
      g.writeStartObject();
      str(g, "model_name", response.modelName().orElse(""));
      if (response.modelVersion().isPresent()) {
        str(g, "model_version", response.modelVersion().get());
      }
      if (response.id().isPresent()) {
        str(g, "id", response.id().get());
      }
      if (!response.parameters().isEmpty()) {
        g.writeFieldName("parameters");
        writeParameters(g, response.parameters());
      }
      g.writeArrayFieldStart("outputs");
      for (int i = 0; i < outputs.size(); i++) {
        writeTensor(g, outputs.get(i));
      }
      g.writeEndArray();
      g.writeEndObject();
    } catch (IOException | IllegalArgumentException e) {
      throw unwritable("inference response", e);
    }
  }

  /**
   * Reads an OIP JSON response from a server.
   *
   * @param json UTF-8 JSON
   * @return the response
   * @throws io.serve4j.InternalException (origin SERVICE) naming what is malformed, or carrying the
   *     server's {@code error}
   */
  public static InferenceResponse readResponse(byte[] json) {
    if (json == null) {
      throw malformed(
          ErrorCategory.INTERNAL,
          "inference response",
          new IllegalArgumentException("no body (null)"));
    }
    try (JsonParser p = JSON.createParser(json)) {
      return readResponse(p, json.length);
    } catch (IOException | IllegalArgumentException | IllegalStateException | ServingException e) {
      throw malformed(ErrorCategory.INTERNAL, "inference response", e);
    }
  }

  private static InferenceResponse readResponse(JsonParser p, long bodyLength) throws IOException {
    startRoot(p);
    InferenceResponse.Builder b = InferenceResponse.builder();
    boolean sawOutputs = false;
    String error = null;
    while (next(p) == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken v = next(p);
      switch (field) {
        case "model_name" -> {
          String name = optionalString(p, v, "'model_name'");
          if (name != null && !name.isEmpty()) {
            b.modelName(name);
          }
        }
        case "model_version" -> b.modelVersion(optionalString(p, v, "'model_version'"));
        case "id" -> b.id(optionalString(p, v, "'id'"));
        case "parameters" -> {
          for (Map.Entry<String, Object> e : readParameters(p, v).entrySet()) {
            b.parameter(e.getKey(), e.getValue());
          }
        }
        case "outputs" -> {
          if (v != JsonToken.START_ARRAY) {
            throw new IllegalArgumentException("'outputs' must be an array");
          }
          while (next(p) != JsonToken.END_ARRAY) {
            b.output(readTensor(p, bodyLength));
          }
          sawOutputs = true;
        }
        case "error" -> {
          if (v == JsonToken.VALUE_STRING) {
            error = p.getText();
          } else if (v != JsonToken.VALUE_NULL) {
            p.skipChildren();
            error = "(an error that is not a string)";
          }
        }
        default -> p.skipChildren();
      }
    }
    endRoot(p);
    if (error != null) {
      throw new IllegalArgumentException("server error: " + error);
    }
    if (!sawOutputs) {
      throw new IllegalArgumentException("'outputs' must be an array");
    }
    return b.build();
  }

  /**
   * Writes the OIP error object.
   *
   * @param message the error
   * @return {@code {"error": message}} as UTF-8 JSON
   */
  public static byte[] writeError(String message) {
    ByteArrayBuilder out = new ByteArrayBuilder();
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("error", message);
      g.writeEndObject();
    } catch (IOException | IllegalArgumentException e) {
      throw unwritable("error object", e);
    }
    return out.toByteArray();
  }

  /**
   * Reads the message of an OIP error object, if the body is one.
   *
   * @param json a response body
   * @return the error message
   */
  public static Optional<String> readError(byte[] json) {
    if (json == null) {
      return Optional.empty();
    }
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
   * Writes one tensor as an OIP tensor object (a tree; the request and response writers stream).
   *
   * @param t the tensor
   * @return the JSON object
   */
  public static ObjectNode tensor(Tensor t) {
    try (TokenBuffer tb = new TokenBuffer(MAPPER, false)) {
      writeTensor(tb, t);
      return (ObjectNode) MAPPER.readTree(tb.asParser());
    } catch (IOException e) {
      throw unwritable("tensor '" + t.name() + "'", e);
    }
  }

  /**
   * Reads one OIP tensor object.
   *
   * @param n the JSON object
   * @return the tensor
   * @throws IllegalArgumentException if it is malformed (see the class description)
   */
  public static Tensor readTensor(JsonNode n) {
    if (n == null) {
      throw new IllegalArgumentException("a tensor must be a JSON object, not null");
    }
    try (JsonParser p = MAPPER.treeAsTokens(n)) {
      next(p);
      return readTensor(p, -1);
    } catch (IOException | ServingException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  private static void writeTensor(JsonGenerator g, Tensor t) throws IOException {
    g.writeStartObject();
    str(g, "name", t.name());
    g.writeArrayFieldStart("shape");
    Shape shape = t.shape();
    for (int i = 0; i < shape.rank(); i++) {
      g.writeNumber(shape.dim(i));
    }
    g.writeEndArray();
    g.writeStringField("datatype", t.dataType().protocolName());
    ByteBuffer b = t.buffer();
    int count = (int) t.elementCount();
    if (t.dataType() == DataType.BYTES) {
      List<byte[]> values = t.asByteStrings();
      List<String> texts = new ArrayList<>(values.size());
      for (int i = 0; i < values.size(); i++) {
        String s = utf8OrNull(values.get(i));
        if (s == null) {
          texts = null;
          break;
        }
        texts.add(s);
      }
      if (texts == null) {
        g.writeObjectFieldStart("parameters");
        g.writeStringField(BYTES_ENCODING, "base64");
        g.writeEndObject();
      }
      g.writeArrayFieldStart("data");
      for (int i = 0; i < values.size(); i++) {
        g.writeString(
            texts != null ? texts.get(i) : Base64.getEncoder().encodeToString(values.get(i)));
      }
      g.writeEndArray();
      g.writeEndObject();
      return;
    }
    if ((t.dataType() == DataType.FP32 || t.dataType() == DataType.FP16)
        && !(g instanceof TokenBuffer)) {
      // Straight to bytes, without a String per element: same text as writeNumber(float).
      g.writeFieldName("data");
      new FloatText.ArrayWriter(count)
          .write(g, b, t.dataType() == DataType.FP16 ? t.asFloats() : null, count);
      g.writeEndObject();
      return;
    }
    g.writeArrayFieldStart("data");
    switch (t.dataType()) {
      case BOOL -> {
        for (int i = 0; i < count; i++) g.writeBoolean(b.get(i) != 0);
      }
      case UINT8 -> {
        for (int i = 0; i < count; i++) g.writeNumber(Byte.toUnsignedInt(b.get(i)));
      }
      case INT8 -> {
        for (int i = 0; i < count; i++) g.writeNumber(b.get(i));
      }
      case UINT16 -> {
        for (int i = 0; i < count; i++) g.writeNumber(Short.toUnsignedInt(b.getShort(i * 2)));
      }
      case INT16 -> {
        for (int i = 0; i < count; i++) g.writeNumber(b.getShort(i * 2));
      }
      case UINT32 -> {
        for (int i = 0; i < count; i++) g.writeNumber(Integer.toUnsignedLong(b.getInt(i * 4)));
      }
      case INT32 -> {
        for (int i = 0; i < count; i++) g.writeNumber(b.getInt(i * 4));
      }
      case UINT64 -> {
        for (int i = 0; i < count; i++) {
          long v = b.getLong(i * 8);
          if (v >= 0) {
            g.writeNumber(v);
          } else {
            g.writeNumber(Long.toUnsignedString(v));
          }
        }
      }
      case INT64 -> {
        for (int i = 0; i < count; i++) g.writeNumber(b.getLong(i * 8));
      }
      case FP16 -> {
        for (float f : t.asFloats()) g.writeNumber(f);
      }
      case FP32 -> {
        for (int i = 0; i < count; i++) g.writeNumber(b.getFloat(i * 4));
      }
      case FP64 -> {
        for (int i = 0; i < count; i++) g.writeNumber(b.getDouble(i * 8));
      }
      default -> throw new IllegalStateException(t.dataType().toString());
    }
    g.writeEndArray();
    g.writeEndObject();
  }

  /**
   * Reads the tensor object whose START_OBJECT is the current token.
   *
   * @param bodyLength the length of the body in bytes, or -1 when reading a tree
   */
  private static Tensor readTensor(JsonParser p, long bodyLength) throws IOException {
    if (p.currentToken() != JsonToken.START_OBJECT) {
      throw new IllegalArgumentException("a tensor must be a JSON object, not " + describe(p));
    }
    String name = null;
    DataType type = null;
    Shape shape = null;
    String encoding = null;
    Data data = null;
    TokenBuffer early = null; // 'data' seen before 'datatype': replayed at the end
    while (next(p) == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken v = next(p);
      switch (field) {
        case "name" -> name = string(p, v, "tensor 'name'");
        case "datatype" -> {
          String typeName = string(p, v, "tensor 'datatype'");
          try {
            type = DataType.fromProtocolName(typeName);
          } catch (ServingException e) {
            throw new IllegalArgumentException("tensor '" + name + "': " + e.getMessage());
          }
        }
        case "shape" -> shape = readShape(p, v, name);
        case "parameters" -> encoding = readTensorParameters(p, v, name);
        case "data" -> {
          if (type != null) {
            data = readData(p, type, shape, name, bodyLength);
          } else {
            early = TokenBuffer.asCopyOfValue(p);
          }
        }
        default -> p.skipChildren();
      }
    }
    if (name == null) {
      throw new IllegalArgumentException("missing string field 'name' in a tensor");
    }
    if (type == null) {
      throw new IllegalArgumentException(
          "missing string field 'datatype' in tensor '" + name + "'");
    }
    if (shape == null) {
      throw new IllegalArgumentException("tensor '" + name + "' has no 'shape' array");
    }
    if (early != null) {
      try (JsonParser q = early.asParser()) {
        next(q);
        data = readData(q, type, shape, name, -1);
      }
    }
    if (data == null) {
      throw new IllegalArgumentException("tensor '" + name + "' has no 'data'");
    }
    long count = shape.elementCount();
    if (data.count != count) {
      throw new IllegalArgumentException(
          "tensor '"
              + name
              + "' of shape "
              + shape
              + " needs "
              + count
              + " elements but 'data' has "
              + data.count);
    }
    return data.toTensor(name, type, shape, encoding);
  }

  private static Shape readShape(JsonParser p, JsonToken v, String name) throws IOException {
    if (v != JsonToken.START_ARRAY) {
      throw new IllegalArgumentException("tensor '" + name + "' has no 'shape' array");
    }
    long[] dims = new long[4];
    int rank = 0;
    JsonToken t;
    while ((t = next(p)) != JsonToken.END_ARRAY) {
      if (t != JsonToken.VALUE_NUMBER_INT
          || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER
          || p.getLongValue() < 0) {
        throw new IllegalArgumentException(
            "tensor '" + name + "' has a bad dimension " + describe(p));
      }
      if (rank == dims.length) {
        dims = java.util.Arrays.copyOf(dims, rank * 2);
      }
      dims[rank++] = p.getLongValue();
    }
    try {
      return Shape.of(java.util.Arrays.copyOf(dims, rank));
    } catch (ServingException e) {
      throw new IllegalArgumentException("tensor '" + name + "': " + e.getMessage());
    }
  }

  private static String readTensorParameters(JsonParser p, JsonToken v, String name)
      throws IOException {
    if (v == JsonToken.VALUE_NULL) {
      return null;
    }
    if (v != JsonToken.START_OBJECT) {
      throw new IllegalArgumentException("tensor '" + name + "' 'parameters' must be an object");
    }
    String encoding = null;
    while (next(p) == JsonToken.FIELD_NAME) {
      String key = p.currentName();
      JsonToken t = next(p);
      if (key.equals(BYTES_ENCODING)) {
        encoding = string(p, t, "tensor parameter " + BYTES_ENCODING);
        if (!encoding.equals("base64")) {
          throw new IllegalArgumentException(
              "tensor '" + name + "' has " + BYTES_ENCODING + " '" + encoding + "'; only base64");
        }
      } else {
        p.skipChildren();
      }
    }
    return encoding;
  }

  /** Reads 'data' (the current token is its value) into a buffer of the type, flattening. */
  private static Data readData(
      JsonParser p, DataType type, Shape shape, String name, long bodyLength) throws IOException {
    long expected = shape != null ? shape.elementCount() : -1;
    // What is left of the body bounds how many elements it can hold (one character and a comma
    // each): never allocate for a larger claimed shape. Without a body, start small and grow.
    long room =
        bodyLength >= 0
            ? Math.max(0, bodyLength - p.currentLocation().getByteOffset()) / 2 + 1
            : 1024;
    long limit = expected >= 0 ? Math.min(expected, room) : room;
    Data d = new Data(type, limit);
    JsonToken t = p.currentToken();
    if (t != JsonToken.START_ARRAY) {
      d.add(p, t, name, expected);
      return d;
    }
    int depth = 1;
    while (depth > 0) {
      t = next(p);
      if (t == JsonToken.START_ARRAY) {
        depth++;
      } else if (t == JsonToken.END_ARRAY) {
        depth--;
      } else {
        d.add(p, t, name, expected);
      }
    }
    return d;
  }

  /** Elements of one tensor as they are read: fixed-width in a buffer, BYTES as strings. */
  private static final class Data {
    private final DataType type;
    private final int width; // bytes per element in buf; FP16 is held as FP32 until the end
    private ByteBuffer buf;
    private List<String> strings;
    long count;

    Data(DataType type, long initialElements) {
      this.type = type;
      if (type == DataType.BYTES) {
        this.width = 0;
        this.strings = new ArrayList<>((int) Math.min(initialElements, 1024));
      } else {
        this.width = type == DataType.FP16 ? 4 : type.byteSize();
        long bytes =
            Math.min(Math.min(initialElements, MAX_INITIAL_CAPACITY) * width, MAX_INITIAL_CAPACITY);
        this.buf = ByteBuffer.allocateDirect((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
      }
    }

    void add(JsonParser p, JsonToken t, String name, long expected) throws IOException {
      if (count == expected) {
        throw new IllegalArgumentException(
            "tensor '" + name + "' needs " + expected + " elements but 'data' has more");
      }
      count++;
      if (type == DataType.BYTES) {
        if (t != JsonToken.VALUE_STRING) {
          throw new IllegalArgumentException(
              "BYTES tensor '" + name + "' holds non-string " + describe(p));
        }
        strings.add(p.getText());
        return;
      }
      if (buf.remaining() < width) {
        grow(name);
      }
      switch (type) {
        case BOOL -> {
          if (t == JsonToken.VALUE_TRUE || t == JsonToken.VALUE_FALSE) {
            buf.put((byte) (t == JsonToken.VALUE_TRUE ? 1 : 0));
          } else {
            buf.put((byte) integer(p, t, name, 0, 1));
          }
        }
        case UINT8 -> buf.put((byte) integer(p, t, name, 0, 255));
        case INT8 -> buf.put((byte) integer(p, t, name, Byte.MIN_VALUE, Byte.MAX_VALUE));
        case UINT16 -> buf.putShort((short) integer(p, t, name, 0, 65535));
        case INT16 -> buf.putShort((short) integer(p, t, name, Short.MIN_VALUE, Short.MAX_VALUE));
        case UINT32 -> buf.putInt((int) integer(p, t, name, 0, 0xffffffffL));
        case INT32 -> buf.putInt((int) integer(p, t, name, Integer.MIN_VALUE, Integer.MAX_VALUE));
        case INT64 -> buf.putLong(integer(p, t, name, Long.MIN_VALUE, Long.MAX_VALUE));
        case UINT64 -> buf.putLong(unsigned64(p, t, name));
        case FP16 -> {
          double v = number(p, t, name, type);
          if (!Double.isInfinite(v) && Math.abs(v) >= FP16_OVERFLOW) {
            throw outOfRange(p, name, type);
          }
          buf.putFloat((float) v);
        }
        case FP32 -> {
          double v = number(p, t, name, type);
          float f = (float) v;
          if (Float.isInfinite(f) && !Double.isInfinite(v)) {
            throw outOfRange(p, name, type);
          }
          buf.putFloat(f);
        }
        case FP64 -> buf.putDouble(number(p, t, name, type));
        default -> throw new IllegalStateException(type.toString());
      }
    }

    private void grow(String name) {
      long doubled = Math.max(64L, (long) buf.capacity() * 2);
      if (doubled > Integer.MAX_VALUE - 8) {
        doubled = Integer.MAX_VALUE - 8;
        if (doubled - buf.capacity() < width) {
          throw new IllegalArgumentException(
              "tensor '" + name + "' exceeds the 2 GiB limit of one buffer");
        }
      }
      ByteBuffer bigger = ByteBuffer.allocateDirect((int) doubled).order(ByteOrder.LITTLE_ENDIAN);
      buf.flip();
      bigger.put(buf);
      buf = bigger;
    }

    Tensor toTensor(String name, DataType type, Shape shape, String encoding) {
      long[] dims = shape.toArray();
      if (type == DataType.BYTES) {
        if (encoding == null) {
          return Tensor.ofStrings(name, dims, strings);
        }
        List<byte[]> raw = new ArrayList<>(strings.size());
        for (int i = 0; i < strings.size(); i++) {
          try {
            raw.add(Base64.getDecoder().decode(strings.get(i)));
          } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                "BYTES tensor '" + name + "' element " + i + " is not base64: " + e.getMessage());
          }
        }
        return Tensor.ofByteStrings(name, dims, raw);
      }
      buf.flip();
      if (type == DataType.FP16) {
        float[] f = new float[(int) count];
        buf.asFloatBuffer().get(f);
        return Tensor.ofHalfFloats(name, dims, f);
      }
      // Exact when the shape came before the data (as every writer puts it); else trim the slack.
      return buf.limit() == buf.capacity()
          ? Tensor.wrap(name, type, shape, buf)
          : Tensor.of(name, type, shape, buf);
    }
  }

  // ---------------------------------------------------------------- helpers

  private static long integer(JsonParser p, JsonToken t, String name, long min, long max)
      throws IOException {
    if (t != JsonToken.VALUE_NUMBER_INT) {
      throw new IllegalArgumentException("tensor '" + name + "' holds non-integer " + describe(p));
    }
    if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
      throw new IllegalArgumentException(
          "tensor '" + name + "' value " + p.getText() + " outside " + min + ".." + max);
    }
    long x = p.getLongValue();
    if (x < min || x > max) {
      throw new IllegalArgumentException(
          "tensor '" + name + "' value " + x + " outside " + min + ".." + max);
    }
    return x;
  }

  private static long unsigned64(JsonParser p, JsonToken t, String name) throws IOException {
    if (t == JsonToken.VALUE_NUMBER_INT) {
      if (p.getNumberType() != JsonParser.NumberType.BIG_INTEGER) {
        long x = p.getLongValue();
        if (x >= 0) {
          return x;
        }
      } else {
        BigInteger v = p.getBigIntegerValue();
        if (v.signum() >= 0 && v.bitLength() <= 64) {
          return v.longValue();
        }
      }
    }
    throw new IllegalArgumentException("UINT64 tensor '" + name + "' holds " + describe(p));
  }

  private static double number(JsonParser p, JsonToken t, String name, DataType type)
      throws IOException {
    if (t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT) {
      double v = p.getDoubleValue();
      if (Double.isInfinite(v)) {
        throw outOfRange(p, name, type);
      }
      return v;
    }
    if (t == JsonToken.VALUE_STRING) {
      switch (p.getText()) {
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
    throw new IllegalArgumentException("tensor '" + name + "' holds non-number " + describe(p));
  }

  private static IllegalArgumentException outOfRange(JsonParser p, String name, DataType type)
      throws IOException {
    return new IllegalArgumentException(
        "tensor '"
            + name
            + "' value "
            + p.getText()
            + " is outside the "
            + type
            + " range (it would become infinite)");
  }

  private static void writeParameters(JsonGenerator g, Map<String, Object> params)
      throws IOException {
    g.writeStartObject();
    for (Map.Entry<String, Object> e : params.entrySet()) {
      String k = e.getKey();
      Object v = e.getValue();
      g.writeFieldName(wellFormed(k, "parameter name '" + k + "'"));
      if (v instanceof Boolean bool) {
        g.writeBoolean(bool);
      } else if (v instanceof Long
          || v instanceof Integer
          || v instanceof Short
          || v instanceof Byte) {
        g.writeNumber(((Number) v).longValue());
      } else if (v instanceof BigInteger big) {
        if (big.bitLength() >= 64) {
          throw invalid(
              "parameter '" + k + "' = " + big + " is outside the long range; send it as a string");
        }
        g.writeNumber(big.longValue());
      } else if (v instanceof Number num) {
        double d = num.doubleValue();
        if (Double.isNaN(d) || Double.isInfinite(d)) {
          throw invalid(
              "parameter '" + k + "' = " + d + " has no JSON number form; send it as a string");
        }
        g.writeNumber(d);
      } else {
        g.writeString(wellFormed(String.valueOf(v), "parameter '" + k + "'"));
      }
    }
    g.writeEndObject();
  }

  private static Map<String, Object> readParameters(JsonParser p, JsonToken v) throws IOException {
    if (v == JsonToken.VALUE_NULL) {
      return Map.of();
    }
    if (v != JsonToken.START_OBJECT) {
      throw new IllegalArgumentException("'parameters' must be an object");
    }
    Map<String, Object> out = new LinkedHashMap<>();
    while (next(p) == JsonToken.FIELD_NAME) {
      String key = wellFormed(p.currentName(), "a parameter name");
      JsonToken t = next(p);
      switch (t) {
        case VALUE_TRUE -> out.put(key, Boolean.TRUE);
        case VALUE_FALSE -> out.put(key, Boolean.FALSE);
        case VALUE_NUMBER_INT -> {
          if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
            throw new IllegalArgumentException(
                "parameter '" + key + "' = " + p.getText() + " is outside the long range");
          }
          out.put(key, p.getLongValue());
        }
        case VALUE_NUMBER_FLOAT -> {
          double d = p.getDoubleValue();
          if (Double.isInfinite(d)) {
            throw new IllegalArgumentException(
                "parameter '" + key + "' = " + p.getText() + " is outside the double range");
          }
          out.put(key, d);
        }
        case VALUE_STRING -> out.put(key, wellFormed(p.getText(), "parameter '" + key + "'"));
        default ->
            throw new IllegalArgumentException(
                "parameter '" + key + "' is not a string, number or boolean");
      }
    }
    return out;
  }

  private static void startRoot(JsonParser p) throws IOException {
    if (p.nextToken() != JsonToken.START_OBJECT) {
      throw new IllegalArgumentException("expected a JSON object");
    }
  }

  private static void endRoot(JsonParser p) throws IOException {
    if (p.nextToken() != null) {
      throw new IllegalArgumentException("trailing content after the JSON object");
    }
  }

  /** The next token; the end of input inside a value is an error. */
  private static JsonToken next(JsonParser p) throws IOException {
    JsonToken t = p.nextToken();
    if (t == null) {
      throw new IllegalArgumentException("unexpected end of the JSON document");
    }
    return t;
  }

  private static String string(JsonParser p, JsonToken t, String what) throws IOException {
    if (t != JsonToken.VALUE_STRING) {
      throw new IllegalArgumentException(what + " must be a string, not " + describe(p));
    }
    return wellFormed(p.getText(), what);
  }

  private static void str(JsonGenerator g, String field, String value) throws IOException {
    g.writeStringField(field, wellFormed(value, "'" + field + "'"));
  }

  private static String optionalString(JsonParser p, JsonToken t, String what) throws IOException {
    return t == JsonToken.VALUE_NULL ? null : string(p, t, what);
  }

  /** Refuses lone surrogates: such a string has no UTF-8 form and would be altered on the wire. */
  private static String wellFormed(String s, String what) {
    for (int i = 0, n = s.length(); i < n; i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        throw new IllegalArgumentException(
            what + " is not well-formed Unicode (a lone surrogate at " + i + ")");
      }
    }
    return s;
  }

  private static String describe(JsonParser p) throws IOException {
    JsonToken t = p.currentToken();
    if (t == null) {
      return "nothing";
    }
    if (t.isScalarValue()) {
      String text = p.getText();
      return text.length() > 40 ? text.substring(0, 40) + "..." : text;
    }
    return t.asString() != null ? t.asString() : t.name();
  }

  private static ServingException invalid(String message) {
    return ServingException.builder(ErrorCategory.INVALID_INPUT).message(message).build();
  }

  private static ServingException unwritable(String what, Exception e) {
    String msg =
        e instanceof JsonProcessingException jpe ? jpe.getOriginalMessage() : e.getMessage();
    return ServingException.builder(ErrorCategory.INVALID_INPUT)
        .message("cannot write the " + what + " as JSON: " + msg)
        .cause(e)
        .build();
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

  private static String utf8OrNull(byte[] v) {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(v))
          .toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }
}
