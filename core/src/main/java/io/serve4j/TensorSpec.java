package io.serve4j;

import java.util.Objects;

/**
 * The declared name, element type and shape of one model input or output.
 *
 * @param name tensor name as the model knows it
 * @param dataType element type
 * @param shape declared shape; -1 marks a dynamic dimension
 */
public record TensorSpec(String name, DataType dataType, Shape shape) {
  /** Validates that every component is present. */
  public TensorSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(dataType, "dataType");
    Objects.requireNonNull(shape, "shape");
    if (name.isBlank()) {
      throw new IllegalArgumentException("tensor name must not be blank");
    }
  }

  /**
   * Convenience factory.
   *
   * @param name tensor name
   * @param dataType element type
   * @param dims dimensions, -1 for dynamic
   * @return the spec
   */
  public static TensorSpec of(String name, DataType dataType, long... dims) {
    return new TensorSpec(name, dataType, Shape.of(dims));
  }

  @Override
  public String toString() {
    return name + ":" + dataType + shape;
  }
}
