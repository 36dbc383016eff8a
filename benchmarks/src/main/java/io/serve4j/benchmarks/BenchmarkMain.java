package io.serve4j.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs the whole suite with the same JVM settings for every runtime and writes, under the results
 * directory (first argument, default {@code benchmarks/results}), one JMH JSON file per part and
 * round and {@code table.txt}: the figures and each serve4j figure as a ratio to raw ONNX Runtime
 * and to DJL from the same run.
 *
 * <p>Each round runs, at 1, 8 and 32 threads, every model with every runtime in JMH's SampleTime
 * mode with the GC profiler; within a part JMH runs the runtimes of one model one after the other,
 * so that compared runtimes are measured close in time. Throughput is threads / mean latency
 * (closed loop: every thread always has one prediction in flight). After the rounds, {@code cold}
 * measures deploy to first prediction, one shot per fresh JVM. Figures are medians over rounds,
 * ratios the median of the per-round ratios.
 *
 * <p>System properties: {@code bench.rounds} (default 2), {@code bench.threads} (default {@code
 * 1,8,32}), {@code bench.cold} (default true), {@code bench.models}, {@code bench.runtimes} (comma
 * lists), {@code bench.warmup} / {@code bench.measure} (iterations, default 3 / 4), {@code
 * bench.seconds} (per iteration, default 1), {@code bench.coldForks} (default 3), {@code
 * bench.prof} (extra JMH profilers, e.g. {@code stack}), and {@code serve4j.bench.*} (see {@link
 * Serve4jEngine}), passed on to the forks.
 */
public final class BenchmarkMain {
  private BenchmarkMain() {}

  /**
   * Runs the suite.
   *
   * @param args optional results directory
   * @throws RunnerException if JMH fails
   */
  public static void main(String[] args) throws RunnerException {
    Path dir = Paths.get(args.length > 0 ? args[0] : "benchmarks/results");
    int rounds = Integer.getInteger("bench.rounds", 2);
    String[] models = list("bench.models", "minilm16,minilm128,mlp,cnn").toArray(new String[0]);
    String[] runtimes =
        list("bench.runtimes", "ort,djl,serve4j,serve4j_batched").toArray(new String[0]);
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Report report = new Report(models, runtimes);
    for (int round = 1; round <= rounds; round++) {
      for (String t : list("bench.threads", "1,8,32")) {
        int threads = Integer.parseInt(t);
        ChainedOptionsBuilder o =
            new OptionsBuilder()
                .include(InferenceBenchmark.class.getName() + ".predict")
                .param("model", models)
                .threads(threads)
                .mode(Mode.SampleTime)
                .timeUnit(TimeUnit.MICROSECONDS)
                .warmupIterations(Integer.getInteger("bench.warmup", 3))
                .measurementIterations(Integer.getInteger("bench.measure", 4))
                .warmupTime(TimeValue.seconds(Integer.getInteger("bench.seconds", 1)))
                .measurementTime(TimeValue.seconds(Integer.getInteger("bench.seconds", 1)))
                .forks(1)
                .addProfiler(GCProfiler.class);
        for (String p : System.getProperty("bench.prof", "").split(",")) {
          int colon = p.indexOf(':');
          if (colon > 0) {
            o.addProfiler(p.substring(0, colon), p.substring(colon + 1));
          } else if (!p.isBlank()) {
            o.addProfiler(p.trim());
          }
        }
        String part = "round" + round + "-c" + threads;
        report.add(round, run(o, runtimes, dir, part));
        write(dir, report);
      }
    }
    if (Boolean.parseBoolean(System.getProperty("bench.cold", "true"))) {
      List<String> cold = new ArrayList<>(List.of(models));
      cold.remove("minilm128"); // the same file and session as minilm16
      if (!cold.isEmpty()) {
        ChainedOptionsBuilder o =
            new OptionsBuilder()
                .include(ColdStartBenchmark.class.getName() + ".deployToFirstPrediction")
                .param("model", cold.toArray(new String[0]))
                .forks(Integer.getInteger("bench.coldForks", 3));
        report.add(0, run(o, runtimes, dir, "cold"));
        write(dir, report);
      }
    }
    System.out.println();
    System.out.println(report.format());
  }

  private static List<RunResult> run(
      ChainedOptionsBuilder o, String[] runtimes, Path dir, String part) throws RunnerException {
    o.param("runtime", runtimes)
        .jvmArgs(jvmArgs())
        .shouldFailOnError(false)
        .result(dir.resolve(part + ".json").toString())
        .resultFormat(ResultFormatType.JSON);
    return new ArrayList<>(new Runner(o.build()).run());
  }

  /** The same for every fork: fixed heap, offline DJL, and the serve4j.bench.* settings. */
  private static String[] jvmArgs() {
    List<String> a = new ArrayList<>(List.of("-Xms1g", "-Xmx1g", "-Doffline=true"));
    for (String k : System.getProperties().stringPropertyNames()) {
      if (k.startsWith("serve4j.bench.") || k.startsWith("DJL_") || k.equals("ai.djl.offline")) {
        a.add("-D" + k + "=" + System.getProperty(k));
      }
    }
    return a.toArray(new String[0]);
  }

  private static void write(Path dir, Report report) {
    try {
      Files.writeString(dir.resolve("table.txt"), report.format(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<String> list(String property, String defaults) {
    List<String> out = new ArrayList<>();
    for (String s : System.getProperty(property, defaults).split(",")) {
      if (!s.isBlank()) {
        out.add(s.trim().toLowerCase(Locale.ROOT));
      }
    }
    return out;
  }
}
