package io.serve4j.batch.internal;

import io.serve4j.Tensor;
import java.util.List;

/**
 * One output of a call, decoded once, read record by record: the formatter writes record {@code
 * r}'s value from elements {@code [r * perRow, (r + 1) * perRow)} of the batch's values, so that a
 * batch of n records costs one decoded array per output instead of n slices and n arrays.
 */
public final class OutputRows {
  final long[] rowDims;
  final Object values;
  final int perRow;
  final int rows;

  private OutputRows(long[] rowDims, Object values, int perRow, int rows) {
    this.rowDims = rowDims;
    this.values = values;
    this.perRow = perRow;
    this.rows = rows;
  }

  /**
   * Reads a batch's output: row {@code r} is what {@code t.sliceRows(r, r + 1)} holds, with the
   * same shape ({@code [1, ...]}).
   *
   * @param t the output, rank at least 1
   * @return the rows
   */
  public static OutputRows ofBatch(Tensor t) {
    long[] dims = t.shape().toArray();
    int rows = (int) dims[0];
    long[] rowDims = dims.clone();
    rowDims[0] = 1;
    long count = 1;
    for (int i = 1; i < dims.length; i++) {
      count *= dims[i];
    }
    return new OutputRows(rowDims, values(t), (int) count, rows);
  }

  /**
   * Reads a tensor as a single row, whatever its shape (one record's own call).
   *
   * @param t the output
   * @return one row: the whole tensor
   */
  public static OutputRows ofWhole(Tensor t) {
    long[] dims = t.shape().toArray();
    return new OutputRows(dims, values(t), (int) t.shape().elementCount(), 1);
  }

  private static Object values(Tensor t) {
    return switch (t.dataType()) {
      // FP32 and FP64 read in place from the output's buffer: no copy of the batch's values.
      case FP32 -> t.buffer().asFloatBuffer();
      case FP16 -> t.asFloats();
      case FP64 -> t.buffer().asDoubleBuffer();
      case INT8, INT16, INT32, INT64, UINT8, UINT16, UINT32, UINT64 -> t.asLongs();
      case BOOL -> t.asBooleans();
      case BYTES -> List.copyOf(t.asByteStrings());
    };
  }
}
