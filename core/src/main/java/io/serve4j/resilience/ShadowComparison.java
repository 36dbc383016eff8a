package io.serve4j.resilience;

import io.serve4j.DataType;
import io.serve4j.InferenceResponse;
import io.serve4j.ServingException;
import io.serve4j.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The comparison of a primary's and a shadow's answers to the same request.
 *
 * @param requestId the request id, or empty
 * @param differences one entry per output of the primary
 * @param shadowError the shadow's failure, if it failed
 */
public record ShadowComparison(
    String requestId, List<OutputDifference> differences, Optional<ServingException> shadowError) {
  /** Copies the list. */
  public ShadowComparison {
    differences = List.copyOf(differences);
  }

  /**
   * Returns whether every output is comparable and within a tolerance.
   *
   * @param absoluteTolerance the largest absolute error accepted
   * @return true if the shadow matches
   */
  public boolean matches(double absoluteTolerance) {
    return shadowError.isEmpty()
        && differences.stream()
            .allMatch(d -> d.comparable() && d.maxAbsoluteError() <= absoluteTolerance);
  }

  /**
   * Compares two responses output by output.
   *
   * @param requestId the request id
   * @param primary the primary's answer
   * @param shadow the shadow's answer
   * @return the comparison
   */
  public static ShadowComparison of(
      String requestId, InferenceResponse primary, InferenceResponse shadow) {
    List<OutputDifference> diffs = new ArrayList<>();
    for (Tensor p : primary.outputs()) {
      Tensor s =
          shadow.outputs().stream().filter(t -> t.name().equals(p.name())).findFirst().orElse(null);
      diffs.add(compare(p, s));
    }
    return new ShadowComparison(requestId, diffs, Optional.empty());
  }

  /**
   * Compares two tensors element by element.
   *
   * @param primary the primary's tensor
   * @param shadow the shadow's tensor, or null if missing
   * @return the difference
   */
  public static OutputDifference compare(Tensor primary, Tensor shadow) {
    String name = primary.name();
    if (shadow == null) {
      return incomparable(name, "missing in the shadow's answer");
    }
    if (!primary.shape().equals(shadow.shape())) {
      return incomparable(name, "shape " + primary.shape() + " vs " + shadow.shape());
    }
    if (primary.dataType() == DataType.BYTES || shadow.dataType() == DataType.BYTES) {
      boolean same = primary.buffer().equals(shadow.buffer());
      return new OutputDifference(
          name,
          same ? 0 : Double.POSITIVE_INFINITY,
          same ? 0 : Double.POSITIVE_INFINITY,
          same,
          same ? "" : "BYTES differ");
    }
    double[] a = asDoubles(primary);
    double[] b = asDoubles(shadow);
    double maxAbs = 0;
    double maxRel = 0;
    for (int i = 0; i < a.length; i++) {
      double abs = Math.abs(a[i] - b[i]);
      if (Double.isNaN(abs)) {
        abs = Double.isNaN(a[i]) && Double.isNaN(b[i]) ? 0 : Double.POSITIVE_INFINITY;
      }
      maxAbs = Math.max(maxAbs, abs);
      maxRel = Math.max(maxRel, abs / Math.max(Math.abs(a[i]), 1e-12));
    }
    String note =
        primary.dataType() == shadow.dataType()
            ? ""
            : primary.dataType() + " vs " + shadow.dataType();
    return new OutputDifference(name, maxAbs, maxRel, true, note);
  }

  private static double[] asDoubles(Tensor t) {
    return switch (t.dataType()) {
      case FP16, FP32, FP64 -> t.asDoubles();
      case BOOL -> {
        boolean[] v = t.asBooleans();
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) d[i] = v[i] ? 1 : 0;
        yield d;
      }
      default -> {
        long[] v = t.asLongs();
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) d[i] = v[i];
        yield d;
      }
    };
  }

  private static OutputDifference incomparable(String name, String note) {
    return new OutputDifference(
        name, Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY, false, note);
  }
}
