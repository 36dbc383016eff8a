package io.serve4j.batch;

import io.serve4j.DataType;
import io.serve4j.ErrorCategory;
import io.serve4j.ServingException;
import io.serve4j.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How one model input is built from a record: which field(s) or column(s) hold its values, and
 * optionally the element type and the shape of one record's tensor.
 *
 * <p>Values of several fields are concatenated in order; a field may hold a scalar, an array or
 * nested arrays (JSON), or a number or a JSON array (CSV cell). When the type or the shape is left
 * out it is taken from the endpoint's signature (a dynamic first dimension becomes 1). A shape one
 * rank shorter than a signature with a dynamic first dimension gets a leading 1, so {@code [4]}
 * fits {@code [-1, 4]}.
 *
 * <pre>{@code
 * FieldMapping.of("x", "features");                        // type and shape from the signature
 * FieldMapping.of("x", "f1", "f2", "f3").withType(DataType.FP32).withShape(1, 3);
 * FieldMapping.parse("x=features:FP32:1x4");               // the command line's syntax
 * }</pre>
 *
 * <p>Instances are immutable.
 */
public final class FieldMapping {
  private final String input;
  private final List<String> fields;
  private final DataType dataType;
  private final Shape shape;

  private FieldMapping(String input, List<String> fields, DataType dataType, Shape shape) {
    this.input = Objects.requireNonNull(input, "input");
    this.fields = List.copyOf(fields);
    if (input.isBlank()) {
      throw invalid("a field mapping needs a model input name");
    }
    if (this.fields.isEmpty() || this.fields.stream().anyMatch(String::isBlank)) {
      throw invalid("the mapping of input '" + input + "' needs at least one non-blank field");
    }
    this.dataType = dataType;
    this.shape = shape;
    if (shape != null && shape.isDynamic()) {
      throw invalid("the shape of one record of '" + input + "' must be concrete, was " + shape);
    }
  }

  /**
   * Maps one or more fields (JSON) or columns (CSV) to a model input.
   *
   * @param input the model input name
   * @param fields the fields whose values, in order, make up the tensor
   * @return the mapping, with type and shape from the signature
   * @throws io.serve4j.InvalidInputException if a name is blank or no field is given
   */
  public static FieldMapping of(String input, String... fields) {
    return new FieldMapping(input, Arrays.asList(fields), null, null);
  }

  /**
   * Parses the command line syntax {@code input=field[,field...][:TYPE[:DIMS]]}, DIMS being
   * dimensions separated by {@code x} ({@code 1x4}) or a bracketed list ({@code [1,4]}). A spec
   * without {@code =} maps the field of the same name.
   *
   * @param spec e.g. {@code x=features:FP32:1x4}, {@code x=a,b,c} or {@code x}
   * @return the mapping
   * @throws io.serve4j.InvalidInputException if the spec is malformed
   */
  public static FieldMapping parse(String spec) {
    String s = spec.trim();
    int eq = s.indexOf('=');
    String input = eq < 0 ? s.split(":", 2)[0] : s.substring(0, eq);
    String rest = eq < 0 ? s : s.substring(eq + 1);
    String[] parts = rest.split(":", -1);
    if (parts.length > 3) {
      throw invalid(
          "cannot read mapping '" + spec + "'; write input=field[,field...][:TYPE[:DIMS]]");
    }
    List<String> fields = new ArrayList<>();
    for (String f : parts[0].split(",")) {
      fields.add(f.trim());
    }
    DataType type =
        parts.length > 1 && !parts[1].isBlank() ? DataType.fromProtocolName(parts[1]) : null;
    Shape shape = parts.length > 2 && !parts[2].isBlank() ? parseDims(spec, parts[2]) : null;
    return new FieldMapping(input.trim(), fields, type, shape);
  }

  private static Shape parseDims(String spec, String dims) {
    String d = dims.trim();
    if (d.startsWith("[") && d.endsWith("]")) {
      d = d.substring(1, d.length() - 1);
    }
    if (d.isEmpty()) {
      return Shape.of();
    }
    String[] parts = d.split("[x,]");
    long[] out = new long[parts.length];
    try {
      for (int i = 0; i < parts.length; i++) {
        out[i] = Long.parseLong(parts[i].trim());
        if (out[i] < 0) {
          throw new NumberFormatException();
        }
      }
    } catch (NumberFormatException e) {
      throw invalid(
          "cannot read the dimensions '" + dims + "' of mapping '" + spec + "'; write e.g. 1x4");
    }
    return Shape.of(out);
  }

  /**
   * Returns a copy with the element type set.
   *
   * @param type the type the model input takes
   * @return a new mapping
   */
  public FieldMapping withType(DataType type) {
    return new FieldMapping(input, fields, Objects.requireNonNull(type), shape);
  }

  /**
   * Returns a copy with the shape of one record's tensor set.
   *
   * @param dims concrete dimensions
   * @return a new mapping
   */
  public FieldMapping withShape(long... dims) {
    return new FieldMapping(input, fields, dataType, Shape.of(dims));
  }

  /**
   * Returns the model input name.
   *
   * @return the input name
   */
  public String input() {
    return input;
  }

  /**
   * Returns the fields or columns, in order.
   *
   * @return the field names
   */
  public List<String> fields() {
    return fields;
  }

  /**
   * Returns the declared element type.
   *
   * @return the type, or empty to take the signature's
   */
  public Optional<DataType> dataType() {
    return Optional.ofNullable(dataType);
  }

  /**
   * Returns the declared shape of one record's tensor.
   *
   * @return the shape, or empty to derive it from the signature
   */
  public Optional<Shape> shape() {
    return Optional.ofNullable(shape);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FieldMapping m
        && input.equals(m.input)
        && fields.equals(m.fields)
        && dataType == m.dataType
        && Objects.equals(shape, m.shape);
  }

  @Override
  public int hashCode() {
    return Objects.hash(input, fields, dataType, shape);
  }

  @Override
  public String toString() {
    return input
        + "="
        + String.join(",", fields)
        + (dataType != null ? ":" + dataType : shape != null ? ":" : "")
        + (shape != null ? ":" + shape : "");
  }

  private static ServingException invalid(String message) {
    return ServingException.builder(ErrorCategory.INVALID_INPUT).message(message).build();
  }
}
