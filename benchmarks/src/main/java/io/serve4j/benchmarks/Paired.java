package io.serve4j.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Locale;

/**
 * The concurrency-1 cross-check that holds on a loaded machine: the engines take turns call by call
 * on one thread (ORT, serve4j, ORT, serve4j, ...; the order rotates every round so no engine always
 * follows the same one), and each engine's call is divided by the baseline's call of the same
 * round, a few microseconds apart. Load from elsewhere that lasts longer than one round hits both
 * calls of it alike, which a window of {@link Interleaved} (hundreds of milliseconds) does not
 * ensure. Prints per engine the median call, the median of the per-round ratios of wall time and of
 * the calling thread's CPU time ({@code ThreadMXBean}, ONNX Runtime's intra-op pool not included),
 * and the bytes the thread allocated per call.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.serve4j.benchmarks.Paired minilm16 ort,serve4j 2000
 * # serve4j's own work against the raw limit with no intra-op pool (every run on the caller):
 * java -Dserve4j.bench.intraOpThreads=1 -cp ... io.serve4j.benchmarks.Paired minilm16 ort,serve4j
 * </pre>
 *
 * <p>Arguments: the model, the engines (the first is the baseline; {@code serve4j@/path/a.jar} is
 * another build, as in {@link Interleaved}), optionally the number of rounds (default 2000; a tenth
 * more, or {@code -Dserve4j.bench.warmUpCalls} if more, are run first as a warm-up). Taking turns
 * per call also means that every ONNX Runtime session's intra-op worker is woken at every other
 * call: with the default intra-op pool this mode measures engines that share the cores' pool
 * workers, which is why {@link Interleaved} stays the throughput figure.
 */
public final class Paired {
  private Paired() {}

  /**
   * Runs the comparison.
   *
   * @param args model, engines, [rounds]
   * @throws Exception if an engine fails
   */
  public static void main(String[] args) throws Exception {
    Workload workload = Workload.of(args.length > 0 ? args[0] : "mlp");
    String[] names = (args.length > 1 ? args[1] : "ort,serve4j").split(",");
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 2000;
    int n = names.length;
    Engine[] engines = new Engine[n];
    try {
      // DJL creates ONNX Runtime's environment with its own options, so it must open first.
      for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < n; i++) {
          if (names[i].indexOf('@') > 0) {
            if (pass == 1) {
              engines[i] = IsolatedEngine.open(names[i], workload);
            }
            continue;
          }
          Engine.Kind kind = Engine.Kind.of(names[i]);
          if ((kind == Engine.Kind.DJL) == (pass == 0)) {
            engines[i] = Engine.open(kind, workload);
          }
        }
      }
      ThreadMXBean mx = ManagementFactory.getThreadMXBean();
      long[][] wall = new long[n][rounds];
      long[][] cpu = new long[n][rounds];
      long[] alloc = new long[n];
      long[] calls = new long[n];
      int warmUp =
          Math.max(Math.max(10, rounds / 10), Integer.getInteger("serve4j.bench.warmUpCalls", 0));
      for (int r = -warmUp; r < rounds; r++) {
        for (int k = 0; k < n; k++) {
          int i = (k + Math.floorMod(r, n)) % n; // rotate who goes first
          long a0 = allocated(mx);
          long c0 = mx.getCurrentThreadCpuTime();
          long t0 = System.nanoTime();
          if (engines[i].predict() == null) {
            throw new IllegalStateException("no output");
          }
          long t1 = System.nanoTime();
          long c1 = mx.getCurrentThreadCpuTime();
          long a1 = allocated(mx);
          if (r >= 0) {
            wall[i][r] = t1 - t0;
            cpu[i][r] = c1 - c0;
            alloc[i] += a1 - a0;
            calls[i]++;
          }
        }
      }
      System.out.printf(
          Locale.ROOT,
          "%s, 1 thread, %d rounds (engines take turns per call), load average %s; ratio ="
              + " median over rounds of engine / %s in the same round%n",
          workload.id(),
          rounds,
          Interleaved.loadAverage(),
          names[0]);
      for (int i = 0; i < n; i++) {
        double[] wr = new double[rounds];
        double[] cr = new double[rounds];
        for (int r = 0; r < rounds; r++) {
          wr[r] = (double) wall[i][r] / wall[0][r];
          cr[r] = cpu[0][r] == 0 ? 1 : (double) cpu[i][r] / cpu[0][r];
        }
        System.out.printf(
            Locale.ROOT,
            "%-16s median call %10.2f us (ratio %.3f, mean-of-calls ratio %.3f)   cpu %10.2f us/call"
                + " (ratio %.3f)   alloc %.0f B/call%n",
            names[i],
            median(wall[i]) / 1e3,
            median(wr),
            (double) sum(wall[i]) / sum(wall[0]),
            median(cpu[i]) / 1e3,
            median(cr),
            (double) alloc[i] / calls[i]);
      }
    } finally {
      for (Engine e : engines) {
        if (e != null) {
          e.close();
        }
      }
    }
  }

  private static long allocated(ThreadMXBean mx) {
    return mx instanceof com.sun.management.ThreadMXBean hs
        ? hs.getThreadAllocatedBytes(Thread.currentThread().getId())
        : 0;
  }

  private static long sum(long[] v) {
    long s = 0;
    for (long x : v) {
      s += x;
    }
    return s;
  }

  private static double median(long[] values) {
    long[] v = values.clone();
    Arrays.sort(v);
    int m = v.length;
    return m % 2 == 1 ? v[m / 2] : (v[m / 2 - 1] + v[m / 2]) / 2.0;
  }

  private static double median(double[] values) {
    double[] v = values.clone();
    Arrays.sort(v);
    int m = v.length;
    return m % 2 == 1 ? v[m / 2] : (v[m / 2 - 1] + v[m / 2]) / 2;
  }
}
