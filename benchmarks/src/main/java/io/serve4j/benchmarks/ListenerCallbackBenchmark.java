package io.serve4j.benchmarks;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.serve4j.CallInfo;
import io.serve4j.InferenceResponse;
import io.serve4j.OperationKind;
import io.serve4j.ServingListener;
import io.serve4j.micrometer.MicrometerServingListener;
import io.serve4j.opentelemetry.OpenTelemetryServingListener;
import java.time.Duration;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The listener's own work for one successful prediction, without the model: the events core sends a
 * listener for a predict call ({@code forCall}, {@code onStart}, the attempt scope, {@code
 * onResponse}, {@code onSuccess}), on the listener alone. What {@link ListenerOverheadBenchmark}
 * cannot resolve on a loaded machine, this measures in nanoseconds; divided by the MLP's latency it
 * is the overhead ratio.
 */
@State(Scope.Benchmark)
@Fork(value = 1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Threads(1)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ListenerCallbackBenchmark {
  /** {@code micrometer} or {@code opentelemetry}. */
  @Param({"micrometer", "opentelemetry"})
  public String listener;

  private ServingListener l;
  private OpenTelemetrySdk otel;
  private final InferenceResponse response = InferenceResponse.builder().deployment("main").build();
  private final Duration elapsed = Duration.ofNanos(6_530);
  private long ids;

  /** Creates the listener. */
  @Setup(Level.Trial)
  public void open() {
    if (listener.equals("micrometer")) {
      l = new MicrometerServingListener(new SimpleMeterRegistry());
    } else {
      otel =
          OpenTelemetrySdk.builder()
              .setTracerProvider(SdkTracerProvider.builder().build())
              .setMeterProvider(
                  SdkMeterProvider.builder()
                      .registerMetricReader(InMemoryMetricReader.create())
                      .build())
              .build();
      l = new OpenTelemetryServingListener(otel);
    }
  }

  /** Closes the SDK. */
  @TearDown(Level.Trial)
  public void close() {
    if (otel != null) {
      otel.close();
    }
  }

  /**
   * One predict call's events.
   *
   * @return the per-call listener
   */
  @Benchmark
  public Object predictEvents() {
    CallInfo info = new CallInfo("local", OperationKind.PREDICT, "bench", "id-" + (ids++ & 1023));
    ServingListener c = l.forCall(info);
    c.onStart(info);
    try (ServingListener.Scope s = c.onAttempt(info, 1)) {
      c.onResponse(info, response);
    }
    c.onSuccess(info, elapsed);
    return c;
  }
}
