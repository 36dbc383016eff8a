package io.serve4j;

import java.util.Arrays;

/**
 * An immutable tensor shape. In a signature a dimension of {@code -1} is dynamic (any size); the
 * shape of an actual {@link Tensor} has no dynamic dimensions.
 *
 * <pre>{@code
 * Shape spec = Shape.of(-1, 384);      // any batch of 384-wide rows
 * spec.accepts(Shape.of(8, 384));      // true
 * }</pre>
 *
 * <p>The product of the concrete dimensions of every shape fits a {@code long} (a shape with a zero
 * dimension has no elements, whatever its other dimensions), so that {@link #elementCount()} never
 * overflows.
 */
public final class Shape {
  private static final Shape SCALAR = new Shape(new long[0]);

  private final long[] dims;

  private Shape(long[] dims) {
    this.dims = dims;
  }

  /**
   * Creates a shape.
   *
   * @param dims dimensions, each {@code >= 0} or {@code -1} for dynamic
   * @return the shape
   * @throws InvalidInputException if {@code dims} is null, a dimension is below -1, or the product
   *     of the concrete dimensions overflows a {@code long}
   */
  public static Shape of(long... dims) {
    if (dims == null) {
      throw invalid("a shape needs dimensions; got null");
    }
    if (dims.length == 0) {
      return SCALAR;
    }
    long[] copy = dims.clone();
    long product = 1;
    boolean zero = false;
    boolean overflow = false;
    for (long d : copy) {
      if (d < -1) {
        throw invalid(
            "dimension must be >= 0 or -1 (dynamic): " + d + " in " + Arrays.toString(copy));
      }
      if (d == 0) {
        zero = true;
      } else if (d > 0 && !overflow) {
        long hi = Math.multiplyHigh(product, d);
        long lo = product * d;
        if (hi != 0 || lo < 0) {
          overflow = true;
        } else {
          product = lo;
        }
      }
    }
    if (overflow && !zero) {
      throw invalid(
          "shape "
              + Arrays.toString(copy)
              + " has more elements than a long can count (over 2^63 - 1)");
    }
    return new Shape(copy);
  }

  /**
   * Returns the number of dimensions.
   *
   * @return the rank
   */
  public int rank() {
    return dims.length;
  }

  /**
   * Returns one dimension.
   *
   * @param index zero-based axis
   * @return the dimension, -1 if dynamic
   */
  public long dim(int index) {
    return dims[index];
  }

  /**
   * Returns a copy of the dimensions.
   *
   * @return the dimensions
   */
  public long[] toArray() {
    return dims.clone();
  }

  /**
   * Returns whether any dimension is dynamic.
   *
   * @return true if some dimension is -1
   */
  public boolean isDynamic() {
    for (long d : dims) {
      if (d < 0) {
        return true;
      }
    }
    return false;
  }

  /**
   * Returns the number of elements of a concrete shape (1 for a scalar).
   *
   * @return the element count; never overflows (see {@link #of})
   * @throws IllegalStateException if the shape is dynamic
   */
  public long elementCount() {
    long n = 1;
    for (long d : dims) {
      if (d < 0) {
        throw new IllegalStateException("dynamic shape " + this + " has no element count");
      }
      n *= d; // of() checked that the product fits, or that a dimension is 0
    }
    return n;
  }

  /**
   * Returns whether a concrete shape fits this one, treating -1 here as a wildcard.
   *
   * @param actual a concrete shape
   * @return true if the ranks match and every fixed dimension is equal
   */
  public boolean accepts(Shape actual) {
    if (actual.dims.length != dims.length) {
      return false;
    }
    for (int i = 0; i < dims.length; i++) {
      if (dims[i] >= 0 && dims[i] != actual.dims[i]) {
        return false;
      }
    }
    return true;
  }

  /**
   * Returns this shape with the first dimension replaced.
   *
   * @param first the new first dimension
   * @return a new shape
   * @throws IllegalStateException for a scalar
   * @throws InvalidInputException if {@code first} is below -1 or the new shape has more elements
   *     than a long can count
   */
  public Shape withFirstDimension(long first) {
    if (dims.length == 0) {
      throw new IllegalStateException("a scalar has no first dimension");
    }
    long[] copy = dims.clone();
    copy[0] = first;
    return of(copy);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Shape other && Arrays.equals(dims, other.dims);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(dims);
  }

  @Override
  public String toString() {
    return Arrays.toString(dims);
  }

  private static ServingException invalid(String message) {
    return ServingException.builder(ErrorCategory.INVALID_INPUT).message(message).build();
  }
}
