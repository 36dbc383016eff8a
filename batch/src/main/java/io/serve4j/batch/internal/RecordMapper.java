package io.serve4j.batch.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.serve4j.DataType;
import io.serve4j.ModelSignature;
import io.serve4j.Shape;
import io.serve4j.Tensor;
import io.serve4j.TensorSpec;
import io.serve4j.batch.FieldMapping;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns records into input tensors according to field mappings that were checked against the
 * model's signature. Immutable and thread-safe once built.
 */
public final class RecordMapper {
  private static final ObjectMapper JSON =
      JsonMapper.builder().enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER).build();

  /** One resolved mapping: the fields, the type and the concrete per-record shape. */
  private record Resolved(String input, List<String> fields, DataType type, Shape shape) {}

  private final List<Resolved> inputs;
  // mapJson: whether it applies, the fields it reads by name, and each input's fields in order
  private final boolean streamable;
  private final Map<String, Integer> fieldIndex = new HashMap<>();
  private final int[] fieldSizeHint;
  private final int[][] inputFields;
  // per field: the input it alone feeds (parsed straight into its buffer), or -1
  private final int[] directInput;

  private RecordMapper(List<Resolved> inputs) {
    this.inputs = inputs;
    this.streamable =
        inputs.stream().allMatch(r -> r.type == DataType.FP32 || r.type == DataType.FP64);
    this.inputFields = new int[inputs.size()][];
    List<Integer> hints = new ArrayList<>();
    for (int i = 0; i < inputs.size(); i++) {
      Resolved r = inputs.get(i);
      inputFields[i] = new int[r.fields.size()];
      for (int j = 0; j < r.fields.size(); j++) {
        String f = r.fields.get(j);
        Integer k = fieldIndex.get(f);
        if (k == null) {
          k = fieldIndex.size();
          fieldIndex.put(f, k);
          hints.add((int) Math.min(r.shape.elementCount(), 1 << 16));
        }
        inputFields[i][j] = k;
      }
    }
    this.fieldSizeHint = hints.stream().mapToInt(Integer::intValue).toArray();
    // A field that alone feeds one input, and no other, is parsed straight into that input's buffer
    this.directInput = new int[fieldIndex.size()];
    Arrays.fill(directInput, -1);
    int[] uses = new int[fieldIndex.size()];
    for (int[] fields : inputFields) {
      for (int f : fields) {
        uses[f]++;
      }
    }
    for (int i = 0; i < inputFields.length; i++) {
      if (inputFields[i].length == 1
          && uses[inputFields[i][0]] == 1
          && inputs.get(i).shape.elementCount() <= 1 << 20) {
        directInput[inputFields[i][0]] = i;
      }
    }
  }

  /**
   * Checks the mappings against a signature and resolves missing types and shapes from it.
   *
   * @param mappings the declared mappings
   * @param signature the endpoint's signature, or null if it reports none (then every mapping must
   *     declare its type and shape)
   * @param endpoint the endpoint name, for messages
   * @return the mapper
   * @throws io.serve4j.InvalidInputException if a mapping contradicts the signature, is incomplete,
   *     or an input of the model has no mapping
   */
  public static RecordMapper compile(
      List<FieldMapping> mappings, ModelSignature signature, String endpoint) {
    if (mappings.isEmpty()) {
      throw Errors.invalid(
          "no field mapping given; map each model input to fields, e.g. x=features"
              + (signature != null ? " (the model's inputs: " + signature.inputs() + ")" : ""));
    }
    List<Resolved> out = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (FieldMapping m : mappings) {
      if (!seen.add(m.input())) {
        throw Errors.invalid("input '" + m.input() + "' is mapped twice");
      }
      if (signature == null) {
        if (m.dataType().isEmpty() || m.shape().isEmpty()) {
          throw Errors.invalid(
              "endpoint '"
                  + endpoint
                  + "' reports no signature, so the mapping of '"
                  + m.input()
                  + "' must declare its type and shape, e.g. "
                  + m.input()
                  + "="
                  + String.join(",", m.fields())
                  + ":FP32:1x4");
        }
        out.add(new Resolved(m.input(), m.fields(), m.dataType().get(), m.shape().get()));
        continue;
      }
      TensorSpec spec =
          signature
              .input(m.input())
              .orElseThrow(
                  () ->
                      Errors.invalid(
                          "endpoint '"
                              + endpoint
                              + "' has no input '"
                              + m.input()
                              + "'; its inputs are "
                              + signature.inputs()));
      if (m.dataType().isPresent() && m.dataType().get() != spec.dataType()) {
        throw Errors.invalid(
            "the mapping declares "
                + m.dataType().get()
                + " for input '"
                + m.input()
                + "' but the model takes "
                + spec.dataType()
                + "; drop the type or use "
                + spec.dataType());
      }
      Shape shape = resolveShape(m, spec);
      out.add(new Resolved(m.input(), m.fields(), spec.dataType(), shape));
    }
    if (signature != null) {
      for (TensorSpec s : signature.inputs()) {
        if (!seen.contains(s.name())) {
          throw Errors.invalid(
              "model input '"
                  + s.name()
                  + "' ("
                  + s
                  + ") has no mapping; map it to a field, e.g. "
                  + s.name()
                  + "=<field>");
        }
      }
    }
    return new RecordMapper(List.copyOf(out));
  }

  private static Shape resolveShape(FieldMapping m, TensorSpec spec) {
    Shape declared = spec.shape();
    Shape shape;
    if (m.shape().isEmpty()) {
      if (declared.rank() > 0 && declared.dim(0) == -1) {
        shape = declared.withFirstDimension(1);
      } else {
        shape = declared;
      }
      if (shape.isDynamic()) {
        throw Errors.invalid(
            "the model's input '"
                + spec.name()
                + "' has dynamic dimensions "
                + declared
                + "; declare the shape of one record, e.g. "
                + spec.name()
                + "="
                + String.join(",", m.fields())
                + ":"
                + spec.dataType()
                + ":1x<n>");
      }
    } else {
      shape = m.shape().get();
      if (shape.rank() == declared.rank() - 1 && declared.rank() > 0 && declared.dim(0) == -1) {
        long[] dims = new long[shape.rank() + 1];
        dims[0] = 1;
        System.arraycopy(shape.toArray(), 0, dims, 1, shape.rank());
        shape = Shape.of(dims);
      }
    }
    if (!declared.accepts(shape)) {
      throw Errors.invalid(
          "the mapping gives input '"
              + spec.name()
              + "' the shape "
              + m.shape().orElse(shape)
              + " per record, which contradicts the model's "
              + declared);
    }
    return shape;
  }

  /**
   * Returns the fields (JSON) or columns (CSV) the mappings read, in mapping order.
   *
   * @return the field names, without duplicates
   */
  public List<String> fields() {
    return inputs.stream().flatMap(r -> r.fields.stream()).distinct().toList();
  }

  /**
   * Returns whether every record tensor has exactly one row, so that records can be concatenated.
   *
   * @return true if micro-batching can split outputs back by row
   */
  public boolean oneRowPerRecord() {
    return inputs.stream().allMatch(r -> r.shape.rank() > 0 && r.shape.dim(0) == 1);
  }

  /**
   * Returns the mappings as resolved, for the job fingerprint and messages.
   *
   * @return a description such as {@code x=features:FP32[1, 4]}
   */
  public String describe() {
    StringBuilder sb = new StringBuilder();
    for (Resolved r : inputs) {
      sb.append(r.input)
          .append('=')
          .append(String.join(",", r.fields))
          .append(':')
          .append(r.type)
          .append(r.shape)
          .append(';');
    }
    return sb.toString();
  }

  private static final JsonFactory STREAM =
      JsonFactory.builder().enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER).build();

  /**
   * A JSON Lines record mapped without building its JSON tree.
   *
   * @param id the id field's value, or null when the job has no id field
   * @param inputs the tensors, one per mapping, as {@link #map} builds them
   */
  public record Mapped(JsonNode id, List<Tensor> inputs) {}

  /** What {@link #mapJsonInto} returns for a record taken when the job has no id field. */
  public static final JsonNode NO_ID =
      com.fasterxml.jackson.databind.node.MissingNode.getInstance();

  /**
   * Returns the rows of one batch of {@code capacity} records for these inputs, or null if an input
   * is not of a fixed width (BYTES) or a batch of it would not fit one buffer (2 GiB): records are
   * then mapped to tensors of their own and concatenated, as before (and a batch too large to
   * concatenate is sent record by record).
   *
   * @param capacity the batch size
   * @return the rows, or null
   */
  public BatchRows newRows(int capacity) {
    for (Resolved r : inputs) {
      if (!r.type.isFixedWidth()
          || r.shape.elementCount() * r.type.byteSize() * capacity > Integer.MAX_VALUE - 8) {
        return null;
      }
    }
    int n = inputs.size();
    String[] names = new String[n];
    DataType[] types = new DataType[n];
    Shape[] shapes = new Shape[n];
    for (int i = 0; i < n; i++) {
      names[i] = inputs.get(i).input;
      types[i] = inputs.get(i).type;
      shapes[i] = inputs.get(i).shape;
    }
    return new BatchRows(names, types, shapes, capacity, fieldSizeHint);
  }

  /**
   * Maps a JSON Lines record straight from its text with a streaming parser into its own tensors;
   * see {@link #mapJsonInto}, which this calls on rows of one record.
   *
   * @param text the record's line
   * @param idField the id field, or null
   * @return the id and tensors, or null
   */
  public Mapped mapJson(String text, String idField) {
    if (!streamable) {
      return null;
    }
    BatchRows one = newRows(1);
    if (one == null) {
      return null; // a record over one buffer's limit: the general path tells
    }
    JsonNode id = mapJsonInto(text, idField, one);
    return id == null ? null : new Mapped(id == NO_ID ? null : id, one.row(0));
  }

  /**
   * Maps a JSON Lines record straight from its text with a streaming parser into the next row of
   * {@code rows}, and commits the row: the common case of FP32 / FP64 inputs fed by numbers or
   * (nested) arrays of numbers, without a tree node per number or a tensor per record. Returns null
   * for anything else (another type, a missing or repeated field, a value that is not a number, the
   * wrong count, text after the object, malformed JSON, an id that is not a string or a 64-bit
   * integer), leaving the row uncommitted (what was written into it is not part of the batch, and
   * the next record overwrites it): the caller then parses the record and calls {@link #map}, which
   * gives the same values on what this accepts and the exact error on the rest.
   *
   * @param text the record's line
   * @param idField the id field, or null
   * @param rows the batch's rows, not full, made by {@link #newRows} of this mapper
   * @return the id, {@link #NO_ID} when {@code idField} is null, or null if not taken
   */
  public JsonNode mapJsonInto(String text, String idField, BatchRows rows) {
    if (!streamable) {
      return null;
    }
    boolean[] seen = rows.seen;
    double[][] byField = rows.byField;
    int[] counts = rows.counts;
    Arrays.fill(seen, false);
    JsonNode id = null;
    try (JsonParser p = STREAM.createParser(text)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      JsonToken t;
      while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken v = p.nextToken();
        Integer f = fieldIndex.get(name);
        if (f != null) {
          if (seen[f]) {
            return null; // repeated: the tree's rule decides
          }
          seen[f] = true;
          int i = directInput[f];
          if (i >= 0) {
            ByteBuffer b = rows.cursor(i);
            if (numbersInto(p, v, b, inputs.get(i).type == DataType.FP32) < 0 || b.hasRemaining()) {
              return null; // too few or too many values, or not numbers: the tree path tells
            }
            continue;
          }
          int n = numbers(p, v, f, byField, 0);
          if (n < 0) {
            return null;
          }
          counts[f] = n;
        } else if (name.equals(idField)) {
          if (id != null) {
            return null;
          }
          if (v == JsonToken.VALUE_STRING) {
            id = TextNode.valueOf(p.getText());
          } else if (v == JsonToken.VALUE_NUMBER_INT
              && p.getNumberType() == JsonParser.NumberType.INT) {
            id = IntNode.valueOf(p.getIntValue());
          } else if (v == JsonToken.VALUE_NUMBER_INT
              && p.getNumberType() == JsonParser.NumberType.LONG) {
            id = LongNode.valueOf(p.getLongValue());
          } else {
            return null;
          }
        } else {
          p.skipChildren();
        }
      }
      if (t != JsonToken.END_OBJECT || p.nextToken() != null) {
        return null;
      }
    } catch (java.io.IOException e) {
      return null; // malformed: the tree parser reports it
    }
    if (idField != null && id == null) {
      return null;
    }
    for (int i = 0; i < inputs.size(); i++) {
      Resolved r = inputs.get(i);
      int[] fields = inputFields[i];
      if (directInput[fields[0]] == i) {
        if (!seen[fields[0]]) {
          return null; // missing field
        }
        continue;
      }
      int total = 0;
      for (int f : fields) {
        if (!seen[f]) {
          return null;
        }
        total += counts[f];
      }
      if (total != r.shape.elementCount()) {
        return null;
      }
    }
    // Every input checked: the values gathered by field go into their rows, whole
    for (int i = 0; i < inputs.size(); i++) {
      int[] fields = inputFields[i];
      if (directInput[fields[0]] == i) {
        continue;
      }
      boolean fp32 = inputs.get(i).type == DataType.FP32;
      ByteBuffer b = rows.cursor(i);
      for (int f : fields) {
        double[] v = byField[f];
        for (int j = 0; j < counts[f]; j++) {
          if (fp32) {
            b.putFloat((float) v[j]);
          } else {
            b.putDouble(v[j]);
          }
        }
      }
    }
    rows.commit();
    return idField == null ? NO_ID : id;
  }

  /**
   * Reads a number or nested arrays of numbers at the current token into {@code b} (as FP32 or
   * FP64); -1 for anything else or for more numbers than {@code b} holds.
   */
  private static int numbersInto(JsonParser p, JsonToken t, ByteBuffer b, boolean fp32)
      throws java.io.IOException {
    if (t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT) {
      if (b.remaining() < (fp32 ? 4 : 8)) {
        return -1;
      }
      if (fp32) {
        b.putFloat((float) p.getDoubleValue());
      } else {
        b.putDouble(p.getDoubleValue());
      }
      return 1;
    }
    if (t != JsonToken.START_ARRAY) {
      return -1;
    }
    int n = 0;
    JsonToken c;
    while ((c = p.nextToken()) != JsonToken.END_ARRAY) {
      int k = numbersInto(p, c, b, fp32);
      if (k < 0) {
        return -1;
      }
      n += k;
    }
    return n;
  }

  /** Reads a number or nested arrays of numbers at the current token; -1 for anything else. */
  private static int numbers(JsonParser p, JsonToken t, int f, double[][] byField, int n)
      throws java.io.IOException {
    if (t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT) {
      if (n == byField[f].length) {
        byField[f] = Arrays.copyOf(byField[f], n * 2);
      }
      byField[f][n] = p.getDoubleValue();
      return n + 1;
    }
    if (t != JsonToken.START_ARRAY) {
      return -1;
    }
    JsonToken c;
    while ((c = p.nextToken()) != JsonToken.END_ARRAY) {
      n = numbers(p, c, f, byField, n);
      if (n < 0) {
        return -1;
      }
    }
    return n;
  }

  /**
   * Builds one record's input tensors.
   *
   * @param record the record
   * @return the tensors, one per mapping
   * @throws RecordException if a field is missing or a value does not fit the type or the shape
   */
  public List<Tensor> map(SourceRecord record) {
    if (record.parseError() != null) {
      throw new RecordException(record.parseError());
    }
    List<Tensor> out = new ArrayList<>(inputs.size());
    for (Resolved r : inputs) {
      long count = r.shape.elementCount();
      // sized for a record that fits, so that the list is not grown and copied value by value
      List<Object> leaves = new ArrayList<>((int) Math.min(count + 1, 1 << 16));
      for (String f : r.fields) {
        Object v = record.value(f);
        if (v == null) {
          throw new RecordException("has no field '" + f + "' (needed by input '" + r.input + "')");
        }
        flatten(v, leaves);
      }
      if (leaves.size() != count) {
        throw new RecordException(
            "gives "
                + leaves.size()
                + " values for input '"
                + r.input
                + "', which takes "
                + count
                + " per record (shape "
                + r.shape
                + ")");
      }
      out.add(tensor(r, leaves));
    }
    return out;
  }

  private static void flatten(Object v, List<Object> out) {
    if (v instanceof JsonNode n) {
      if (n.isArray()) {
        for (JsonNode c : n) {
          flatten(c, out);
        }
      } else if (n.isObject()) {
        throw new RecordException("has an object where values were expected: " + n);
      } else {
        out.add(n);
      }
      return;
    }
    String s = ((String) v).trim();
    if (s.startsWith("[")) {
      try {
        flatten(JSON.readTree(s), out);
        return;
      } catch (IOException e) {
        throw new RecordException("has a cell that starts with '[' but is not a JSON array: " + s);
      }
    }
    out.add(s);
  }

  private static Tensor tensor(Resolved r, List<Object> leaves) {
    long[] dims = r.shape.toArray();
    int n = leaves.size();
    String name = r.input;
    switch (r.type) {
      case FP32 -> {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) number(r, leaves.get(i));
        return Tensor.ofFloats(name, dims, a);
      }
      case FP16 -> {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) number(r, leaves.get(i));
        return Tensor.ofHalfFloats(name, dims, a);
      }
      case FP64 -> {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) a[i] = number(r, leaves.get(i));
        return Tensor.ofDoubles(name, dims, a);
      }
      case INT64, UINT64 -> {
        long[] a = new long[n];
        for (int i = 0; i < n; i++) a[i] = integer(r, leaves.get(i));
        return Tensor.ofLongs(name, r.type, dims, a);
      }
      case INT32, UINT32 -> {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) a[i] = (int) integer(r, leaves.get(i));
        return Tensor.ofInts(name, r.type, dims, a);
      }
      case INT16, UINT16 -> {
        short[] a = new short[n];
        for (int i = 0; i < n; i++) a[i] = (short) integer(r, leaves.get(i));
        return Tensor.ofShorts(name, r.type, dims, a);
      }
      case INT8, UINT8 -> {
        byte[] a = new byte[n];
        for (int i = 0; i < n; i++) a[i] = (byte) integer(r, leaves.get(i));
        return Tensor.ofBytes(name, r.type, dims, a);
      }
      case BOOL -> {
        boolean[] a = new boolean[n];
        for (int i = 0; i < n; i++) a[i] = bool(r, leaves.get(i));
        return Tensor.ofBooleans(name, dims, a);
      }
      case BYTES -> {
        List<String> a = new ArrayList<>(n);
        for (Object o : leaves) a.add(o instanceof JsonNode j ? j.asText() : (String) o);
        return Tensor.ofStrings(name, dims, a);
      }
      default -> throw new IllegalStateException("unhandled type " + r.type);
    }
  }

  private static double number(Resolved r, Object leaf) {
    if (leaf instanceof JsonNode j && j.isNumber()) {
      return j.doubleValue();
    }
    String s =
        leaf instanceof JsonNode j ? (j.isTextual() ? j.textValue() : j.toString()) : (String) leaf;
    try {
      return Double.parseDouble(s.trim());
    } catch (NumberFormatException e) {
      throw new RecordException(
          "has '" + s + "' for input '" + r.input + "', which takes " + r.type + " numbers");
    }
  }

  private static long integer(Resolved r, Object leaf) {
    if (leaf instanceof JsonNode j && j.isIntegralNumber()) {
      return j.longValue();
    }
    String s =
        leaf instanceof JsonNode j ? (j.isTextual() ? j.textValue() : j.toString()) : (String) leaf;
    try {
      return Long.parseLong(s.trim());
    } catch (NumberFormatException e) {
      throw new RecordException(
          "has '" + s + "' for input '" + r.input + "', which takes " + r.type + " integers");
    }
  }

  private static boolean bool(Resolved r, Object leaf) {
    if (leaf instanceof JsonNode j && j.isBoolean()) {
      return j.booleanValue();
    }
    String s = leaf instanceof JsonNode j ? j.asText() : ((String) leaf).trim();
    return switch (s.toLowerCase(java.util.Locale.ROOT)) {
      case "true", "1" -> true;
      case "false", "0" -> false;
      default ->
          throw new RecordException(
              "has '" + s + "' for input '" + r.input + "', which takes true/false");
    };
  }
}
