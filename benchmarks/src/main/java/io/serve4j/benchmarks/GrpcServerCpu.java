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
 * clients do). Also prints CPU per thread group and on which threads the default server called the
 * endpoint (and how many calls held it over 100 us).
 *
 * <pre>
 * java [-Ddeadline=true] -cp benchmarks/target/benchmarks.jar io.serve4j.benchmarks.GrpcServerCpu 10000
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

  /** CPU, bytes allocated and wall time per call of n calls, averaged (no warm-up). */
  static double[] measure(int n, Runnable r) {
    long c0 = ServerOverhead.threadsCpuNanos(), a0 = alloc(), t0 = System.nanoTime();
    for (int i = 0; i < n; i++) r.run();
    long c1 = ServerOverhead.threadsCpuNanos(), a1 = alloc(), t1 = System.nanoTime();
    return new double[] {(c1 - c0) / 1e3 / n, (a1 - a0) / (double) n, (t1 - t0) / 1e3 / n};
  }

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
              var f = raw.predictAsync(r);
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
      try (ServerFixture f = new ServerFixture(e, rec, req)) {
        ModelInferRequest g = f.grpcRequest;
        var si0 = f.stubInline;
        var sd = f.stub;
        var sf = f.stubFloor;
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
                  .modelInfer(g)
        };
        int nmodes = only.equals("floor") ? 2 : modes.length;
        for (Runnable m : modes) for (int i = 0; i < 2000; i++) m.run(); // warm-up
        // rounds of windows: each window runs every mode for `window` calls, the order rotated each
        // window, so the floor and serve4j share the machine's load; figures are per-window
        // differences (serve4j - floor - in-process), medians over a round's windows
        int window = Math.min(n, Integer.getInteger("window", 500));
        for (int round = 0; round < 3; round++) {
          List<double[]> rows = new ArrayList<>();
          double[][] sum = new double[modes.length][3];
          for (int w = 0; w < n / window; w++) {
            double[][] x = new double[modes.length][];
            for (int k = 0; k < nmodes; k++) {
              int m = (k + w) % nmodes;
              x[m] = measure(window, modes[m]);
              for (int j = 0; j < 3; j++) sum[m][j] += x[m][j] / (n / window);
            }
            if (nmodes == 2) {
              x[2] = x[3] = new double[3];
            }
            rows.add(
                new double[] {
                  x[2][0] - x[1][0] - x[0][0],
                  x[3][0] - x[1][0] - x[0][0],
                  x[2][1] - x[1][1] - x[0][1],
                  x[3][1] - x[1][1] - x[0][1],
                  x[2][2] - x[1][2] - x[0][2],
                  x[3][2] - x[1][2] - x[0][2]
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
