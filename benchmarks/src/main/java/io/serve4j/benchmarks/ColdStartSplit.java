package io.serve4j.benchmarks;

import io.serve4j.DeploymentSpec;
import io.serve4j.Endpoint;
import io.serve4j.EndpointSpec;
import io.serve4j.InferenceRequest;
import io.serve4j.Model;
import io.serve4j.Operation;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.local.LocalOptions;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Locale;

/**
 * Where a cold start goes, in one fresh JVM: the elapsed time and the main thread's CPU time at
 * each step of serve4j's path (client, specs, deploy call, deployed, request, first prediction) or
 * of raw ONNX Runtime's (session, first prediction), then every thread's CPU time from {@code
 * /proc/self/task/N/schedstat} (nanoseconds; native threads included, e.g. ONNX Runtime's intra-op
 * pool, which inherits the name of the thread that created it). Linux only.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.serve4j.benchmarks.ColdStartSplit serve4j mlp env
 * </pre>
 *
 * <p>Arguments: {@code ort} or {@code serve4j}, a model ({@code mlp}, {@code cnn}, {@code
 * minilm16}), and optionally {@code env}: ONNX Runtime's environment (its native library) is
 * created before the clock starts, which takes the largest and noisiest part out of both sides.
 * Steps are recorded as numbers and printed at the end, so that printing costs nothing in them.
 */
public final class ColdStartSplit {
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
  private static final String[] NAMES = new String[16];
  private static final long[] ELAPSED = new long[16];
  private static final long[] CPU = new long[16];
  private static int marks;
  private static long start;
  private static long cpuStart;

  private ColdStartSplit() {}

  /**
   * Runs one cold start and prints its split.
   *
   * @param args {@code ort|serve4j MODEL [env]}
   * @throws Exception if the run fails
   */
  public static void main(String[] args) throws Exception {
    Workload workload = Workload.of(args[1]);
    workload.file();
    if (args.length > 2 && args[2].equals("env")) {
      ai.onnxruntime.OrtEnvironment.getEnvironment();
    }
    THREADS.getCurrentThreadCpuTime();
    cpuStart = THREADS.getCurrentThreadCpuTime();
    start = System.nanoTime();
    if (args[0].equals("ort")) {
      Engine e = Engine.open(Engine.Kind.of("ort"), workload);
      mark("session");
      e.predict();
      mark("first");
    } else {
      ServingClient client =
          Serve4j.client(
              LocalOptions.builder()
                  .isolated(true)
                  .intraOpThreads(OrtEngine.intraOpThreads())
                  .build());
      mark("client");
      DeploymentSpec d =
          DeploymentSpec.builder().name("main").model(Model.onnx("m", workload.file())).build();
      EndpointSpec spec = EndpointSpec.builder().name("bench").deployment(d).build();
      mark("specs");
      Operation<Endpoint> op = client.deploy(spec);
      mark("deployCall");
      Endpoint endpoint = op.await();
      mark("deployed");
      InferenceRequest request = workload.request();
      mark("request");
      endpoint.predict(request);
      mark("first");
    }
    StringBuilder out = new StringBuilder(args[0]).append(" elapsed/main-thread CPU ms:");
    for (int i = 0; i < marks; i++) {
      out.append(
          String.format(Locale.ROOT, " %s=%.1f/%.1f", NAMES[i], ELAPSED[i] / 1e6, CPU[i] / 1e6));
    }
    out.append("\nthreads (CPU ms):");
    try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Paths.get("/proc/self/task"))) {
      for (Path t : tasks) {
        out.append(' ')
            .append(Files.readString(t.resolve("comm")).trim().replace(' ', '_'))
            .append('=')
            .append(String.format(Locale.ROOT, "%.1f", schedNanos(t) / 1e6));
      }
    }
    System.out.println(out);
    System.exit(0);
  }

  private static long schedNanos(Path task) throws IOException {
    String s = Files.readString(task.resolve("schedstat")).trim();
    return Long.parseLong(s.substring(0, s.indexOf(' ')));
  }

  private static void mark(String step) {
    CPU[marks] = THREADS.getCurrentThreadCpuTime() - cpuStart;
    ELAPSED[marks] = System.nanoTime() - start;
    NAMES[marks++] = step;
  }
}
