package io.serve4j.benchmarks;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.DoublePredicate;
import java.util.function.Function;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;

/**
 * The text table of a suite run: figures per model and runtime (medians over rounds), each serve4j
 * figure as a ratio to raw ONNX Runtime and to DJL (median of the per-round ratios, with the
 * range), and the targets as met or missed.
 */
final class Report {
  /** A figure of one model and runtime. */
  enum Figure {
    C1_P50("c1 p50 us", false),
    C1_P99("c1 p99 us", false),
    C1_OPS("c1 ops/s", true),
    C8_OPS("c8 ops/s", true),
    C32_OPS("c32 ops/s", true),
    C32_P50("c32 p50 us", false),
    C32_P99("c32 p99 us", false),
    ALLOC("B/op c1", false),
    COLD("cold ms", false);

    final String label;
    final boolean higherIsBetter;

    Figure(String label, boolean higherIsBetter) {
      this.label = label;
      this.higherIsBetter = higherIsBetter;
    }
  }

  private final String[] models;
  private final String[] runtimes;
  private final TreeSet<Integer> rounds = new TreeSet<>();
  private final Map<String, Double> values = new HashMap<>();

  Report(String[] models, String[] runtimes) {
    this.models = models.clone();
    this.runtimes = runtimes.clone();
  }

  /**
   * Adds the results of one JMH run.
   *
   * @param round the round, or 0 for the cold-start run
   * @param results its results
   */
  void add(int round, Collection<RunResult> results) {
    for (RunResult r : results) {
      BenchmarkParams p = r.getParams();
      String key = p.getParam("model") + "/" + p.getParam("runtime") + "/";
      Result<?> primary = r.getPrimaryResult();
      if (p.getBenchmark().endsWith("deployToFirstPrediction")) {
        values.put(0 + "/" + key + Figure.COLD, primary.getScore());
        continue;
      }
      rounds.add(round);
      String k = round + "/" + key;
      int t = p.getThreads();
      double mean = primary.getStatistics().getMean();
      double ops = t / mean * 1e6;
      if (t == 1) {
        values.put(k + Figure.C1_P50, primary.getStatistics().getPercentile(50));
        values.put(k + Figure.C1_P99, primary.getStatistics().getPercentile(99));
        values.put(k + Figure.C1_OPS, ops);
        Result<?> alloc = r.getSecondaryResults().get("gc.alloc.rate.norm");
        if (alloc != null) {
          values.put(k + Figure.ALLOC, alloc.getScore());
        }
      } else if (t == 8) {
        values.put(k + Figure.C8_OPS, ops);
      } else if (t == 32) {
        values.put(k + Figure.C32_OPS, ops);
        values.put(k + Figure.C32_P50, primary.getStatistics().getPercentile(50));
        values.put(k + Figure.C32_P99, primary.getStatistics().getPercentile(99));
      }
    }
  }

  private List<Integer> roundsOf(Figure f) {
    return f == Figure.COLD ? List.of(0) : List.copyOf(rounds);
  }

  private Double get(int round, String model, String runtime, Figure f) {
    return values.get((f == Figure.COLD ? 0 : round) + "/" + model + "/" + runtime + "/" + f);
  }

  /** Median over rounds of a value. */
  private Double value(String model, String runtime, Figure f) {
    List<Double> v = new ArrayList<>();
    for (int r : roundsOf(f)) {
      Double x = get(r, model, runtime, f);
      if (x != null) {
        v.add(x);
      }
    }
    return median(v);
  }

  /** Per-round ratios a/b (or differences for allocation). */
  private List<Double> ratios(String model, String a, String b, Figure f) {
    List<Double> v = new ArrayList<>();
    for (int r : roundsOf(f)) {
      Double x = get(r, model, a, f);
      Double y = get(r, model, b, f);
      if (x != null && y != null) {
        v.add(f == Figure.ALLOC ? x - y : x / y);
      }
    }
    return v;
  }

  private static Double median(List<Double> v) {
    if (v.isEmpty()) {
      return null;
    }
    double[] a = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
  }

  /**
   * Formats the table.
   *
   * @return the text
   */
  String format() {
    StringBuilder sb = new StringBuilder();
    sb.append("Rounds: ")
        .append(rounds)
        .append(". Figures are medians over rounds (us = microseconds; ops/s = threads / mean")
        .append(" latency; B/op = gc.alloc.rate.norm, Java heap only; cold = deploy to first")
        .append(
            " prediction in a fresh JVM; ort = raw ONNX Runtime at its limit, outputs pinned and")
        .append(" reused; outputs = heap bytes of the outputs serve4j hands each caller, see")
        .append(" OutputAllowance)\n");
    header(sb);
    for (String m : models) {
      for (String e : runtimes) {
        row(sb, m + " / " + e, f -> number(value(m, e, f)));
      }
    }
    for (String base : new String[] {"ort", "djl", "serve4j"}) {
      if (!Arrays.asList(runtimes).contains(base)) {
        continue;
      }
      sb.append("\n")
          .append(base.equals("serve4j") ? "serve4j_batched / serve4j" : "serve4j / " + base)
          .append(": median of per-round ratios (latency, cold: < 1 is better; throughput: > 1")
          .append(" is better; B/op: difference in bytes)\n");
      header(sb);
      for (String m : models) {
        for (String e :
            base.equals("serve4j")
                ? new String[] {"serve4j_batched"}
                : new String[] {"serve4j", "serve4j_batched"}) {
          row(sb, m + " / " + e, f -> ratioText(ratios(m, e, base, f), f));
        }
      }
    }
    sb.append("\nTargets (median ratio; per-round ratios in brackets)\n");
    targets(sb);
    return sb.toString();
  }

  private static String ratioText(List<Double> r, Figure f) {
    Double m = median(r);
    if (m == null) {
      return "-";
    }
    return String.format(Locale.ROOT, f == Figure.ALLOC ? "%+.0f" : "%.3f", m);
  }

  private void targets(StringBuilder sb) {
    for (String m : models) {
      check(
          sb,
          m + ": c1 p50 serve4j/ort <= 1.05",
          ratios(m, "serve4j", "ort", Figure.C1_P50),
          r -> r <= 1.05);
    }
    for (String m : new String[] {"minilm16", "mlp"}) {
      if (!Arrays.asList(models).contains(m)) {
        continue;
      }
      check(
          sb,
          m + ": c32 ops/s batched/unbatched >= 2",
          ratios(m, "serve4j_batched", "serve4j", Figure.C32_OPS),
          r -> r >= 2);
      check(
          sb,
          m + ": c32 p99 batched/unbatched <= 2",
          ratios(m, "serve4j_batched", "serve4j", Figure.C32_P99),
          r -> r <= 2);
    }
    for (String m : models) {
      List<String> worse = new ArrayList<>();
      int compared = 0;
      for (Figure f : Figure.values()) {
        Double r = median(ratios(m, "serve4j", "djl", f));
        if (r == null) {
          continue;
        }
        compared++;
        if (f.higherIsBetter ? r < 1 : r > 1) {
          worse.add(f.label + String.format(Locale.ROOT, " %.3f", r));
        }
      }
      sb.append(String.format(Locale.ROOT, "  %-46s", m + ": serve4j at least DJL"))
          .append(
              compared == 0
                  ? "not measured"
                  : worse.isEmpty()
                      ? "met on all " + compared + " figures"
                      : "MISSED on "
                          + worse
                          + " (serve4j/djl), met on "
                          + (compared - worse.size()))
          .append('\n');
    }
    for (String m : models) {
      Double s = value(m, "serve4j", Figure.ALLOC);
      Double o = value(m, "ort", Figure.ALLOC);
      String text;
      if (s == null || o == null) {
        text = "not measured";
      } else {
        long outputs = OutputAllowance.bytes(Workload.of(m));
        text =
            outputs < 0
                ? "outputs not measurable here"
                : String.format(
                    Locale.ROOT,
                    "%s (serve4j %.0f, ort %.0f with pinned outputs, outputs %d: %+.0f B/op over"
                        + " ort + outputs)",
                    s - o - outputs <= 1024 ? "met" : "MISSED",
                    s,
                    o,
                    outputs,
                    s - o - outputs);
      }
      sb.append(String.format(Locale.ROOT, "  %-46s", m + ": B/op serve4j <= ort+outputs+1 KB"))
          .append(text)
          .append('\n');
    }
  }

  private static void check(StringBuilder sb, String what, List<Double> r, DoublePredicate ok) {
    sb.append(String.format(Locale.ROOT, "  %-46s", what));
    Double m = median(r);
    if (m == null) {
      sb.append("not measured\n");
      return;
    }
    sb.append(ok.test(m) ? "met " : "MISSED ").append(String.format(Locale.ROOT, "%.3f [", m));
    for (int i = 0; i < r.size(); i++) {
      sb.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.3f", r.get(i)));
    }
    sb.append("]\n");
  }

  private static void header(StringBuilder sb) {
    sb.append(String.format(Locale.ROOT, "%-28s", "model / runtime"));
    for (Figure f : Figure.values()) {
      sb.append(String.format(Locale.ROOT, "%12s", f.label));
    }
    sb.append('\n');
  }

  private static void row(StringBuilder sb, String first, Function<Figure, String> cell) {
    sb.append(String.format(Locale.ROOT, "%-28s", first));
    for (Figure f : Figure.values()) {
      sb.append(String.format(Locale.ROOT, "%12s", cell.apply(f)));
    }
    sb.append('\n');
  }

  private static String number(Double v) {
    if (v == null) {
      return "-";
    }
    double a = Math.abs(v);
    return a >= 100
        ? String.format(Locale.ROOT, "%.0f", v)
        : a >= 10 ? String.format(Locale.ROOT, "%.1f", v) : String.format(Locale.ROOT, "%.2f", v);
  }
}
