package io.serve4j.benchmarks;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Every thread of this process as Linux sees it ({@code /proc/self/task}): name, CPU time on the
 * core ({@code schedstat}: nanoseconds run, nanoseconds waited runnable) and context switches
 * (voluntary: it blocked; involuntary: it was preempted), native threads included (ONNX Runtime's
 * intra-op pool, which the JVM does not know). A {@link Snapshot} before and after a window gives
 * what each thread did in it; {@link Totals} adds windows up per engine, so that a row reads per
 * call: which threads ran while an engine was called, and how often anything was woken.
 */
final class ThreadStats {
  private ThreadStats() {}

  private static final Path TASKS = Paths.get("/proc/self/task");

  /** One thread's counters. */
  record Task(
      String name, long runNanos, long waitNanos, long slices, long voluntary, long involuntary) {}

  /** All threads at one moment, by thread id; empty where /proc is not there. */
  record Snapshot(Map<Integer, Task> tasks) {
    static Snapshot take() {
      Map<Integer, Task> m = new HashMap<>();
      try (DirectoryStream<Path> ds = Files.newDirectoryStream(TASKS)) {
        for (Path p : ds) {
          Task t = read(p);
          if (t != null) {
            m.put(Integer.parseInt(p.getFileName().toString()), t);
          }
        }
      } catch (IOException | RuntimeException e) {
        return new Snapshot(Map.of());
      }
      return new Snapshot(m);
    }
  }

  private static Task read(Path task) {
    try {
      String name = Files.readString(task.resolve("comm")).trim();
      String[] s = Files.readString(task.resolve("schedstat")).trim().split(" ");
      long[] switches = switches(task);
      return new Task(
          name,
          Long.parseLong(s[0]),
          Long.parseLong(s[1]),
          Long.parseLong(s[2]),
          switches[0],
          switches[1]);
    } catch (IOException | RuntimeException e) {
      return null; // the thread ended meanwhile
    }
  }

  /** A thread's context switches from its {@code status}: {voluntary, involuntary}. */
  private static long[] switches(Path task) throws IOException {
    long[] switches = new long[2];
    for (String line : Files.readAllLines(task.resolve("status"))) {
      if (line.startsWith("voluntary_ctxt_switches:")) {
        switches[0] = Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
      } else if (line.startsWith("nonvoluntary_ctxt_switches:")) {
        switches[1] = Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
      }
    }
    return switches;
  }

  /**
   * Context switches (voluntary and not) of every thread of the process so far, threads that ended
   * not counted; 0 where {@code /proc} is not there. Reads each thread's {@code status} alone (one
   * file a thread, not a {@link Snapshot}'s three), so that a reading taken inside a measured
   * window costs what it did.
   *
   * @return the sum over the threads alive now
   */
  static long contextSwitches() {
    long sum = 0;
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(TASKS)) {
      for (Path p : ds) {
        try {
          long[] switches = switches(p);
          sum += switches[0] + switches[1];
        } catch (IOException | RuntimeException ended) {
          // the thread ended meanwhile
        }
      }
    } catch (IOException e) {
      return 0; // no /proc: not Linux
    }
    return sum;
  }

  /**
   * The CPU time the JIT's compiler threads (HotSpot's {@code C1 CompilerThread}s and {@code C2
   * CompilerThread}s) have run so far; 0 where {@code /proc} is not there.
   *
   * @return nanoseconds
   */
  static long compilerNanos() {
    long sum = 0;
    for (Task t : Snapshot.take().tasks().values()) {
      if (t.name().contains("CompilerThre")) {
        sum += t.runNanos();
      }
    }
    return sum;
  }

  /** Threads alive now, for the report (every thread {@code /proc/self/task} lists). */
  static int alive() {
    return Snapshot.take().tasks().size();
  }

  /** What threads did over the windows of one engine, by thread (name/id), and the calls. */
  static final class Totals {
    // name/tid -> {run ns, wait ns, voluntary, involuntary}
    private final Map<String, long[]> byThread = new TreeMap<>();
    private long calls;
    private int maxAlive;

    /**
     * Adds one window.
     *
     * @param before the snapshot before the window
     * @param after the snapshot after it
     * @param callers the ids of the threads that called the engine
     * @param windowCalls the calls made in the window
     */
    void add(Snapshot before, Snapshot after, java.util.Set<Integer> callers, long windowCalls) {
      calls += windowCalls;
      maxAlive = Math.max(maxAlive, after.tasks().size());
      for (Map.Entry<Integer, Task> e : after.tasks().entrySet()) {
        Task a = e.getValue();
        Task b = before.tasks().get(e.getKey());
        long[] d =
            byThread.computeIfAbsent(
                (callers.contains(e.getKey()) ? "caller " : "") + a.name() + "/" + e.getKey(),
                k -> new long[4]);
        d[0] += a.runNanos() - (b == null ? 0 : b.runNanos());
        d[1] += a.waitNanos() - (b == null ? 0 : b.waitNanos());
        d[2] += a.voluntary() - (b == null ? 0 : b.voluntary());
        d[3] += a.involuntary() - (b == null ? 0 : b.involuntary());
      }
    }

    /**
     * The report: per thread that ran at least {@code 0.01 us} a call, CPU and run-queue wait per
     * call and context switches per call, then the totals.
     *
     * @param engine the engine's name
     * @return the lines
     */
    String report(String engine) {
      StringBuilder b = new StringBuilder();
      long run = 0;
      long voluntary = 0;
      long involuntary = 0;
      for (Map.Entry<String, long[]> e : byThread.entrySet()) {
        long[] d = e.getValue();
        run += d[0];
        voluntary += d[2];
        involuntary += d[3];
        if (d[0] / 1e3 / calls < 0.01 && d[2] + d[3] == 0) {
          continue;
        }
        b.append(
            String.format(
                Locale.ROOT,
                "  %-16s %-32s cpu %8.3f us/call  runnable-waiting %8.3f us/call"
                    + "  switches/call %.4f voluntary %.4f involuntary%n",
                engine,
                e.getKey(),
                d[0] / 1e3 / calls,
                d[1] / 1e3 / calls,
                (double) d[2] / calls,
                (double) d[3] / calls));
      }
      b.append(
          String.format(
              Locale.ROOT,
              "  %-16s %-32s cpu %8.3f us/call  switches/call %.4f voluntary %.4f involuntary;"
                  + " threads alive %d%n",
              engine,
              "all threads",
              run / 1e3 / calls,
              (double) voluntary / calls,
              (double) involuntary / calls,
              maxAlive));
      return b.toString();
    }
  }
}
