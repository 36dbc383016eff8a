package io.serve4j.benchmarks;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Steady-state predictions: one engine per trial, shared by all benchmark threads (the concurrency
 * is JMH's thread count). Mode, threads and iterations come from {@link BenchmarkMain}; the
 * annotations are the defaults for a plain {@code org.openjdk.jmh.Main} run.
 */
@State(Scope.Benchmark)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-Doffline=true"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 4, time = 1)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class InferenceBenchmark {
  /** The model: {@code minilm16}, {@code minilm128}, {@code mlp}, {@code cnn}. */
  @Param({"minilm16", "minilm128", "mlp", "cnn"})
  public String model;

  /** The runtime: {@code ort}, {@code djl}, {@code serve4j}, {@code serve4j_batched}. */
  @Param({"ort", "djl", "serve4j", "serve4j_batched"})
  public String runtime;

  private Engine opened;

  /**
   * Opens the engine and checks that it answers.
   *
   * @throws Exception if it cannot
   */
  @Setup(Level.Trial)
  public void open() throws Exception {
    opened = Engine.open(Engine.Kind.of(runtime), Workload.of(model));
    opened.predict();
  }

  /**
   * Closes the engine.
   *
   * @throws Exception if closing fails
   */
  @TearDown(Level.Trial)
  public void close() throws Exception {
    if (opened != null) {
      opened.close();
    }
  }

  /**
   * One one-row prediction.
   *
   * @return the outputs
   * @throws Exception if the run fails
   */
  @Benchmark
  public Object predict() throws Exception {
    return opened.predict();
  }
}
