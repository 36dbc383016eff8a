package io.serve4j.benchmarks;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.serve4j.BatchingPolicy;
import io.serve4j.Endpoint;
import io.serve4j.InferenceRequest;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
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
 * The cost of observing every call: the MLP on the local runtime at concurrency 1, with no
 * listener, with serve4j-micrometer's listener (meters only, on a {@code SimpleMeterRegistry}),
 * with it and an {@code ObservationRegistry} that has a handler (so every call is a real
 * observation), and with serve4j-opentelemetry's listener on the OpenTelemetry SDK (spans sampled,
 * no exporter; metrics into an in-memory reader). {@code batched} runs the deployment with dynamic
 * batching, so the batch meters are recorded too.
 *
 * <pre>{@code
 * java -cp benchmarks/target/benchmarks.jar org.openjdk.jmh.Main ListenerOverheadBenchmark
 * }</pre>
 */
@State(Scope.Benchmark)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Threads(1)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class ListenerOverheadBenchmark {
  /** {@code none}, {@code micrometer}, {@code micrometer_observation}, {@code opentelemetry}. */
  @Param({"none", "micrometer", "micrometer_observation", "opentelemetry"})
  public String listener;

  /** Whether the deployment batches dynamically. */
  @Param({"false", "true"})
  public boolean batched;

  private ServingClient client;
  private Endpoint endpoint;
  private InferenceRequest request;
  private OpenTelemetrySdk otel;

  /** Deploys the MLP with the listener asked for. */
  @Setup(Level.Trial)
  public void open() {
    Serve4j.Builder b = Serve4jEngine.clientBuilder();
    switch (listener) {
      case "none" -> {}
      case "micrometer" -> b.listener(new MicrometerServingListener(new SimpleMeterRegistry()));
      case "micrometer_observation" -> {
        ObservationRegistry observations = ObservationRegistry.create();
        // A handler that does nothing: every call is a started and stopped observation.
        observations.observationConfig().observationHandler(c -> true);
        b.listener(new MicrometerServingListener(new SimpleMeterRegistry(), observations));
      }
      case "opentelemetry" -> {
        otel =
            OpenTelemetrySdk.builder()
                .setTracerProvider(SdkTracerProvider.builder().build())
                .setMeterProvider(
                    SdkMeterProvider.builder()
                        .registerMetricReader(InMemoryMetricReader.create())
                        .build())
                .build();
        b.listener(new OpenTelemetryServingListener(otel));
      }
      default -> throw new IllegalArgumentException("listener " + listener);
    }
    client = b.build();
    Workload workload = Workload.of("mlp");
    endpoint =
        Serve4jEngine.deploy(
            client, workload, batched ? BatchingPolicy.of(16, Duration.ofMillis(1)) : null);
    request = workload.request();
    endpoint.predict(request);
  }

  /** Closes the client. */
  @TearDown(Level.Trial)
  public void close() {
    client.close();
    if (otel != null) {
      otel.close();
    }
  }

  /**
   * One one-row prediction.
   *
   * @return the response
   */
  @Benchmark
  public Object predict() {
    return endpoint.predict(request);
  }
}
