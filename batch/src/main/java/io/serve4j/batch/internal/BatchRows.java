package io.serve4j.batch.internal;

import io.serve4j.DataType;
import io.serve4j.Shape;
import io.serve4j.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * One batch's inputs as they are read: one direct buffer per input, {@code capacity} records, each
 * record's values written straight into its row ({@link RecordMapper#mapJsonInto}, {@link #put}),
 * so that the batch's tensors are views of these buffers (no tensor per record, no concatenation).
 * Made by {@link RecordMapper#newRows} for fixed-width inputs only.
 *
 * <p>Rows are committed one at a time, in order: a record is written into the row after the last
 * committed one and counts only once it was written whole ({@link #commit}). A record that fails
 * halfway leaves bytes in that uncommitted row, which no tensor shows ({@link #batch} and {@link
 * #row} cover committed rows only) and which the next record overwrites entirely: every record
 * written fills its whole row, exactly the record's byte size.
 *
 * <p>Reused from batch to batch ({@link #clear}) once every call that used the batch's tensors is
 * complete and the batch's results are written (an output may be a view of an input: an identity
 * model); the tensors over it, and any output over them, must not be used after that. Not
 * thread-safe: one thread fills it, then it is only read until cleared.
 */
public final class BatchRows {
  private final String[] names;
  private final DataType[] types;
  private final Shape[] shapes; // one record's
  private final int[] rowBytes;
  private final ByteBuffer[] buffers;
  private final ByteBuffer[] cursors; // one write view per input, moved from row to row
  private final int capacity;
  private int count;

  // scratch for RecordMapper.mapJsonInto, reused from record to record (one filling thread)
  final boolean[] seen;
  final double[][] byField;
  final int[] counts;

  BatchRows(String[] names, DataType[] types, Shape[] shapes, int capacity, int[] fieldSizeHints) {
    this.names = names;
    this.types = types;
    this.shapes = shapes;
    this.capacity = capacity;
    this.rowBytes = new int[names.length];
    this.buffers = new ByteBuffer[names.length];
    this.cursors = new ByteBuffer[names.length];
    for (int i = 0; i < names.length; i++) {
      long bytes = shapes[i].elementCount() * types[i].byteSize();
      rowBytes[i] = (int) bytes;
      buffers[i] = ByteBuffer.allocateDirect((int) bytes * capacity).order(ByteOrder.LITTLE_ENDIAN);
      cursors[i] = buffers[i].duplicate().order(ByteOrder.LITTLE_ENDIAN);
    }
    this.seen = new boolean[fieldSizeHints.length];
    this.byField = new double[fieldSizeHints.length][];
    for (int f = 0; f < fieldSizeHints.length; f++) {
      byField[f] = new double[Math.max(fieldSizeHints[f], 1)];
    }
    this.counts = new int[fieldSizeHints.length];
  }

  /**
   * Returns the number of committed records.
   *
   * @return the rows in the batch
   */
  public int count() {
    return count;
  }

  /**
   * Returns whether no row is left.
   *
   * @return true once {@code capacity} records were committed
   */
  public boolean full() {
    return count == capacity;
  }

  /**
   * Returns input {@code i}'s write view over the next row (position at its start, limit at its
   * end): what is put there becomes the record's once {@link #commit} is called.
   */
  ByteBuffer cursor(int i) {
    if (count == capacity) {
      throw new IllegalStateException("the batch is full");
    }
    ByteBuffer c = cursors[i];
    c.limit(c.capacity()).position(count * rowBytes[i]);
    c.limit((count + 1) * rowBytes[i]);
    return c;
  }

  /** Makes the next row a record's (its every input's row was written whole); its index. */
  int commit() {
    return count++;
  }

  /**
   * Copies one record's tensors (one per input, each of the record's type and byte size) into the
   * next row and commits it.
   *
   * @param record the record's tensors, as {@link RecordMapper#map} gives them
   * @return the record's row
   */
  public int put(List<Tensor> record) {
    for (int i = 0; i < names.length; i++) {
      Tensor t = record.get(i);
      if (t.dataType() != types[i] || t.byteSize() != rowBytes[i]) {
        throw new IllegalStateException(
            "a record's tensor " + t + " does not fit input '" + names[i] + "' (a bug)");
      }
      cursor(i).put(t.buffer());
    }
    return commit();
  }

  /**
   * Returns the batch's tensors: the committed rows of each input, {@code count()} records along
   * the first dimension (records of one row each), over this batch's buffers without a copy.
   *
   * @return one tensor per input
   */
  public List<Tensor> batch() {
    List<Tensor> out = new ArrayList<>(names.length);
    for (int i = 0; i < names.length; i++) {
      ByteBuffer b =
          count == capacity ? buffers[i] : buffers[i].duplicate().limit(count * rowBytes[i]);
      out.add(Tensor.wrap(names[i], types[i], shapes[i].withFirstDimension(count), b));
    }
    return out;
  }

  /**
   * Returns one committed record's tensors, in its own shape, over its row without a copy.
   *
   * @param row the record's row
   * @return one tensor per input
   */
  public List<Tensor> row(int row) {
    if (row < 0 || row >= count) {
      throw new IllegalStateException("row " + row + " is not committed (" + count + " are)");
    }
    List<Tensor> out = new ArrayList<>(names.length);
    for (int i = 0; i < names.length; i++) {
      ByteBuffer b =
          buffers[i].duplicate().limit((row + 1) * rowBytes[i]).position(row * rowBytes[i]);
      out.add(Tensor.wrap(names[i], types[i], shapes[i], b));
    }
    return out;
  }

  /** Empties the batch for the next one (its tensors must no longer be in use). */
  public void clear() {
    count = 0;
  }
}
