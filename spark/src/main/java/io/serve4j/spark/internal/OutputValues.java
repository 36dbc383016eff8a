package io.serve4j.spark.internal;

import io.serve4j.Tensor;
import io.serve4j.spark.OutputColumn;
import java.util.Arrays;
import java.util.List;

/** Splits an output tensor into per-row Spark values (arrays or scalars). */
final class OutputValues {
  private OutputValues() {}

  static Object[] split(Tensor t, ScoringPlan.Output out, int n, int per) {
    boolean scalar = out.kind() == OutputColumn.Kind.SCALAR;
    Object[] rows = new Object[n];
    switch (out.type()) {
      case FP32, FP16 -> {
        float[] a = t.asFloats();
        for (int r = 0; r < n; r++) {
          rows[r] = scalar ? (Object) a[r] : Arrays.copyOfRange(a, r * per, (r + 1) * per);
        }
      }
      case FP64 -> {
        double[] a = t.asDoubles();
        for (int r = 0; r < n; r++) {
          rows[r] = scalar ? (Object) a[r] : Arrays.copyOfRange(a, r * per, (r + 1) * per);
        }
      }
      case INT8, INT16, INT32, UINT8, UINT16 -> {
        long[] a = t.asLongs();
        for (int r = 0; r < n; r++) {
          if (scalar) {
            rows[r] = (int) a[r];
          } else {
            int[] v = new int[per];
            for (int i = 0; i < per; i++) {
              v[i] = (int) a[r * per + i];
            }
            rows[r] = v;
          }
        }
      }
      case INT64, UINT32 -> {
        long[] a = t.asLongs();
        for (int r = 0; r < n; r++) {
          rows[r] = scalar ? (Object) a[r] : Arrays.copyOfRange(a, r * per, (r + 1) * per);
        }
      }
      case BOOL -> {
        boolean[] a = t.asBooleans();
        for (int r = 0; r < n; r++) {
          rows[r] = scalar ? (Object) a[r] : Arrays.copyOfRange(a, r * per, (r + 1) * per);
        }
      }
      case BYTES -> {
        List<String> a = t.asStrings();
        for (int r = 0; r < n; r++) {
          rows[r] = scalar ? a.get(r) : a.subList(r * per, (r + 1) * per).toArray(String[]::new);
        }
      }
      default -> throw Errors.unsupported("output type " + out.type() + " is not supported");
    }
    return rows;
  }
}
