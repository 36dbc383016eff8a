package io.serve4j.benchmarks;

import io.serve4j.*;
import io.serve4j.local.LocalOptions;
import io.serve4j.server.grpc.*;
import java.lang.management.ManagementFactory;
import java.util.*;
import java.util.List;

/**
 * gRPC at concurrency 1 on the MLP, per request: process CPU (client included), bytes allocated by
 * all threads, and wall time, for in-process predict, the transport floor ({@link
 * ServerOverhead.Floor}), serve4j with {@code workerThreads(0)} and serve4j's default; rounds
 * interleaved in one JVM. {@code -Ddeadline=true} gives every call a 10 s deadline (as most gRPC
 * clients do). Also prints CPU per thread group (caller, client event loop, server event loops,
 * other), context switches per call, the thread CPU of the endpoint call on the server's thread,
 * and on which threads the default server called the endpoint (and how many calls held it over 100
 * us). {@code -Donly=predict} runs in-process, the floor, the floor running predict on its
 * transport thread ({@code floor+predict}) and {@code workerThreads(0)}.
 *
 * <pre>
 * java [-Ddeadline=true] [-Donly=floor|inline|predict] [-Dwarmup=10000] \
 *   -cp benchmarks/target/benchmarks.jar io.serve4j.benchmarks.GrpcServerCpu 10000
 * </pre>
 */
public final class GrpcServerCpu {
  private GrpcServerCpu() {}

  static final com.sun.management.ThreadMXBean TM =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
  static final com.sun.management.OperatingSystemMXBean OS =
      (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

  static long alloc() {
    long[] ids = TM.getAllThreadIds();
    long s = 0;
    for (long b : TM.getThreadAllocatedBytes(ids)) if (b > 0) s += b;
    return s;
  }

  /** Thread groups CPU is split into: the caller, the client's event loop, the servers', rest. */
  static final String[] GROUPS = {"main", "client loop", "server loop", "other"};

  static int group(String name) {
    if (name.equals("main")) return 0;
    if (name.startsWith("bench-grpc-client-")) return 1;
    if (name.startsWith("grpc-default-worker") || name.startsWith("serve4j-oip-grpc")) return 2;
    return 3;
  }

  /** CPU time per thread group, all live threads. */
  static long[] groupCpu() {
    long[] ids = TM.getAllThreadIds();
    long[] cpu = TM.getThreadCpuTime(ids);
    java.lang.management.ThreadInfo[] infos = TM.getThreadInfo(ids);
    long[] g = new long[GROUPS.length];
    for (int i = 0; i < ids.length; i++) {
      if (infos[i] != null && cpu[i] > 0) g[group(infos[i].getThreadName())] += cpu[i];
    }
    return g;
  }

  /**
   * CPU, bytes allocated and wall time per call of n calls, averaged (no warm-up); then CPU per
   * call of each thread group ({@link #GROUPS}) and context switches per call.
   */
  static double[] measure(int n, Runnable r) {
    long[] g0 = groupCpu();
    long s0 = ThreadStats.contextSwitches();
    long c0 = ServerOverhead.threadsCpuNanos(), a0 = alloc(), t0 = System.nanoTime();
    for (int i = 0; i < n; i++) r.run();
    long c1 = ServerOverhead.threadsCpuNanos(), a1 = alloc(), t1 = System.nanoTime();
    long s1 = ThreadStats.contextSwitches();
    long[] g1 = groupCpu();
    double[] out = new double[4 + GROUPS.length];
    out[0] = (c1 - c0) / 1e3 / n;
    out[1] = (a1 - a0) / (double) n;
    out[2] = (t1 - t0) / 1e3 / n;
    out[3] = (s1 - s0) / (double) n;
    for (int k = 0; k < GROUPS.length; k++) out[4 + k] = (g1[k] - g0[k]) / 1e3 / n;
    return out;
  }

  /** Thread CPU of endpoint calls on the servers' threads: a sum and a count. */
  static final class CpuMean {
    private final java.util.concurrent.atomic.LongAdder nanos =
        new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.LongAdder calls =
        new java.util.concurrent.atomic.LongAdder();

    void add(long ns) {
      nanos.add(ns);
      calls.increment();
    }

    double mean() {
      long c = calls.sum();
      return c == 0 ? Double.NaN : nanos.sum() / 1e3 / c;
    }

    void reset() {
      nanos.reset();
      calls.reset();
    }
  }

  static final CpuMean INLINE_PREDICT = new CpuMean();
  static final CpuMean DEFAULT_PREDICT = new CpuMean();

  static double median(List<double[]> rows, int k) {
    double[] v = new double[rows.size()];
    for (int i = 0; i < v.length; i++) v[i] = rows.get(i)[k];
    Arrays.sort(v);
    return v[v.length / 2];
  }

  /**
   * The server's own steps of one gRPC inference, each alone on this thread ({@code -Dsteps=true}):
   * thread CPU and bytes allocated per operation, medians of 5 interleaved repetitions of n
   * operations. grpc-java's parse and serialize of the same messages beside them for scale.
   */
  static void steps(Endpoint e, InferenceRequest req, int n) throws Exception {
    ModelInferRequest g = ServerOverhead.grpcRequest(req);
    byte[] wire = g.toByteArray();
    io.serve4j.server.internal.Models models =
        new io.serve4j.server.internal.Models(
            Map.of("m", e), null, 0, java.time.Duration.ofNanos(100_000));
    InferenceRequest parsed = ProtoTensors.readRequest(g);
    InferenceResponse answer = models.infer("m", "", parsed, null).join();
    ModelInferResponse msg = ProtoTensors.writeResponse(answer);
    String[] names = {
      "grpc parse (ModelInferRequest.parseFrom)",
      "ProtoTensors.readRequest",
      "in-process predict",
      "Models.infer (inline, incl. predict)",
      "Models.infer + 10 s deadline (incl. predict)",
      "ProtoTensors.writeResponse",
      "grpc serialize (toByteArray)"
    };
    Runnable[] ops = {
      () -> {
        try {
          ModelInferRequest.parseFrom(wire);
        } catch (com.google.protobuf.InvalidProtocolBufferException x) {
          throw new IllegalStateException(x);
        }
      },
      () -> ProtoTensors.readRequest(g),
      () -> e.predict(parsed),
      () -> models.infer("m", "", parsed, null).join(),
      () -> models.infer("m", "", parsed, java.time.Duration.ofSeconds(10)).join(),
      () -> ProtoTensors.writeResponse(answer),
      () -> msg.toByteArray()
    };
    long self = Thread.currentThread().getId();
    double[][][] rep = new double[ops.length][5][];
    for (Runnable op : ops) for (int i = 0; i < 20_000; i++) op.run();
    for (int r = 0; r < 5; r++) {
      for (int k = 0; k < ops.length; k++) {
        long c0 = TM.getCurrentThreadCpuTime(), a0 = TM.getThreadAllocatedBytes(self);
        for (int i = 0; i < n; i++) ops[k].run();
        rep[k][r] =
            new double[] {
              (TM.getCurrentThreadCpuTime() - c0) / 1e3 / n,
              (TM.getThreadAllocatedBytes(self) - a0) / (double) n
            };
      }
    }
    for (int k = 0; k < ops.length; k++) {
      List<double[]> rows = Arrays.asList(rep[k]);
      System.out.printf(
          Locale.ROOT,
          "step %-46s cpu %.2f us, %.0f B per op%n",
          names[k],
          median(rows, 0),
          median(rows, 1));
    }
    models.shutdown();
  }

  public static void main(String[] a) throws Exception {
    int n = Integer.parseInt(a.length > 0 ? a[0] : "20000");
    String only = System.getProperty("only", "");
    try (ServingClient client =
        Serve4j.builder()
            .options(LocalOptions.builder().isolated(true).intraOpThreads(1).build())
            .build()) {
      Endpoint e =
          client
              .deploy(
                  EndpointSpec.builder()
                      .name("mlp")
                      .deployment(
                          DeploymentSpec.builder()
                              .name("main")
                              .model(Model.onnx("m", Workload.MLP.file()))
                              .build())
                      .build())
              .await();
      InferenceRequest req = Workload.MLP.request();
      final Endpoint raw = e;
      java.util.concurrent.ConcurrentHashMap<String, java.util.concurrent.atomic.LongAdder> where =
          new java.util.concurrent.ConcurrentHashMap<>();
      Endpoint rec =
          new io.serve4j.resilience.ForwardingEndpoint(raw) {
            @Override
            public java.util.concurrent.CompletableFuture<InferenceResponse> predictAsync(
                InferenceRequest r) {
              where
                  .computeIfAbsent(
                      Thread.currentThread().getName().replaceAll("[0-9]+", "#"),
                      k -> new java.util.concurrent.atomic.LongAdder())
                  .increment();
              long t0 = System.nanoTime();
              long c0 = TM.getCurrentThreadCpuTime();
              var f = raw.predictAsync(r);
              DEFAULT_PREDICT.add(TM.getCurrentThreadCpuTime() - c0);
              long d = System.nanoTime() - t0;
              if (d > 100_000)
                where
                    .computeIfAbsent("slow>100us", k -> new java.util.concurrent.atomic.LongAdder())
                    .increment();
              return f;
            }
          };
      if (Boolean.getBoolean("steps")) {
        steps(e, req, n);
        return;
      }
      Endpoint inlineTimed =
          new io.serve4j.resilience.ForwardingEndpoint(raw) {
            @Override
            public java.util.concurrent.CompletableFuture<InferenceResponse> predictAsync(
                InferenceRequest r) {
              long c0 = TM.getCurrentThreadCpuTime();
              var f = raw.predictAsync(r);
              INLINE_PREDICT.add(TM.getCurrentThreadCpuTime() - c0);
              return f;
            }
          };
      try (ServerFixture f = new ServerFixture(e, inlineTimed, rec, req)) {
        ModelInferRequest g = f.grpcRequest;
        var si0 = f.stubInline;
        var sd = f.stub;
        var sf = f.stubFloor;
        var sfp = f.stubFloorPredict;
        boolean dl = Boolean.getBoolean("deadline");
        Runnable[] modes = {
          () -> e.predict(req),
          () ->
              (dl ? sf.withDeadlineAfter(10, java.util.concurrent.TimeUnit.SECONDS) : sf)
                  .modelInfer(g),
          () ->
              (dl ? si0.withDeadlineAfter(10, java.util.concurrent.TimeUnit.SECONDS) : si0)
                  .modelInfer(g),
          () ->
              (dl ? sd.withDeadlineAfter(10, java.util.concurrent.TimeUnit.SECONDS) : sd)
                  .modelInfer(g),
          () ->
              (dl ? sfp.withDeadlineAfter(10, java.util.concurrent.TimeUnit.SECONDS) : sfp)
                  .modelInfer(g)
        };
        // -Donly=floor: in-process and the floor; -Donly=inline: in-process and workerThreads(0)
        int[] sel =
            only.equals("floor")
                ? new int[] {0, 1}
                : only.equals("inline")
                    ? new int[] {0, 2}
                    : only.equals("predict") ? new int[] {0, 1, 4, 2} : new int[] {0, 1, 2, 3, 4};
        int nmodes = sel.length;
        // warm-up: -Dwarmup calls a mode (default 10,000), so C2 has compiled each mode's own code
        int warmup = Integer.getInteger("warmup", 10_000);
        for (int w = 0; w < warmup / 500; w++) {
          for (Runnable m : modes) for (int i = 0; i < 500; i++) m.run();
        }
        // rounds of windows: each window runs every mode for `window` calls, the order rotated each
        // window, so the floor and serve4j share the machine's load; figures are per-window
        // differences (serve4j - floor - in-process), medians over a round's windows
        int window = Math.min(n, Integer.getInteger("window", 500));
        for (int round = 0; round < 3; round++) {
          List<double[]> rows = new ArrayList<>();
          double[][] sum = new double[modes.length][4 + GROUPS.length];
          for (int w = 0; w < n / window; w++) {
            double[][] x = new double[modes.length][];
            for (int k = 0; k < nmodes; k++) {
              int m = sel[(k + w) % nmodes];
              x[m] = measure(window, modes[m]);
              for (int j = 0; j < x[m].length; j++) sum[m][j] += x[m][j] / (n / window);
            }
            for (int m = 0; m < x.length; m++) {
              if (x[m] == null) x[m] = new double[4 + GROUPS.length];
            }
            rows.add(
                new double[] {
                  x[2][0] - x[1][0] - x[0][0],
                  x[3][0] - x[1][0] - x[0][0],
                  x[2][1] - x[1][1] - x[0][1],
                  x[3][1] - x[1][1] - x[0][1],
                  x[2][2] - x[1][2] - x[0][2],
                  x[3][2] - x[1][2] - x[0][2],
                  x[2][0] - x[4][0],
                  x[4][0] - x[1][0] - x[0][0],
                  x[2][2] - x[4][2],
                  x[4][2] - x[1][2] - x[0][2]
                });
          }
          double[] p = sum[0], fl = sum[1], in = sum[2], de = sum[3];
          System.out.printf(
              Locale.ROOT,
              "round %d (%d windows of %d calls a mode) cpu/req us: inproc %.1f floor %.1f inline %.1f default %.1f | B/req: inproc %.0f floor %.0f inline %.0f default %.0f | wall us: %.1f %.1f %.1f %.1f%n",
              round,
              rows.size(),
              window,
              p[0],
              fl[0],
              in[0],
              de[0],
              p[1],
              fl[1],
              in[1],
              de[1],
              p[2],
              fl[2],
              in[2],
              de[2]);
          System.out.printf(
              Locale.ROOT,
              "round %d per-window medians, serve4j - floor - inproc: cpu/req inline %+.1f default %+.1f us | B/req inline %+.0f default %+.0f | wall inline %+.1f default %+.1f us%n",
              round,
              median(rows, 0),
              median(rows, 1),
              median(rows, 2),
              median(rows, 3),
              median(rows, 4),
              median(rows, 5));
          System.out.printf(
              Locale.ROOT,
              "round %d per-window medians, floor+predict (the floor running in-process predict on"
                  + " its transport thread): cpu/req inline - floor+predict %+.1f us, floor+predict"
                  + " - floor - inproc %+.1f us | wall %+.1f, %+.1f us%n",
              round,
              median(rows, 6),
              median(rows, 7),
              median(rows, 8),
              median(rows, 9));
          String[] modeNames = {"inproc", "floor", "inline", "default", "floor+predict"};
          StringBuilder groups = new StringBuilder();
          for (int m : sel) {
            groups.append(
                String.format(Locale.ROOT, " | %s: switches %.1f", modeNames[m], sum[m][3]));
            for (int k = 0; k < GROUPS.length; k++) {
              groups.append(String.format(Locale.ROOT, ", %s %.1f", GROUPS[k], sum[m][4 + k]));
            }
          }
          System.out.printf(
              Locale.ROOT, "round %d cpu/req us by thread group, switches/req:%s%n", round, groups);
          System.out.printf(
              Locale.ROOT,
              "round %d endpoint call on the server thread, thread cpu us per call: inline %.1f"
                  + " default %.1f (in-process predict %.1f)%n",
              round,
              INLINE_PREDICT.mean(),
              DEFAULT_PREDICT.mean(),
              p[0]);
          INLINE_PREDICT.reset();
          DEFAULT_PREDICT.reset();
        }
        java.util.Map<String, Long> byName = new java.util.TreeMap<>();
        for (long id : TM.getAllThreadIds()) {
          var info = TM.getThreadInfo(id);
          if (info == null) continue;
          String nm = info.getThreadName().replaceAll("[0-9]+", "#");
          byName.merge(nm, TM.getThreadCpuTime(id) / 1000_000, Long::sum);
        }
        System.out.println("thread cpu ms: " + byName);
        System.out.println("default server calls by thread: " + where);
      }
    }
  }
}
