package io.serve4j.benchmarks;

import java.util.Arrays;
import java.util.Locale;

/**
 * The listener overhead measured the way {@link Interleaved} measures engines on a noisy machine:
 * the MLP deployed once per listener variant of {@link ListenerOverheadBenchmark} in one JVM, the
 * variants taking turns in short windows at one thread, each window's mean latency divided by the
 * no-listener window next to it; the median ratio is printed.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.serve4j.benchmarks.ListenerInterleaved \
 *     none,micrometer,micrometer_observation,opentelemetry false 40 250
 * </pre>
 *
 * <p>Arguments: the variants (first is the baseline), batched ({@code true}/{@code false}), the
 * number of windows (default 30) and the window length in ms (default 250).
 */
public final class ListenerInterleaved {
  private ListenerInterleaved() {}

  /**
   * Runs the comparison.
   *
   * @param args variants, batched, [windows], [window ms]
   */
  public static void main(String[] args) {
    String[] names =
        (args.length > 0 ? args[0] : "none,micrometer,micrometer_observation,opentelemetry")
            .split(",");
    boolean batched = args.length > 1 && Boolean.parseBoolean(args[1]);
    int windows = args.length > 2 ? Integer.parseInt(args[2]) : 30;
    long windowNanos = (args.length > 3 ? Long.parseLong(args[3]) : 250) * 1_000_000L;
    ListenerOverheadBenchmark[] variants = new ListenerOverheadBenchmark[names.length];
    try {
      for (int i = 0; i < names.length; i++) {
        variants[i] = new ListenerOverheadBenchmark();
        variants[i].listener = names[i];
        variants[i].batched = batched;
        variants[i].open();
      }
      for (ListenerOverheadBenchmark v : variants) {
        window(v, windowNanos * 8); // warm-up
      }
      double[][] means = new double[variants.length][windows];
      for (int w = 0; w < windows; w++) {
        // rotate the order each round so that no variant always follows the same one
        for (int k = 0; k < variants.length; k++) {
          int i = (k + w) % variants.length;
          means[i][w] = window(variants[i], windowNanos);
        }
      }
      System.out.printf(
          Locale.ROOT,
          "mlp, batched=%s, 1 thread, %d windows of %d ms; ratio = variant / %s in the same round%n",
          batched,
          windows,
          windowNanos / 1_000_000,
          names[0]);
      for (int i = 0; i < variants.length; i++) {
        double[] ratios = new double[windows];
        for (int w = 0; w < windows; w++) {
          ratios[w] = means[i][w] / means[0][w];
        }
        double[] sorted = ratios.clone();
        Arrays.sort(sorted);
        System.out.printf(
            Locale.ROOT,
            "%-24s median %8.2f us   median ratio %.4f   (quartiles %.3f .. %.3f)%n",
            names[i],
            median(means[i]),
            median(ratios),
            sorted[windows / 4],
            sorted[(3 * windows) / 4]);
      }
    } finally {
      for (ListenerOverheadBenchmark v : variants) {
        if (v != null) {
          try {
            v.close();
          } catch (RuntimeException ignored) {
            // not opened
          }
        }
      }
    }
  }

  private static double window(ListenerOverheadBenchmark v, long nanos) {
    long calls = 0;
    long start = System.nanoTime();
    long end = start + nanos;
    long now;
    do {
      for (int i = 0; i < 10; i++) {
        if (v.predict() == null) {
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
}
