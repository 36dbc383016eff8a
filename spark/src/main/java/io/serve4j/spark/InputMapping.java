package io.serve4j.spark;

import io.serve4j.DataType;
import java.io.Serializable;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Which columns of a row make one input tensor of a model. Each row gives one slice of the tensor
 * (its first dimension is the batch): the values of the columns in order, where a numeric or
 * boolean column gives one value, an array column (nested arrays flattened) or an ML {@code Vector}
 * gives its elements, and a string column gives one {@link DataType#BYTES} element.
 *
 * <pre>{@code
 * InputMapping.of("x", "f1", "f2", "f3")          // three numeric columns -> x[N, 3]
 * InputMapping.of("x", "features")                // an array or Vector column -> x[N, len]
 * InputMapping.of("text", "sentence")             // a string column -> text BYTES[N, 1]
 * InputMapping.of("x", DataType.FP32, "features") // the type, when the endpoint has no signature
 * }</pre>
 *
 * <p>The element type comes from the model's signature when the endpoint reports one; otherwise
 * from {@link #dataType()}, else from the Spark column type (double: FP64, float: FP32, int: INT32,
 * long: INT64, boolean: BOOL, string: BYTES, Vector: FP64).
 *
 * @param tensor the model input's name
 * @param columns the columns, in order
 * @param dataType the element type, or null to take it from the signature or the columns
 */
public record InputMapping(String tensor, List<String> columns, DataType dataType)
    implements Serializable {
  /** Validates and copies. */
  public InputMapping {
    Objects.requireNonNull(tensor, "tensor");
    columns = List.copyOf(Objects.requireNonNull(columns, "columns"));
    if (columns.isEmpty()) {
      throw new IllegalArgumentException("input '" + tensor + "' needs at least one column");
    }
  }

  /**
   * Maps columns to a tensor, its type from the signature or the columns.
   *
   * @param tensor the input name
   * @param columns the columns
   * @return the mapping
   */
  public static InputMapping of(String tensor, String... columns) {
    return new InputMapping(tensor, List.of(columns), null);
  }

  /**
   * Maps columns to a tensor of a given element type.
   *
   * @param tensor the input name
   * @param dataType the element type
   * @param columns the columns
   * @return the mapping
   */
  public static InputMapping of(String tensor, DataType dataType, String... columns) {
    return new InputMapping(tensor, List.of(columns), Objects.requireNonNull(dataType));
  }

  /**
   * Returns the element type given, if any.
   *
   * @return the type
   */
  public Optional<DataType> type() {
    return Optional.ofNullable(dataType);
  }
}
