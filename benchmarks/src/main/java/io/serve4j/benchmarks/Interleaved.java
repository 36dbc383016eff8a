package io.serve4j.benchmarks;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * A cross-check of the JMH ratios that holds on a noisy machine: every engine is opened in one JVM
 * and they take turns in short windows (ORT, serve4j, DJL, ORT, serve4j, ...), so a burst of load
 * from elsewhere hits all of them alike. In each window the same N threads (a fixed pool, as JMH's
 * threads: per-thread engine state is made once) call one engine in a closed loop; the window's
 * mean latency (N x window time / calls) is divided by the baseline's window run next to it, and
 * the median of those ratios is printed. At N threads, throughput is N / mean latency, so the
 * throughput ratio is the inverse of the latency ratio; both are printed.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.serve4j.benchmarks.Interleaved minilm16 ort,serve4j,djl
 * java -cp benchmarks/target/benchmarks.jar io.serve4j.benchmarks.Interleaved mlp ort,serve4j 12 500 32
 * </pre>
 *
 * <p>Arguments: the model ({@code minilm16}, {@code minilm128}, {@code mlp}, {@code cnn}), the
 * engines (first one is the baseline), optionally the number of windows (default 12), the window
 * length in milliseconds (default 500) and the number of threads (default 1). An engine written
 * {@code serve4j@/path/a.jar:/path/b.jar} is another build's serve4j, loaded in a class loader of
 * its own ({@link IsolatedEngine}), for an A/B of two builds in one run. The engines share one JIT
 * and one heap; that is the price of running them side by side, and why JMH (one fork each) stays
 * the primary figure.
 *
 * <p>{@code -Dserve4j.bench.warmUpCalls=N} warms each engine up until it has made at least N calls
 * (default 0: two windows only). The JIT compiles a method with C2 only after several thousand
 * calls, and at 1.5-7 ms per call the MiniLM runs make only 1,500-4,000 calls per engine in all:
 * without it serve4j's call path (hundreds of bytecodes more than the raw engine's) is measured in
 * profiled C1 code (BENCHMARKS.md, "Concurrency against the raw limit", 2026-11-30 percall2).
 *
 * <p>Before each window the harness waits until no other thread of the process is running (at most
 * {@code -Dserve4j.bench.settleMillis}, default 200 ms; 0: no wait): ONNX Runtime's intra-op
 * workers keep spinning for tens of milliseconds after an engine's last run (1M pause loops), and
 * every engine's workers are pinned by ONNX Runtime to the same cores, so without the wait the
 * previous engine's pool spins on the cores of the next engine's window (c1lat6: 7-9 us of the
 * other engine's worker CPU per CNN call, ~20 ms a window).
 *
 * <p>After the warm-up, every engine is warmed up further in rounds until the JIT is quiet ({@link
 * #jitQuiet}; {@code -Dserve4j.bench.jitQuietRounds=0} for none).
 *
 * <p>{@code -Dserve4j.bench.threadStats=true} prints, per engine, every thread that ran during its
 * windows (from {@code /proc/self/task}, native threads included): CPU and runnable-waiting time
 * per call, voluntary and involuntary context switches per call, and the threads alive.
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
    int threads = args.length > 4 ? Integer.parseInt(args[4]) : 1;
    Engine[] engines = new Engine[names.length];
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      // DJL creates ONNX Runtime's environment with its own options, so it must open first.
      for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < names.length; i++) {
          if (names[i].indexOf('@') > 0) {
            if (pass == 1) {
              engines[i] = IsolatedEngine.open(names[i], workload); // another build's serve4j
            }
            continue;
          }
          Engine.Kind kind = Engine.Kind.of(names[i]);
          if ((kind == Engine.Kind.DJL) == (pass == 0)) {
            engines[i] = Engine.open(kind, workload);
          }
        }
      }
      long warmUpCalls = Long.getLong("serve4j.bench.warmUpCalls", 0);
      for (Engine e : engines) {
        window(pool, threads, e, windowNanos * 2, new HashSet<>()); // warm-up
        // and, if asked, until the engine has been called warmUpCalls times in all (the JIT
        // compiles a method with C2 after thousands of calls: a model of milliseconds per call
        // gets fewer than that in the timed windows)
        for (long calls = 0; calls < warmUpCalls; ) {
          calls += (long) window(pool, threads, e, windowNanos, new HashSet<>())[3];
        }
      }
      long settleMillis = Long.getLong("serve4j.bench.settleMillis", 200);
      boolean threadStats = Boolean.getBoolean("serve4j.bench.threadStats");
      int jitRounds = jitQuiet(pool, threads, engines, windowNanos, settleMillis, threadStats);
      long measuredFrom = ManagementFactory.getRuntimeMXBean().getUptime();
      // cpu = the calling threads' own CPU time per call (ONNX Runtime's intra-op pool not
      // included): what load from elsewhere does not change, unlike the latency
      double[][] means = new double[engines.length][windows];
      double[][] cpu = new double[engines.length][windows];
      double[][] alloc = new double[engines.length][windows];
      // the whole process (ONNX Runtime's intra-op pool included): CPU per call and cores busy
      double[][] procCpu = new double[engines.length][windows];
      double[][] cores = new double[engines.length][windows];
      ThreadStats.Totals[] stats = new ThreadStats.Totals[engines.length];
      double[][] settled = new double[engines.length][windows];
      for (int w = 0; w < windows; w++) {
        for (int i = 0; i < engines.length; i++) {
          if (stats[i] == null) {
            stats[i] = new ThreadStats.Totals();
          }
          double[] r =
              measuredWindow(
                  pool, threads, engines[i], windowNanos, settleMillis, threadStats, stats[i]);
          settled[i][w] = r[6];
          means[i][w] = r[0];
          cpu[i][w] = r[1];
          alloc[i][w] = r[2];
          procCpu[i][w] = r[4];
          cores[i][w] = r[5];
        }
      }
      long measuredTo = ManagementFactory.getRuntimeMXBean().getUptime();
      System.out.printf(
          Locale.ROOT,
          "%s, %d thread(s), %d windows of %d ms, load average %s; mean latency per window (us);"
              + " ratio = engine / %s in the same window round%n",
          workload.id(),
          threads,
          windows,
          windowNanos / 1_000_000,
          loadAverage(),
          names[0]);
      for (int i = 0; i < engines.length; i++) {
        double[] ratios = new double[windows];
        for (int w = 0; w < windows; w++) {
          ratios[w] = means[i][w] / means[0][w];
        }
        double m = median(means[i]);
        double[] cpuRatios = new double[windows];
        for (int w = 0; w < windows; w++) {
          cpuRatios[w] = cpu[i][w] / cpu[0][w];
        }
        System.out.printf(
            Locale.ROOT,
            "%-16s median %10.2f us %10.0f ops/s   latency ratio %.3f   throughput ratio %.3f"
                + "   cpu %.2f us/call (ratio %.3f)   alloc %.0f B/call   latency ratios %s%n",
            names[i],
            m,
            threads * 1e6 / m,
            median(ratios),
            1 / median(ratios),
            median(cpu[i]),
            median(cpuRatios),
            median(alloc[i]),
            format(ratios));
      }
      for (int i = 0; i < engines.length; i++) {
        System.out.printf(
            Locale.ROOT,
            "%-16s process cpu %.2f us/call, cores busy %.2f (per window %s)%n",
            names[i],
            median(procCpu[i]),
            median(cores[i]),
            format(cores[i]));
      }
      System.out.printf(
          Locale.ROOT,
          "JIT: %d more warm-up round(s) of every engine, %s (compiler threads' CPU under %.1f%% of"
              + " a round; limit %d rounds); measured windows from %d to %d ms of the JVM's"
              + " uptime%n",
          Math.abs(jitRounds),
          jitRounds < 0 ? "NOT quiet at the limit" : "until quiet",
          100 * JIT_QUIET_SHARE,
          Integer.getInteger("serve4j.bench.jitQuietRounds", 20),
          measuredFrom,
          measuredTo);
      if (settleMillis > 0) {
        for (int i = 0; i < engines.length; i++) {
          System.out.printf(
              Locale.ROOT,
              "%-16s settle before its windows: median %.1f ms, max %.1f ms (limit %d ms)%n",
              names[i],
              median(settled[i]),
              Arrays.stream(settled[i]).max().orElse(0),
              settleMillis);
        }
      }
      if (threadStats) {
        System.out.println("threads during each engine's windows (per call):");
        for (int i = 0; i < engines.length; i++) {
          System.out.print(stats[i].report(names[i]));
        }
      }
    } finally {
      pool.shutdownNow();
      for (Engine e : engines) {
        if (e != null) {
          e.close();
        }
      }
    }
  }

  /**
   * Runs one window on every thread of the pool; returns the mean latency and the calling threads'
   * CPU time per call, in microseconds, and the bytes they allocated per call (the calling threads'
   * own, from HotSpot's per-thread counter), and the number of calls.
   */
  private static double[] window(
      ExecutorService pool, int threads, Engine engine, long nanos, Set<Integer> callers)
      throws Exception {
    long procStart = processCpuNanos();
    long start = System.nanoTime();
    long end = start + nanos;
    List<Future<long[]>> parts = new ArrayList<>(threads);
    for (int t = 0; t < threads; t++) {
      parts.add(pool.submit(() -> loop(engine, start, end)));
    }
    long calls = 0;
    long busy = 0;
    long cpu = 0;
    long alloc = 0;
    for (Future<long[]> f : parts) {
      long[] r = f.get();
      calls += r[0];
      busy += r[1];
      cpu += r[2];
      alloc += r[3];
      callers.add((int) r[4]);
    }
    long wall = System.nanoTime() - start;
    long proc = processCpuNanos() - procStart;
    return new double[] {
      busy / 1e3 / calls,
      cpu / 1e3 / calls,
      (double) alloc / calls,
      calls,
      proc / 1e3 / calls,
      (double) proc / wall
    };
  }

  /** A warm-up round in which the compiler threads ran less than this share of it ends it. */
  private static final double JIT_QUIET_SHARE =
      Double.parseDouble(System.getProperty("serve4j.bench.jitQuietShare", "0.01"));

  /**
   * One window as the measured rounds run it: wait for the process to settle ({@link #settle}),
   * then the window, and its threads' counters added to {@code stats} if asked.
   *
   * @return {@link #window}'s figures and, at index 6, the milliseconds spent settling
   */
  private static double[] measuredWindow(
      ExecutorService pool,
      int threads,
      Engine engine,
      long nanos,
      long settleMillis,
      boolean threadStats,
      ThreadStats.Totals stats)
      throws Exception {
    double settled = settle(settleMillis);
    ThreadStats.Snapshot before = threadStats ? ThreadStats.Snapshot.take() : null;
    Set<Integer> callers = new HashSet<>();
    double[] r = window(pool, threads, engine, nanos, callers);
    if (threadStats) {
      stats.add(before, ThreadStats.Snapshot.take(), callers, (long) r[3]);
    }
    double[] out = Arrays.copyOf(r, 7);
    out[6] = settled;
    return out;
  }

  /**
   * Warms every engine up in rounds run as the measured ones until a round in which the JIT's
   * compiler threads (their CPU time from {@code /proc/self/task}, {@link ThreadStats}) ran for
   * less than {@link #JIT_QUIET_SHARE} of the round's time, at most {@code
   * -Dserve4j.bench.jitQuietRounds} rounds (default 20; 0: none; none either where {@code /proc} is
   * not there). On 2 cores with ONNX Runtime's intra-op worker spinning on one core and the caller
   * on the other, a compiler thread takes a core from the engine in whose window it compiles (and
   * the caller spins, waiting for the worker it displaced): serve4j's call path, hundreds of
   * methods to the raw engine's few, was still being compiled by C2 in the measured windows at one
   * caller (c1lat6: C2's CPU per call in each engine's windows, and -XX:+PrintCompilation).
   *
   * @return the rounds run, negative if the limit was reached with the JIT still busy
   */
  private static int jitQuiet(
      ExecutorService pool,
      int threads,
      Engine[] engines,
      long nanos,
      long settleMillis,
      boolean threadStats)
      throws Exception {
    int limit = Integer.getInteger("serve4j.bench.jitQuietRounds", 20);
    if (limit <= 0 || ThreadStats.Snapshot.take().tasks().isEmpty()) {
      return 0;
    }
    ThreadStats.Totals discarded = new ThreadStats.Totals();
    for (int round = 1; round <= limit; round++) {
      long compilingBefore = ThreadStats.compilerNanos();
      long start = System.nanoTime();
      for (Engine e : engines) {
        measuredWindow(pool, threads, e, nanos, settleMillis, threadStats, discarded);
      }
      long compiling = ThreadStats.compilerNanos() - compilingBefore;
      if (compiling < JIT_QUIET_SHARE * (System.nanoTime() - start)) {
        return round;
      }
    }
    return -limit;
  }

  /** The process's CPU time (every thread, native ones included), or 0 where unknown. */
  private static long processCpuNanos() {
    return ManagementFactory.getOperatingSystemMXBean()
            instanceof com.sun.management.OperatingSystemMXBean os
        ? os.getProcessCpuTime()
        : 0;
  }

  /** One thread's closed loop until the end of the window: {calls, nanoseconds spent, CPU ns}. */
  private static long[] loop(Engine engine, long start, long end) throws Exception {
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    long cpuStart = mx.getCurrentThreadCpuTime();
    long allocStart = allocated(mx);
    long calls = 0;
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
    return new long[] {
      calls,
      now - start,
      mx.getCurrentThreadCpuTime() - cpuStart,
      allocated(mx) - allocStart,
      nativeThreadId()
    };
  }

  /** The calling thread's Linux thread id, or -1 where unknown. */
  private static long nativeThreadId() {
    try {
      return Long.parseLong(
          Files.readSymbolicLink(Paths.get("/proc/thread-self")).getFileName().toString());
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /**
   * Waits until no thread of this process but the calling one is running or runnable (state R in
   * {@code /proc/self/task/<id>/stat}) in two looks 1 ms apart, or {@code limitMillis} has passed:
   * the previous engine's intra-op workers stop spinning, and a compilation in flight ends, before
   * the next window starts.
   *
   * @param limitMillis the most to wait; 0 for no wait
   * @return the milliseconds waited
   */
  static double settle(long limitMillis) throws InterruptedException {
    if (limitMillis <= 0) {
      return 0;
    }
    long start = System.nanoTime();
    long limit = start + limitMillis * 1_000_000L;
    String self = String.valueOf(nativeThreadId());
    int quiet = 0;
    while (quiet < 2 && System.nanoTime() - limit < 0) {
      quiet = othersRunning(self) ? 0 : quiet + 1;
      Thread.sleep(1);
    }
    return (System.nanoTime() - start) / 1e6;
  }

  private static boolean othersRunning(String self) {
    try (java.nio.file.DirectoryStream<java.nio.file.Path> ds =
        Files.newDirectoryStream(Paths.get("/proc/self/task"))) {
      for (java.nio.file.Path p : ds) {
        if (p.getFileName().toString().equals(self)) {
          continue;
        }
        String stat;
        try {
          stat = Files.readString(p.resolve("stat"));
        } catch (IOException e) {
          continue; // ended
        }
        int close = stat.lastIndexOf(')');
        if (close > 0 && close + 2 < stat.length() && stat.charAt(close + 2) == 'R') {
          return true;
        }
      }
      return false;
    } catch (IOException | RuntimeException e) {
      return false; // no /proc: no wait
    }
  }

  /** The calling thread's allocated bytes (HotSpot), or 0 where unknown. */
  private static long allocated(ThreadMXBean mx) {
    return mx instanceof com.sun.management.ThreadMXBean hs
        ? hs.getThreadAllocatedBytes(Thread.currentThread().getId())
        : 0;
  }

  static String loadAverage() {
    try {
      String s = Files.readString(Paths.get("/proc/loadavg")).trim();
      String[] f = s.split(" ");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
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
