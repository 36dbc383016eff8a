package io.serve4j.spark;

import io.serve4j.DataType;
import java.io.Serializable;
import java.util.Objects;

/**
 * Which model output becomes which column. A row's slice of the output tensor (everything after the
 * batch dimension, flattened) becomes an array column, or with {@link Kind#SCALAR} a scalar column
 * (the slice must then have exactly one element).
 *
 * <p>Spark types: FP32 and FP16 give float, FP64 double, INT8 to INT32 and UINT8/UINT16 int, INT64
 * and UINT32 long, BOOL boolean, BYTES string. The element type comes from the model's signature,
 * or from {@link #dataType()} when the endpoint reports none.
 *
 * @param tensor the model output's name
 * @param column the column to write
 * @param kind array or scalar
 * @param dataType the element type, or null to take it from the signature
 */
public record OutputColumn(String tensor, String column, Kind kind, DataType dataType)
    implements Serializable {
  /** The shape of the column. */
  public enum Kind {
    /** An array of the row's elements. */
    ARRAY,
    /** One value; the row's slice must hold exactly one element. */
    SCALAR
  }

  /** Validates. */
  public OutputColumn {
    Objects.requireNonNull(tensor, "tensor");
    Objects.requireNonNull(column, "column");
    Objects.requireNonNull(kind, "kind");
  }

  /**
   * An array column named after the output.
   *
   * @param tensor the output name
   * @return the column
   */
  public static OutputColumn array(String tensor) {
    return new OutputColumn(tensor, tensor, Kind.ARRAY, null);
  }

  /**
   * An array column.
   *
   * @param tensor the output name
   * @param column the column name
   * @return the column
   */
  public static OutputColumn array(String tensor, String column) {
    return new OutputColumn(tensor, column, Kind.ARRAY, null);
  }

  /**
   * A scalar column.
   *
   * @param tensor the output name
   * @param column the column name
   * @return the column
   */
  public static OutputColumn scalar(String tensor, String column) {
    return new OutputColumn(tensor, column, Kind.SCALAR, null);
  }

  /**
   * Returns this column with an element type, for endpoints that report no signature.
   *
   * @param type the element type
   * @return a new column
   */
  public OutputColumn withType(DataType type) {
    return new OutputColumn(tensor, column, kind, Objects.requireNonNull(type));
  }
}
