package io.serve4j.gcp;

import com.google.api.gax.core.NoCredentialsProvider;
import com.google.cloud.aiplatform.v1.PredictionServiceClient;
import com.google.cloud.aiplatform.v1.PredictionServiceSettings;
import com.google.cloud.storage.contrib.nio.testing.LocalStorageHelper;
import io.serve4j.Endpoint;
import io.serve4j.EndpointSpec;
import io.serve4j.InferenceRequest;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.Tensor;
import io.serve4j.testkit.ContractModels;
import io.serve4j.testkit.SideBySide;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The Vertex Predict call's costs per call, serve4j beside the raw client (issue 22's remote path):
 * CPU and allocation of the calling thread, of the whole process, and the threads that run a part
 * of each call (read from the process's per-thread CPU clocks: a thread that ran at least 1 us per
 * call of a block). Alternating blocks of {@code profile.calls} calls, the medians printed. Off by
 * default:
 *
 * <pre>{@code
 * ./mvnw -B -o -pl provider-gcp -am test -Dtest=VertexPredictProfile -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dserve4j.harness=true -Dprofile.calls=2000 -Dprofile.blocks=10
 * }</pre>
 *
 * With {@code -Dprofile.only=serve4j} (or {@code raw}) only that side runs, for a JFR profile.
 */
@EnabledIfSystemProperty(named = "serve4j.harness", matches = "true")
class VertexPredictProfile {
  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
  private static final com.sun.management.OperatingSystemMXBean OS =
      (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

  private final SideBySide.ReluRow input = SideBySide.ReluRow.fromSystemProperties();
  private final long[] shape = input.shape();
  private final float[] x = input.x();

  @Test
  void predictCostsPerCall() throws Exception {
    try (FakeVertex vertex = new FakeVertex(Duration.ofMillis(20), 1, ContractModels::reluAnswer);
        PredictionServiceClient raw =
            PredictionServiceClient.create(
                PredictionServiceSettings.newBuilder()
                    .setCredentialsProvider(NoCredentialsProvider.create())
                    .setTransportChannelProvider(vertex.channelProvider())
                    .build());
        ServingClient client =
            Serve4j.builder()
                .options(
                    GcpOptions.builder()
                        .project("test-project")
                        .location("us-central1")
                        .credentialsProvider(NoCredentialsProvider.create())
                        .transportChannelProvider(vertex.channelProvider())
                        .storage(LocalStorageHelper.getOptions().getService())
                        .stagingBucket("staging")
                        .tritonImage(FakeVertex.TRITON_IMAGE)
                        .pollInterval(Duration.ofMillis(20))
                        .build())
                .build()) {
      client.deploy(EndpointSpec.of("churn", FakeVertex.sklearnModel())).await();
      // -Dprofile.rawPredictFirst=N: N RawPredict calls of each side first (as RemotePathHarness
      // makes them before its Predict part), to see what that leaves in the JIT's profiles.
      int rawPredictFirst = Integer.getInteger("profile.rawPredictFirst", 0);
      if (rawPredictFirst > 0) {
        client
            .deploy(
                EndpointSpec.of(
                    "relu",
                    io.serve4j.Model.builder()
                        .name("relu")
                        .format(io.serve4j.ModelFormat.CUSTOM_CONTAINER)
                        .image(FakeVertex.TRITON_IMAGE)
                        .build()))
            .await();
        Endpoint relu = client.endpoint("relu");
        String reluName = relu.describe().details().get("resourceName");
        for (int i = 0; i < rawPredictFirst; i++) {
          com.google.api.HttpBody answer =
              raw.rawPredictCallable()
                  .call(
                      com.google.cloud.aiplatform.v1.RawPredictRequest.newBuilder()
                          .setEndpoint(reluName)
                          .setHttpBody(
                              com.google.api.HttpBody.newBuilder()
                                  .setContentType("application/json")
                                  .setData(
                                      com.google.protobuf.UnsafeByteOperations.unsafeWrap(
                                          SideBySide.RawOipJson.request("x", shape, x))))
                          .build());
          input.check(SideBySide.RawOipJson.firstOutput(answer.getData().toByteArray()));
          input.check(
              relu.predict(InferenceRequest.of(Tensor.ofFloats("x", shape, x)))
                  .output("y")
                  .asFloats());
        }
      }
      Endpoint churn = client.endpoint("churn");
      String churnName = churn.describe().details().get("resourceName");
      SideBySide.Call rawCall =
          () -> input.check(RemotePathHarness.rawPredict(raw, churnName, x, null));
      SideBySide.Call serve4jCall =
          () ->
              input.check(
                  churn
                      .predict(InferenceRequest.of(Tensor.ofFloats("x", shape, x)))
                      .output("predictions")
                      .asFloats());
      int calls = Integer.getInteger("profile.calls", 2000);
      int blocks = Integer.getInteger("profile.blocks", 10);
      String only = System.getProperty("profile.only", "");
      if (!only.isEmpty()) {
        SideBySide.Call c = only.equals("raw") ? rawCall : serve4jCall;
        long end = System.nanoTime() + Long.getLong("profile.seconds", 30) * 1_000_000_000L;
        long n = 0;
        while (System.nanoTime() < end) {
          c.run();
          n++;
        }
        System.out.printf("%s only: %d calls%n", only, n);
        return;
      }
      for (int i = 0; i < calls * 2; i++) {
        rawCall.run();
        serve4jCall.run();
      }
      // -Dprofile.quiet=true: then warm up in rounds of 1,000 pairs until a round compiled
      // nothing (the JIT compiler's total time unchanged; at most profile.quietRounds rounds).
      if (Boolean.getBoolean("profile.quiet")) {
        java.lang.management.CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        int rounds = 0;
        int max = Integer.getInteger("profile.quietRounds", 60);
        long before;
        do {
          before = jit.getTotalCompilationTime();
          for (int i = 0; i < 1000; i++) {
            rawCall.run();
            serve4jCall.run();
          }
          rounds++;
        } while (jit.getTotalCompilationTime() != before && rounds < max);
        System.out.printf(
            "warm-up until the compiler is quiet: %d rounds of 1,000 pairs, %s%n",
            rounds, rounds < max ? "quiet" : "NOT quiet");
      }
      java.util.Map<String, Double> rawByName = new java.util.TreeMap<>();
      java.util.Map<String, Double> serve4jByName = new java.util.TreeMap<>();
      java.util.Map<String, double[]> rawSwitches = new java.util.TreeMap<>();
      java.util.Map<String, double[]> serve4jSwitches = new java.util.TreeMap<>();
      double[][] r = new double[7][blocks];
      double[][] s = new double[7][blocks];
      for (int b = 0; b < blocks; b++) {
        boolean rawFirst = b % 2 == 0;
        BY_NAME = rawFirst ? rawByName : serve4jByName;
        SWITCHES = rawFirst ? rawSwitches : serve4jSwitches;
        measure(rawFirst ? rawCall : serve4jCall, calls, rawFirst ? r : s, b);
        BY_NAME = rawFirst ? serve4jByName : rawByName;
        SWITCHES = rawFirst ? serve4jSwitches : rawSwitches;
        measure(rawFirst ? serve4jCall : rawCall, calls, rawFirst ? s : r, b);
      }
      String[] what = {
        "wall us/call",
        "caller CPU us/call",
        "process CPU us/call",
        "caller alloc B/call",
        "all-threads alloc B/call",
        "threads with CPU per block",
        "threads started per 1k calls"
      };
      System.out.printf(
          "Vertex Predict FP32 [1,%d], %d blocks x %d calls, load average %.2f%n",
          x.length, blocks, calls, OS.getSystemLoadAverage());
      for (int k = 0; k < what.length; k++) {
        System.out.printf(
            "  %-28s raw %10.1f  serve4j %10.1f  ratio %.3f%n",
            what[k], median(r[k]), median(s[k]), median(s[k]) / median(r[k]));
      }
      System.out.println("  CPU us/call by thread (mean over blocks), raw / serve4j:");
      Set<String> names = new java.util.TreeSet<>(rawByName.keySet());
      names.addAll(serve4jByName.keySet());
      for (String n : names) {
        double a = rawByName.getOrDefault(n, 0.0) / blocks;
        double c = serve4jByName.getOrDefault(n, 0.0) / blocks;
        if (a > 0.2 || c > 0.2) {
          System.out.printf("    %-40s %8.1f %8.1f%n", n, a, c);
        }
      }
      System.out.println(
          "  per call by native thread name (mean over blocks; GC and JIT threads included):"
              + " voluntary switches raw / serve4j, involuntary raw / serve4j, on-CPU us raw /"
              + " serve4j (schedstat):");
      Set<String> switched = new java.util.TreeSet<>(rawSwitches.keySet());
      switched.addAll(serve4jSwitches.keySet());
      for (String n : switched) {
        double[] a = rawSwitches.getOrDefault(n, new double[3]);
        double[] c = serve4jSwitches.getOrDefault(n, new double[3]);
        if (a[0] + c[0] + a[1] + c[1] > 0.01 * blocks || a[2] + c[2] > 0.2 * blocks) {
          System.out.printf(
              "    %-20s %6.3f %6.3f   %6.3f %6.3f   %7.1f %7.1f%n",
              n,
              a[0] / blocks,
              c[0] / blocks,
              a[1] / blocks,
              c[1] / blocks,
              a[2] / blocks,
              c[2] / blocks);
        }
      }
    }
  }

  private static void measure(SideBySide.Call call, int calls, double[][] into, int b)
      throws Exception {
    long[] ids = THREADS.getAllThreadIds();
    long[] cpu0 = new long[ids.length];
    for (int i = 0; i < ids.length; i++) {
      cpu0[i] = THREADS.getThreadCpuTime(ids[i]);
    }
    long[] alloc0 = THREADS.getThreadAllocatedBytes(ids);
    long self = Thread.currentThread().getId();
    long wall0 = System.nanoTime();
    long callerCpu0 = THREADS.getCurrentThreadCpuTime();
    long callerAlloc0 = THREADS.getThreadAllocatedBytes(self);
    long proc0 = OS.getProcessCpuTime();
    long started0 = THREADS.getTotalStartedThreadCount();
    java.util.Map<String, long[]> switches0 = switches();
    for (int i = 0; i < calls; i++) {
      call.run();
    }
    java.util.Map<String, long[]> switches1 = switches();
    if (SWITCHES != null) {
      for (java.util.Map.Entry<String, long[]> e : switches1.entrySet()) {
        long[] a = switches0.getOrDefault(e.getKey(), new long[3]);
        double[] into2 = SWITCHES.computeIfAbsent(e.getKey(), k -> new double[3]);
        into2[0] += (double) (e.getValue()[0] - a[0]) / calls;
        into2[1] += (double) (e.getValue()[1] - a[1]) / calls;
        into2[2] += (e.getValue()[2] - a[2]) / 1e3 / calls;
      }
    }
    long proc1 = OS.getProcessCpuTime();
    long started1 = THREADS.getTotalStartedThreadCount();
    long callerAlloc1 = THREADS.getThreadAllocatedBytes(self);
    long callerCpu1 = THREADS.getCurrentThreadCpuTime();
    long wall1 = System.nanoTime();
    long[] alloc1 = THREADS.getThreadAllocatedBytes(ids);
    long allocSum = 0;
    Set<Long> busy = new HashSet<>();
    for (int i = 0; i < ids.length; i++) {
      if (alloc0[i] >= 0 && alloc1[i] >= 0) {
        allocSum += alloc1[i] - alloc0[i];
      }
      long c1 = THREADS.getThreadCpuTime(ids[i]);
      // a thread that ran at least 1 us per call of this block took part in it
      if (cpu0[i] >= 0 && c1 - cpu0[i] > 1_000L * calls) {
        busy.add(ids[i]);
      }
      if (cpu0[i] >= 0 && c1 > cpu0[i] && BY_NAME != null) {
        java.lang.management.ThreadInfo info = THREADS.getThreadInfo(ids[i]);
        String name = info == null ? "?" : info.getThreadName().replaceAll("[0-9]+", "N");
        BY_NAME.merge(name, (c1 - cpu0[i]) / 1e3 / calls, Double::sum);
      }
    }
    into[0][b] = (wall1 - wall0) / 1e3 / calls;
    into[1][b] = (callerCpu1 - callerCpu0) / 1e3 / calls;
    into[2][b] = (proc1 - proc0) / 1e3 / calls;
    into[3][b] = (double) (callerAlloc1 - callerAlloc0) / calls;
    into[4][b] = (double) allocSum / calls;
    into[5][b] = busy.size();
    into[6][b] = (started1 - started0) * 1000.0 / calls;
  }

  /** Context switches per call by thread name (voluntary, involuntary), summed over blocks. */
  private static java.util.Map<String, double[]> SWITCHES;

  /**
   * Context switches so far by thread name (the kernel's 15-character name, digits as N), from
   * /proc/self/task/N/status: voluntary (the thread blocked: parked, waiting for a hand-off) and
   * involuntary (preempted). Empty where /proc is not there.
   */
  private static java.util.Map<String, long[]> switches() {
    java.util.Map<String, long[]> out = new java.util.HashMap<>();
    java.io.File[] tasks = new java.io.File("/proc/self/task").listFiles();
    if (tasks == null) {
      return out;
    }
    for (java.io.File t : tasks) {
      try {
        String name = null;
        long vol = 0;
        long invol = 0;
        for (String line :
            java.nio.file.Files.readAllLines(new java.io.File(t, "status").toPath())) {
          if (line.startsWith("Name:")) {
            name = line.substring(5).trim().replaceAll("[0-9]+", "N");
          } else if (line.startsWith("voluntary_ctxt_switches:")) {
            vol = Long.parseLong(line.substring(24).trim());
          } else if (line.startsWith("nonvoluntary_ctxt_switches:")) {
            invol = Long.parseLong(line.substring(27).trim());
          }
        }
        long onCpu = 0;
        try {
          String sched =
              java.nio.file.Files.readString(new java.io.File(t, "schedstat").toPath()).trim();
          onCpu = Long.parseLong(sched.split(" ")[0]);
        } catch (java.io.IOException | RuntimeException e) {
          // no schedstat
        }
        long[] sum = out.computeIfAbsent(name, k -> new long[3]);
        sum[0] += vol;
        sum[1] += invol;
        sum[2] += onCpu;
      } catch (java.io.IOException | RuntimeException e) {
        // the thread ended
      }
    }
    return out;
  }

  /** CPU per call by thread name (digits as N), summed over the blocks of one side. */
  private static java.util.Map<String, Double> BY_NAME;

  private static double median(double[] v) {
    double[] c = v.clone();
    Arrays.sort(c);
    return c.length % 2 == 1 ? c[c.length / 2] : (c[c.length / 2 - 1] + c[c.length / 2]) / 2;
  }
}
