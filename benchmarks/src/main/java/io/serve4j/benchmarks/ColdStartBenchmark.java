package io.serve4j.benchmarks;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Cold start: in a fresh JVM (one measurement per fork), from nothing to the first prediction's
 * outputs: ONNX Runtime's native library, the session (and for serve4j the client and the deploy
 * operation, for DJL the engine and the model), then one prediction. The model file is written
 * before the timer starts. {@link ColdStart} measures the same with the runtimes taking turns and
 * reports CPU time too: the figures to use on a loaded machine.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@Fork(
    value = 3,
    jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-Doffline=true"})
@Warmup(iterations = 0)
@Measurement(iterations = 1)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class ColdStartBenchmark {
  /** The model. */
  @Param({"minilm16", "mlp", "cnn"})
  public String model;

  /** The runtime (named so that JMH orders it after the model). */
  @Param({"ort", "djl", "serve4j", "serve4j_batched"})
  public String runtime;

  private Workload workload;
  private Engine.Kind kind;
  private Engine opened;

  /** Writes the model file, outside the timer. */
  @Setup(Level.Trial)
  public void prepare() {
    workload = Workload.of(model);
    workload.file();
    kind = Engine.Kind.of(runtime);
  }

  /**
   * Deploy and first prediction; the engine is closed after the timer stops.
   *
   * @return the first outputs
   * @throws Exception if anything fails
   */
  @Benchmark
  public Object deployToFirstPrediction() throws Exception {
    opened = Engine.open(kind, workload);
    return opened.predict();
  }

  /**
   * Closes the engine, outside the timer.
   *
   * @throws Exception if closing fails
   */
  @TearDown(Level.Iteration)
  public void close() throws Exception {
    if (opened != null) {
      opened.close();
      opened = null;
    }
  }
}
