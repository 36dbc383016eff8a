package io.serve4j.spark.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.serve4j.DataType;
import io.serve4j.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Values of a row into a tensor's buffer: Spark's Seqs, Java arrays (rows built in Java), Vectors.
 */
class InputBufferTest {
  @Test
  void append_javaArrays_fromRowsBuiltInJava() {
    InputBuffer longs = InputBuffer.of("ids", DataType.INT64);
    longs.append(new long[] {101, 2023});
    longs.append(new int[] {7});
    Tensor t = longs.build(new long[] {1, 3});
    assertThat(t.asLongs()).containsExactly(101, 2023, 7);

    InputBuffer floats = InputBuffer.of("x", DataType.FP32);
    floats.append(new float[] {0.5f, -1f});
    floats.append(new double[] {2.25});
    floats.append(new Object[] {3f});
    assertThat(floats.build(new long[] {1, 4}).asFloats()).containsExactly(0.5f, -1f, 2.25f, 3f);
  }

  @Test
  void append_seqAndVector_andRollbackOfABadRow() {
    InputBuffer floats = InputBuffer.of("x", DataType.FP32);
    floats.append(scala.collection.mutable.ArraySeq.make(new Float[] {1f, 2f}));
    int mark = floats.size();
    assertThatThrownBy(
            () -> floats.append(scala.collection.mutable.ArraySeq.make(new Object[] {3f, null})))
        .isInstanceOf(InputBuffer.BadRow.class)
        .hasMessage("a null value");
    floats.truncate(mark);
    floats.append(org.apache.spark.ml.linalg.Vectors.dense(4, 5));
    assertThat(floats.build(new long[] {2, 2}).asFloats()).containsExactly(1f, 2f, 4f, 5f);
  }

  @Test
  void append_outOfRangeOrNonIntegral_isABadRow() {
    InputBuffer ints = InputBuffer.of("x", DataType.INT32);
    assertThatThrownBy(() -> ints.append(new long[] {1L << 40}))
        .hasMessage("the value 1099511627776 out of range for a INT32 input");
    assertThatThrownBy(() -> ints.append(2.5))
        .hasMessage("a non-integral value 2.5 for a INT32 input");
  }
}
