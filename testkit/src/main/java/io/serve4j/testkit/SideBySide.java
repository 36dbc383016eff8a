package io.serve4j.testkit;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Measures one call made two ways, through serve4j and straight through the vendor's SDK, against
 * the same fake and over the same HTTP client, so that their ratio is serve4j's own cost. Both run
 * in one JVM and interleave, so that both see the same machine: latency at concurrency 1 call by
 * call (raw, serve4j, serve4j, raw, ...: the order alternates so that neither always runs on a
 * cache warmed by the other), throughput at a modest concurrency in alternating windows.
 *
 * <p>Each call must do the whole of what a user's call does, encoding the request from the caller's
 * values and decoding the answer back to them, and check its answer. {@link RawOipJson} is the raw
 * side's codec for Open Inference Protocol JSON bodies: Jackson data binding of a {@code float[]},
 * the straightforward use.
 *
 * <pre>{@code
 * SideBySide.Result r = SideBySide.run("aws InvokeEndpoint", rawCall, serve4jCall, SideBySide.Settings.fromSystemProperties());
 * System.out.println(r.report());
 * }</pre>
 */
public final class SideBySide {
  private SideBySide() {}

  /** One call, including its request encoding and its answer's decoding and check. */
  @FunctionalInterface
  public interface Call {
    /**
     * Makes the call once.
     *
     * @throws Exception if it fails (the run stops)
     */
    void run() throws Exception;
  }

  /**
   * How long to measure.
   *
   * @param iterations interleaved calls of each side measured at concurrency 1 (after a third as
   *     many for warm-up)
   * @param concurrency threads of the throughput run (0: none)
   * @param windows throughput windows of each side (after one warm-up window each)
   * @param windowMillis length of one throughput window
   * @param blocks pairs of alternating blocks measured for CPU time per call (0: none)
   * @param blockCalls calls in one block
   * @param quietRounds after the warm-up, at most this many more rounds of {@value
   *     #QUIET_ROUND_PAIRS} interleaved pairs until a round in which the JIT compiler compiled
   *     nothing (0: no such rounds, the warm-up is a third of {@code iterations} only)
   */
  public record Settings(
      int iterations,
      int concurrency,
      int windows,
      long windowMillis,
      int blocks,
      int blockCalls,
      int quietRounds) {
    /**
     * Reads {@code harness.iterations} (3000), {@code harness.concurrency} (8), {@code
     * harness.windows} (10), {@code harness.windowMillis} (500), {@code harness.blocks} (16 pairs
     * of CPU blocks, 0: none), {@code harness.blockCalls} (500 calls per block) and {@code
     * harness.quietRounds} (60; 0 for the warm-up of a third of the iterations only).
     *
     * @return the settings
     */
    public static Settings fromSystemProperties() {
      return new Settings(
          Integer.getInteger("harness.iterations", 3000),
          Integer.getInteger("harness.concurrency", 8),
          Integer.getInteger("harness.windows", 10),
          Long.getLong("harness.windowMillis", 500),
          Integer.getInteger("harness.blocks", 16),
          Integer.getInteger("harness.blockCalls", 500),
          Integer.getInteger("harness.quietRounds", 60));
    }

    /**
     * Settings with CPU blocks and no warm-up until the compiler is quiet.
     *
     * @param iterations as above
     * @param concurrency as above
     * @param windows as above
     * @param windowMillis as above
     * @param blocks as above
     * @param blockCalls as above
     */
    public Settings(
        int iterations,
        int concurrency,
        int windows,
        long windowMillis,
        int blocks,
        int blockCalls) {
      this(iterations, concurrency, windows, windowMillis, blocks, blockCalls, 0);
    }

    /**
     * Settings without CPU blocks.
     *
     * @param iterations as above
     * @param concurrency as above
     * @param windows as above
     * @param windowMillis as above
     */
    public Settings(int iterations, int concurrency, int windows, long windowMillis) {
      this(iterations, concurrency, windows, windowMillis, 0, 0, 0);
    }
  }

  /**
   * Latency of one side at concurrency 1, in microseconds.
   *
   * @param p50 median
   * @param p90 90th percentile
   * @param mean mean
   */
  public record Latency(double p50, double p90, double mean) {
    static Latency of(long[] nanos) {
      long[] sorted = nanos.clone();
      Arrays.sort(sorted);
      return new Latency(
          sorted[sorted.length / 2] / 1000.0,
          sorted[Math.min(sorted.length - 1, sorted.length * 9 / 10)] / 1000.0,
          Arrays.stream(sorted).average().orElse(0) / 1000.0);
    }
  }

  /**
   * What a run measured.
   *
   * @param label what was called
   * @param raw the raw SDK call's latency
   * @param serve4j serve4j's latency
   * @param concurrency threads of the throughput run (0: none)
   * @param rawPerSecond the raw SDK calls' throughput
   * @param serve4jPerSecond serve4j's throughput
   * @param loadAverage the system load average at the end of the run (-1 if unknown)
   * @param windowP50Ratio the median over the concurrency-1 calls cut into {@code windows}
   *     consecutive windows of each window's p50 ratio serve4j / raw
   * @param blockWallRatio the median over alternating blocks of calls (one side's block, then the
   *     other's) of the per-pair ratio of wall time serve4j / raw; NaN without blocks
   * @param blockCpuRatio the same for the process's CPU time (every thread: caller, SDK, fake, GC),
   *     which load on the machine disturbs much less than wall time; NaN without blocks
   * @param rawCpuMicros the raw call's median process CPU time per call, in microseconds
   * @param serve4jCpuMicros serve4j's median CPU time per call, in microseconds
   * @param quietRounds rounds of warm-up run until the JIT compiler was quiet ({@link
   *     Settings#quietRounds}; 0: none asked for)
   * @param quiet whether the compiler was quiet (a round compiled nothing) before the measurement;
   *     false when no such warm-up was asked for or it gave up after {@link Settings#quietRounds}
   */
  public record Result(
      String label,
      Latency raw,
      Latency serve4j,
      int concurrency,
      double rawPerSecond,
      double serve4jPerSecond,
      double loadAverage,
      double windowP50Ratio,
      double blockWallRatio,
      double blockCpuRatio,
      double rawCpuMicros,
      double serve4jCpuMicros,
      int quietRounds,
      boolean quiet) {
    /**
     * serve4j's median latency over the raw call's.
     *
     * @return the ratio
     */
    public double p50Ratio() {
      return serve4j.p50() / raw.p50();
    }

    /**
     * serve4j's mean latency over the raw call's.
     *
     * @return the ratio
     */
    public double meanRatio() {
      return serve4j.mean() / raw.mean();
    }

    /**
     * The raw calls' throughput over serve4j's: like the latency ratios, above 1 when serve4j is
     * slower.
     *
     * @return the ratio, NaN without a throughput run
     */
    public double throughputRatio() {
      return concurrency == 0 ? Double.NaN : rawPerSecond / serve4jPerSecond;
    }

    /**
     * The figures as text.
     *
     * @return a few lines
     */
    public String report() {
      StringBuilder s = new StringBuilder();
      s.append(String.format(Locale.ROOT, "%s (load average %.2f)%n", label, loadAverage));
      if (quietRounds > 0) {
        s.append(
            String.format(
                Locale.ROOT,
                "  warm-up: a third of the iterations, then %d rounds of %d pairs: compiler %s%n",
                quietRounds,
                QUIET_ROUND_PAIRS,
                quiet ? "quiet" : "NOT quiet (gave up)"));
      }
      s.append(
          String.format(
              Locale.ROOT,
              "  c=1   raw SDK  p50 %8.1f us  p90 %8.1f us  mean %8.1f us%n",
              raw.p50(),
              raw.p90(),
              raw.mean()));
      s.append(
          String.format(
              Locale.ROOT,
              "  c=1   serve4j  p50 %8.1f us  p90 %8.1f us  mean %8.1f us%n",
              serve4j.p50(),
              serve4j.p90(),
              serve4j.mean()));
      s.append(
          String.format(
              Locale.ROOT,
              "  c=1   serve4j / raw: p50 %.3f  mean %.3f%n",
              p50Ratio(),
              meanRatio()));
      s.append(
          String.format(
              Locale.ROOT, "  c=1   median of per-window p50 ratios %.3f%n", windowP50Ratio));
      if (!Double.isNaN(blockCpuRatio)) {
        s.append(
            String.format(
                Locale.ROOT,
                "  blocks  CPU per call raw %.1f us  serve4j %.1f us;"
                    + " median per-pair ratio CPU %.3f  wall %.3f%n",
                rawCpuMicros,
                serve4jCpuMicros,
                blockCpuRatio,
                blockWallRatio));
      }
      if (concurrency > 0) {
        s.append(
            String.format(
                Locale.ROOT,
                "  c=%d   raw SDK %8.0f/s  serve4j %8.0f/s  raw / serve4j %.3f%n",
                concurrency,
                rawPerSecond,
                serve4jPerSecond,
                throughputRatio()));
      }
      return s.toString();
    }
  }

  /**
   * Runs both sides interleaved: latency at concurrency 1, then throughput in alternating windows.
   *
   * @param label what is called, for the report
   * @param raw the call straight through the vendor's SDK
   * @param serve4j the same call through serve4j
   * @param settings how long
   * @return the figures
   * @throws Exception if a call fails
   */
  public static Result run(String label, Call raw, Call serve4j, Settings settings)
      throws Exception {
    int n = settings.iterations();
    int warmup = Math.max(1, n / 3);
    long[] rawNanos = new long[n];
    long[] serve4jNanos = new long[n];
    for (int i = 0; i < warmup; i++) {
      if ((i & 1) == 0) {
        time(raw);
        time(serve4j);
      } else {
        time(serve4j);
        time(raw);
      }
    }
    int[] quietRounds = {0};
    boolean quiet =
        settings.quietRounds() > 0
            && untilQuiet(
                raw,
                serve4j,
                settings.quietRounds(),
                compilerMillis(),
                SideBySide::compilerIdle,
                quietRounds);
    for (int i = warmup; i < warmup + n; i++) {
      long r;
      long s;
      if ((i & 1) == 0) {
        r = time(raw);
        s = time(serve4j);
      } else {
        s = time(serve4j);
        r = time(raw);
      }
      if (i >= warmup) {
        rawNanos[i - warmup] = r;
        serve4jNanos[i - warmup] = s;
      }
    }
    int windows = Math.max(1, Math.min(settings.windows(), n));
    double[] windowRatios = new double[windows];
    for (int w = 0; w < windows; w++) {
      int from = (int) ((long) n * w / windows);
      int to = (int) ((long) n * (w + 1) / windows);
      windowRatios[w] =
          Latency.of(Arrays.copyOfRange(serve4jNanos, from, to)).p50()
              / Latency.of(Arrays.copyOfRange(rawNanos, from, to)).p50();
    }
    double[] blocks = blocks(raw, serve4j, settings.blocks(), settings.blockCalls());
    double rawRate = 0;
    double serve4jRate = 0;
    int c = settings.concurrency();
    if (c > 0) {
      ExecutorService pool = Executors.newFixedThreadPool(c);
      try {
        window(pool, c, raw, settings.windowMillis());
        window(pool, c, serve4j, settings.windowMillis());
        long[] rawCalls = new long[2];
        long[] serve4jCalls = new long[2];
        for (int w = 0; w < settings.windows(); w++) {
          if ((w & 1) == 0) {
            add(rawCalls, window(pool, c, raw, settings.windowMillis()));
            add(serve4jCalls, window(pool, c, serve4j, settings.windowMillis()));
          } else {
            add(serve4jCalls, window(pool, c, serve4j, settings.windowMillis()));
            add(rawCalls, window(pool, c, raw, settings.windowMillis()));
          }
        }
        rawRate = rawCalls[0] * 1e9 / rawCalls[1];
        serve4jRate = serve4jCalls[0] * 1e9 / serve4jCalls[1];
      } finally {
        pool.shutdownNow();
      }
    }
    return new Result(
        label,
        Latency.of(rawNanos),
        Latency.of(serve4jNanos),
        c,
        rawRate,
        serve4jRate,
        loadAverage(),
        median(windowRatios),
        blocks[0],
        blocks[1],
        blocks[2],
        blocks[3],
        quietRounds[0],
        quiet);
  }

  /** Interleaved pairs of calls in one round of the warm-up until the compiler is quiet. */
  public static final int QUIET_ROUND_PAIRS = 1000;

  /**
   * The JIT compiler's total time so far in milliseconds, or null where the JVM does not report it.
   *
   * @return the clock
   */
  static java.util.function.LongSupplier compilerMillis() {
    java.lang.management.CompilationMXBean jit =
        java.lang.management.ManagementFactory.getCompilationMXBean();
    return jit != null && jit.isCompilationTimeMonitoringSupported()
        ? jit::getTotalCompilationTime
        : null;
  }

  /**
   * Whether the JIT compiler has nothing to do: no compile running and both compile queues empty
   * (the {@code Compiler.queue} diagnostic command; true where it cannot be read). On a loaded
   * machine the compiler threads may not run for a whole round, so a round with no compile time is
   * not enough: methods still queued for C2 would be measured in C1 code.
   *
   * @return whether the compiler is idle
   */
  static boolean compilerIdle() {
    String queue;
    try {
      queue =
          String.valueOf(
              java.lang.management.ManagementFactory.getPlatformMBeanServer()
                  .invoke(
                      new javax.management.ObjectName("com.sun.management:type=DiagnosticCommand"),
                      "compilerQueue",
                      new Object[] {null},
                      new String[] {String[].class.getName()}));
    } catch (javax.management.JMException | RuntimeException e) {
      return true;
    }
    return compilerQueueEmpty(queue);
  }

  /**
   * Reads the {@code Compiler.queue} diagnostic command's text: idle when it lists no compile
   * (running ones are listed under a compiler thread, queued ones by their compile id).
   *
   * @param queue the command's output
   * @return whether it lists no compile
   */
  static boolean compilerQueueEmpty(String queue) {
    for (String line : queue.split("\\R")) {
      String l = line.strip();
      if (!l.isEmpty() && (Character.isDigit(l.charAt(0)) || l.contains("CompilerThread"))) {
        return false;
      }
    }
    return true;
  }

  /**
   * Warms both sides up until the JIT compiler is quiet: rounds of {@link #QUIET_ROUND_PAIRS}
   * interleaved pairs until a round in which the compiler's total time did not move and after which
   * it has nothing queued or running. A side whose code is still being compiled (serve4j's path has
   * more of its own than the raw SDK call) is otherwise measured partly interpreted or in C1 code:
   * provider-gcp's {@code RemotePathHarness}, Vertex Predict, the same build back to back at load
   * 20-54: median window p50 ratio / CPU ratio 1.906 / 1.534 and 1.297 / 1.316 with a third of the
   * iterations as warm-up, 1.046 / 0.983 and 1.061 / 1.086 with this warm-up.
   *
   * @param raw one side
   * @param serve4j the other
   * @param maxRounds at most this many rounds
   * @param compilerMillis the compiler's total time (null: not known, no rounds run)
   * @param compilerIdle whether the compiler has nothing queued or running
   * @param rounds where the rounds run are counted ({@code rounds[0]})
   * @return whether a round compiled nothing before {@code maxRounds}
   * @throws Exception if a call fails
   */
  static boolean untilQuiet(
      Call raw,
      Call serve4j,
      int maxRounds,
      java.util.function.LongSupplier compilerMillis,
      java.util.function.BooleanSupplier compilerIdle,
      int[] rounds)
      throws Exception {
    if (compilerMillis == null) {
      return false;
    }
    while (rounds[0] < maxRounds) {
      long before = compilerMillis.getAsLong();
      for (int i = 0; i < QUIET_ROUND_PAIRS; i++) {
        if ((i & 1) == 0) {
          raw.run();
          serve4j.run();
        } else {
          serve4j.run();
          raw.run();
        }
      }
      rounds[0]++;
      if (compilerMillis.getAsLong() == before && compilerIdle.getAsBoolean()) {
        return true;
      }
    }
    return false;
  }

  /**
   * Alternating blocks of calls, one side's block then the other's (the order alternating too),
   * each timed by wall clock and by the CPU time of the JVM's threads: {median wall ratio, median
   * CPU ratio, raw's median CPU per call in us, serve4j's}, NaNs without blocks.
   */
  private static double[] blocks(Call raw, Call serve4j, int pairs, int calls) throws Exception {
    java.lang.management.ThreadMXBean threads =
        java.lang.management.ManagementFactory.getThreadMXBean();
    if (pairs <= 0 || calls <= 0 || !threads.isThreadCpuTimeSupported()) {
      return new double[] {Double.NaN, Double.NaN, Double.NaN, Double.NaN};
    }
    double[] wall = new double[pairs];
    double[] cpu = new double[pairs];
    double[] rawCpu = new double[pairs];
    double[] serve4jCpu = new double[pairs];
    for (int p = 0; p < pairs; p++) {
      long[] r;
      long[] s;
      if ((p & 1) == 0) {
        r = block(raw, calls, threads);
        s = block(serve4j, calls, threads);
      } else {
        s = block(serve4j, calls, threads);
        r = block(raw, calls, threads);
      }
      wall[p] = (double) s[0] / r[0];
      cpu[p] = (double) s[1] / r[1];
      rawCpu[p] = r[1] / 1000.0 / calls;
      serve4jCpu[p] = s[1] / 1000.0 / calls;
    }
    return new double[] {median(wall), median(cpu), median(rawCpu), median(serve4jCpu)};
  }

  /**
   * {wall nanos, CPU nanos} of {@code calls} calls; the CPU time is the sum over the JVM's live
   * threads (caller, SDK, event loops, the fake's threads; not GC or JIT threads), read per thread
   * with nanosecond resolution (the process's total moves in 10 ms steps here).
   */
  private static long[] block(Call call, int calls, java.lang.management.ThreadMXBean threads)
      throws Exception {
    Map<Long, Long> before = threadCpu(threads);
    long start = System.nanoTime();
    for (int i = 0; i < calls; i++) {
      call.run();
    }
    long wall = System.nanoTime() - start;
    long used = 0;
    for (Map.Entry<Long, Long> e : threadCpu(threads).entrySet()) {
      used += e.getValue() - before.getOrDefault(e.getKey(), 0L);
    }
    return new long[] {wall, used};
  }

  private static Map<Long, Long> threadCpu(java.lang.management.ThreadMXBean threads) {
    Map<Long, Long> cpu = new HashMap<>();
    for (long id : threads.getAllThreadIds()) {
      long t = threads.getThreadCpuTime(id);
      if (t >= 0) {
        cpu.put(id, t);
      }
    }
    return cpu;
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int m = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
  }

  /** The one-minute load average (Linux), -1 elsewhere. */
  private static double loadAverage() {
    try {
      return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  private static long time(Call call) throws Exception {
    long start = System.nanoTime();
    call.run();
    return System.nanoTime() - start;
  }

  private static void add(long[] total, long[] window) {
    total[0] += window[0];
    total[1] += window[1];
  }

  /** Runs the call on every thread until the window closes: {calls, nanos}. */
  private static long[] window(ExecutorService pool, int threads, Call call, long millis)
      throws Exception {
    AtomicLong calls = new AtomicLong();
    long start = System.nanoTime();
    long end = start + millis * 1_000_000;
    List<Future<?>> running = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      running.add(
          pool.submit(
              () -> {
                long mine = 0;
                while (System.nanoTime() < end) {
                  call.run();
                  mine++;
                }
                calls.addAndGet(mine);
                return null;
              }));
    }
    for (Future<?> f : running) {
      f.get();
    }
    return new long[] {calls.get(), System.nanoTime() - start};
  }

  /**
   * The input both sides of a remote-path harness send, and the check of their answers: one FP32
   * row {@code [1, n]} of values on both sides of zero ({@code n} = {@code harness.elements}, 256),
   * whose ReLU the fakes answer.
   */
  public static final class ReluRow {
    private final long[] shape;
    private final float[] x;
    private final float[] expected;

    private ReluRow(int elements) {
      shape = new long[] {1, elements};
      x = new float[elements];
      expected = new float[elements];
      for (int i = 0; i < elements; i++) {
        x[i] = (i % 7) - 3.25f + i / 1024f;
        expected[i] = Math.max(0f, x[i]);
      }
    }

    /**
     * A row of {@code harness.elements} (256) values.
     *
     * @return the row
     */
    public static ReluRow fromSystemProperties() {
      return new ReluRow(Integer.getInteger("harness.elements", 256));
    }

    /**
     * The number of values.
     *
     * @return {@code n}
     */
    public int elements() {
      return x.length;
    }

    /**
     * The shape, {@code [1, n]} (shared: do not change).
     *
     * @return the shape
     */
    public long[] shape() {
      return shape;
    }

    /**
     * The values (shared: do not change).
     *
     * @return the values
     */
    public float[] x() {
      return x;
    }

    /**
     * Checks an answer (cheaply when it is right).
     *
     * @param y the answer's values
     * @throws AssertionError unless they are ReLU(x)
     */
    public void check(float[] y) {
      if (!Arrays.equals(y, expected)) {
        org.assertj.core.api.Assertions.assertThat(y).containsExactly(expected);
      }
    }
  }

  /**
   * The raw side's codec for Open Inference Protocol JSON: what a user calling the SDK directly
   * would write, Jackson data binding of one FP32 tensor from and to a {@code float[]}, with
   * Jackson's fast floating-point writer and parser on (as serve4j's codec has them: on Java 17
   * {@code Float.toString} is several times slower, and a careful user turns them on).
   */
  public static final class RawOipJson {
    private static final ObjectMapper JSON =
        new ObjectMapper(
            JsonFactory.builder()
                .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
                .enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER)
                .build());

    private RawOipJson() {}

    /**
     * One tensor of a request or response body.
     *
     * @param name the name
     * @param datatype the element type
     * @param shape the shape
     * @param data the elements, row-major
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record TensorJson(String name, String datatype, long[] shape, float[] data) {}

    /**
     * A request body.
     *
     * @param inputs the inputs
     */
    public record RequestJson(List<TensorJson> inputs) {}

    /**
     * A response body (other fields ignored).
     *
     * @param outputs the outputs
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record ResponseJson(List<TensorJson> outputs) {}

    /**
     * Encodes a request of one FP32 input.
     *
     * @param name the input's name
     * @param shape its shape
     * @param data its elements
     * @return the JSON body
     */
    public static byte[] request(String name, long[] shape, float[] data) {
      try {
        return JSON.writeValueAsBytes(
            new RequestJson(List.of(new TensorJson(name, "FP32", shape, data))));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /**
     * Decodes the elements of a response's first output.
     *
     * @param body the JSON body
     * @return the elements
     */
    public static float[] firstOutput(byte[] body) {
      try {
        return JSON.readValue(body, ResponseJson.class).outputs().get(0).data();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
