package io.serve4j.benchmarks;

import java.util.Arrays;
import java.util.Locale;

/**
 * A cross-check of the JMH latency ratios at one thread that holds on a noisy machine: every engine
 * is opened in one JVM and they take turns in short windows (ORT, serve4j, DJL, ORT, serve4j, ...),
 * so a burst of load from elsewhere hits all of them alike. Each window's mean latency is divided
 * by the ORT window run next to it, and the median of those ratios is printed.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.serve4j.benchmarks.Interleaved minilm16 ort,serve4j,djl
 * </pre>
 *
 * <p>Arguments: the model ({@code minilm16}, {@code minilm128}, {@code mlp}, {@code cnn}), the
 * engines (first one is the baseline), optionally the number of windows (default 12) and the window
 * length in milliseconds (default 500). The engines share one JIT and one heap; that is the price
 * of running them side by side, and why JMH (one fork each) stays the primary figure.
 */
public final class Interleaved {
  private Interleaved() {}

  /**
   * Runs the comparison.
   *
   * @param args model, engines, [windows], [window ms]
   * @throws Exception if an engine fails
   */
  public static void main(String[] args) throws Exception {
    Workload workload = Workload.of(args.length > 0 ? args[0] : "mlp");
    String[] names = (args.length > 1 ? args[1] : "ort,serve4j,djl").split(",");
    int windows = args.length > 2 ? Integer.parseInt(args[2]) : 12;
    long windowNanos = (args.length > 3 ? Long.parseLong(args[3]) : 500) * 1_000_000L;
    Engine[] engines = new Engine[names.length];
    try {
      // DJL creates ONNX Runtime's environment with its own options, so it must open first.
      for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < names.length; i++) {
          Engine.Kind kind = Engine.Kind.of(names[i]);
          if ((kind == Engine.Kind.DJL) == (pass == 0)) {
            engines[i] = Engine.open(kind, workload);
          }
        }
      }
      for (Engine e : engines) {
        window(e, windowNanos * 2); // warm-up
      }
      double[][] means = new double[engines.length][windows];
      for (int w = 0; w < windows; w++) {
        for (int i = 0; i < engines.length; i++) {
          means[i][w] = window(engines[i], windowNanos);
        }
      }
      System.out.printf(
          Locale.ROOT,
          "%s, 1 thread, %d windows of %d ms, mean latency per window (us); ratio = engine / %s"
              + " in the same window round%n",
          workload.id(),
          windows,
          windowNanos / 1_000_000,
          names[0]);
      for (int i = 0; i < engines.length; i++) {
        double[] ratios = new double[windows];
        for (int w = 0; w < windows; w++) {
          ratios[w] = means[i][w] / means[0][w];
        }
        System.out.printf(
            Locale.ROOT,
            "%-16s median %10.2f us   median ratio %.3f   ratios %s%n",
            names[i],
            median(means[i]),
            median(ratios),
            format(ratios));
      }
    } finally {
      for (Engine e : engines) {
        if (e != null) {
          e.close();
        }
      }
    }
  }

  private static double window(Engine engine, long nanos) throws Exception {
    long calls = 0;
    long start = System.nanoTime();
    long end = start + nanos;
    long now;
    do {
      for (int i = 0; i < 10; i++) {
        if (engine.predict() == null) {
          throw new IllegalStateException("no output");
        }
      }
      calls += 10;
      now = System.nanoTime();
    } while (now < end);
    return (now - start) / 1e3 / calls;
  }

  private static double median(double[] values) {
    double[] v = values.clone();
    Arrays.sort(v);
    int n = v.length;
    return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  }

  private static String format(double[] ratios) {
    StringBuilder b = new StringBuilder("[");
    for (double r : ratios) {
      b.append(b.length() > 1 ? ", " : "").append(String.format(Locale.ROOT, "%.2f", r));
    }
    return b.append(']').toString();
  }
}
