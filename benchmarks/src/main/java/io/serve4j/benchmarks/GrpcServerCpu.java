package io.serve4j.benchmarks;

import io.serve4j.*;
import io.serve4j.local.LocalOptions;
import io.serve4j.server.grpc.*;
import java.lang.management.ManagementFactory;
import java.util.*;

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

  static double[] measure(int n, Runnable r) {
    for (int i = 0; i < 2000; i++) r.run();
    long c0 = OS.getProcessCpuTime(), a0 = alloc(), t0 = System.nanoTime();
    for (int i = 0; i < n; i++) r.run();
    long c1 = OS.getProcessCpuTime(), a1 = alloc(), t1 = System.nanoTime();
    return new double[] {(c1 - c0) / 1e3 / n, (a1 - a0) / (double) n, (t1 - t0) / 1e3 / n};
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
      try (ServerFixture f = new ServerFixture(e, rec, req)) {
        ModelInferRequest g = f.grpcRequest;
        var si0 = f.stubInline;
        var sd = f.stub;
        var sf = f.stubFloor;
        boolean dl = Boolean.getBoolean("deadline");
        for (int round = 0; round < 3; round++) {
          double[] p = measure(n, () -> e.predict(req));
          double[] fl =
              measure(
                  n,
                  () ->
                      (dl ? sf.withDeadlineAfter(10, java.util.concurrent.TimeUnit.SECONDS) : sf)
                          .modelInfer(g));
          double[] in =
              only.equals("floor")
                  ? new double[3]
                  : measure(
                      n,
                      () ->
                          (dl
                                  ? si0.withDeadlineAfter(10, java.util.concurrent.TimeUnit.SECONDS)
                                  : si0)
                              .modelInfer(g));
          double[] de = only.equals("floor") ? new double[3] : measure(n, () -> sd.modelInfer(g));
          System.out.printf(
              Locale.ROOT,
              "round %d cpu/req us: inproc %.1f floor %.1f inline %.1f default %.1f | inline-floor-inproc %+.1f default-floor-inproc %+.1f | B/req: inproc %.0f floor %.0f inline %.0f default %.0f | wall us: %.1f %.1f %.1f %.1f%n",
              round,
              p[0],
              fl[0],
              in[0],
              de[0],
              in[0] - fl[0] - p[0],
              de[0] - fl[0] - p[0],
              p[1],
              fl[1],
              in[1],
              de[1],
              p[2],
              fl[2],
              in[2],
              de[2]);
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
