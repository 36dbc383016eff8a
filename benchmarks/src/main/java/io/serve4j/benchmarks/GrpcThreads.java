package io.serve4j.benchmarks;

import io.serve4j.Endpoint;
import io.serve4j.InferenceRequest;
import io.serve4j.ServingClient;
import io.serve4j.server.grpc.ModelInferRequest;
import io.serve4j.server.grpc.ModelInferResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where the time of a gRPC call at concurrency 1 on the MLP goes, for several deployments of the
 * model in one run (interleaved windows, the order rotated each window), each compared with its own
 * in-process predict:
 *
 * <ul>
 *   <li>per deployment ({@code -Ddeployments=default,nospin,intra1,intra2nospin}: ONNX Runtime's
 *       defaults, intra-op spinning off, one intra-op thread, two without spinning): in-process
 *       predict, the transport floor ({@link ServerOverhead.Floor}), the floor running predict on
 *       its transport thread (with the predict's own wall time there), serve4j's default server,
 *       serve4j with {@code inlineThreshold(0)} (every call handed to a worker and back), the
 *       predict alone timed on the caller right after a floor round trip, and the floor, floor +
 *       predict and serve4j again through a future stub instead of the blocking one;
 *   <li>the floor holding its transport thread busy for 7 and 17 us ({@code -Dbusy=7,17}, no
 *       model): what a hold of that length costs alone;
 *   <li>the floor running the last deployment's predict on a gRPC server with its own event loop
 *       groups of one thread each, instead of grpc's shared defaults;
 *   <li>the last deployment's predict after the caller spun, or parked, for 60 us.
 * </ul>
 *
 * <p>With {@code -Dthreads=true} (the default) each mode also gets each thread's CPU, run-queue
 * wait, time slices and voluntary / involuntary context switches per call from {@code
 * /proc/self/task/TID/schedstat} and {@code status}, native threads included (ONNX Runtime's
 * intra-op threads are invisible to {@code ThreadMXBean}; they inherit the name of the thread that
 * loaded the model, {@code serve4j-local-l...}), grouped by name with digits folded; with false,
 * only context switches of the process.
 *
 * <pre>
 * java -Dserve4j.bench.models=/tmp/serve4j-bench-models -Doffline=true [-Dwindows=20] [-Dwindow=200] \
 *   [-Dwarmup=10000] [-Ddeployments=default,intra1] [-Dthreads=false] \
 *   -cp benchmarks/target/benchmarks.jar io.serve4j.benchmarks.GrpcThreads
 * </pre>
 */
public final class GrpcThreads {
  private GrpcThreads() {}

  /** Every thread's counters now ({@link ThreadStats}); fails where /proc is not there. */
  static Map<Integer, ThreadStats.Task> tasks() {
    Map<Integer, ThreadStats.Task> m = ThreadStats.Snapshot.take().tasks();
    if (m.isEmpty()) {
      throw new IllegalStateException("no /proc/self/task");
    }
    return m;
  }

  /** Per thread-name group: run, wait, slices, voluntary, involuntary switches (sums). */
  static void add(
      Map<String, double[]> acc,
      Map<Integer, ThreadStats.Task> a,
      Map<Integer, ThreadStats.Task> b) {
    for (Map.Entry<Integer, ThreadStats.Task> e : b.entrySet()) {
      ThreadStats.Task t1 = e.getValue();
      ThreadStats.Task t0 = a.get(e.getKey());
      if (t0 == null) {
        t0 = new ThreadStats.Task(t1.name(), 0, 0, 0, 0, 0);
      }
      long slices = t1.slices() - t0.slices();
      if (slices == 0) {
        continue;
      }
      String key = t1.name().replaceAll("[0-9]+", "#") + (t0.runNanos() == 0 ? " (new)" : "");
      double[] v = acc.computeIfAbsent(key, k -> new double[6]);
      v[0] += t1.runNanos() - t0.runNanos();
      v[1] += t1.waitNanos() - t0.waitNanos();
      v[2] += slices;
      v[3] += t1.voluntary() - t0.voluntary();
      v[4] += t1.involuntary() - t0.involuntary();
      v[5] = Math.max(v[5], 1); // threads of the group seen (at least one)
    }
  }

  /** A deployment under test: its name, system-property-free options and what it serves. */
  private static final class Deployment implements AutoCloseable {
    final String name;
    final ServingClient client;
    final Endpoint e;
    final ServerFixture f;
    final ServerOverhead.Floor floorPredict;
    final io.grpc.ManagedChannel chFloorPredict;
    final io.serve4j.server.grpc.GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub
        stubFloorPredict;

    /** serve4j with inlineThreshold(0): every call handed to a worker thread and back. */
    final io.serve4j.server.OipServer onWorker;

    final io.grpc.ManagedChannel chOnWorker;
    final io.serve4j.server.grpc.GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub
        stubOnWorker;

    /** Wall ns of predict on the floor's transport thread, the last window. */
    final long[] onTransport;

    int next;

    Deployment(String name, int window) throws Exception {
      this.name = name;
      io.serve4j.local.LocalOptions.Builder o =
          io.serve4j.local.LocalOptions.builder().isolated(true);
      switch (name) {
        case "default" -> {}
        case "nospin" -> o.intraOpSpinning(false);
        case "intra1" -> o.intraOpThreads(1);
        case "intra2nospin" -> o.intraOpThreads(2).intraOpSpinning(false);
        default -> throw new IllegalArgumentException("deployment " + name);
      }
      this.client = io.serve4j.Serve4j.client(o.build());
      this.e = ServerOverhead.deploy(client, Workload.MLP, false);
      InferenceRequest req = Workload.MLP.request();
      this.f = new ServerFixture(e, e, req);
      this.onTransport = new long[window];
      this.onWorker =
          io.serve4j.server.OipServer.builder()
              .endpoint("m", e)
              .port(0)
              .grpcPort(0)
              .inlineThreshold(java.time.Duration.ZERO)
              .start();
      this.chOnWorker = ServerOverhead.channel(onWorker.grpcPort().getAsInt());
      this.stubOnWorker =
          io.serve4j.server.grpc.GRPCInferenceServiceGrpc.newBlockingStub(chOnWorker);
      byte[] restAnswer;
      try (ServerOverhead.RestClient once = new ServerOverhead.RestClient(f.inline.port())) {
        restAnswer = once.postForBody("/v2/models/m/infer", f.json);
      }
      this.floorPredict =
          ServerOverhead.Floor.start(
              restAnswer,
              f.stubInline.modelInfer(f.grpcRequest),
              () -> {
                long t = System.nanoTime();
                e.predict(req);
                onTransport[next++ % onTransport.length] = System.nanoTime() - t;
              });
      this.chFloorPredict = ServerOverhead.channel(floorPredict.grpcPort());
      this.stubFloorPredict =
          io.serve4j.server.grpc.GRPCInferenceServiceGrpc.newBlockingStub(chFloorPredict);
    }

    @Override
    public void close() throws Exception {
      chFloorPredict.shutdownNow();
      chOnWorker.shutdownNow();
      onWorker.close();
      floorPredict.close();
      f.close();
      client.close();
    }
  }

  static double p50(long[] ns) {
    long[] s = ns.clone();
    Arrays.sort(s);
    return s[s.length / 2] / 1e3;
  }

  static String quartiles(List<Double> v) {
    double[] a = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    return String.format(
        Locale.ROOT, "%+.1f [%+.1f, %+.1f]", a[a.length / 2], a[a.length / 4], a[3 * a.length / 4]);
  }

  /** Modes per deployment. */
  private static final int M = 9;

  public static void main(String[] args) throws Exception {
    int windows = Integer.getInteger("windows", 20);
    int window = Integer.getInteger("window", 200);
    int warmup = Integer.getInteger("warmup", 10_000);
    String[] deps = System.getProperty("deployments", "default,nospin,intra1").split(",");
    boolean threads = Boolean.parseBoolean(System.getProperty("threads", "true"));
    System.out.printf(
        Locale.ROOT, "load average at start: %s", Files.readString(Path.of("/proc/loadavg")));
    List<Deployment> ds = new ArrayList<>();
    try {
      for (String d : deps) {
        ds.add(new Deployment(d, window));
      }
      InferenceRequest req = Workload.MLP.request();
      // modes: per deployment, in-process, floor, floor+predict, serve4j default, and the predict
      // alone timed right after a floor round trip on the caller thread ("cold")
      List<String> names = new ArrayList<>();
      List<ServerOverhead.Call> modes = new ArrayList<>();
      long[] cold = new long[1];
      for (Deployment d : ds) {
        ModelInferRequest g = d.f.grpcRequest;
        names.add(d.name + " inproc");
        modes.add(() -> d.e.predict(req));
        names.add(d.name + " floor");
        modes.add(() -> d.f.check.check(d.f.stubFloor.modelInfer(g)));
        names.add(d.name + " floor+predict");
        modes.add(() -> d.f.check.check(d.stubFloorPredict.modelInfer(g)));
        names.add(d.name + " serve4j");
        modes.add(() -> d.f.check.check(d.f.stub.modelInfer(g)));
        names.add(d.name + " predict after a round trip");
        modes.add(
            () -> {
              d.f.check.check(d.f.stubFloor.modelInfer(g));
              long t = System.nanoTime();
              d.e.predict(req);
              cold[0] = System.nanoTime() - t;
            });
        names.add(d.name + " serve4j inlineThreshold(0)");
        modes.add(() -> d.f.check.check(d.stubOnWorker.modelInfer(g)));
        // the same calls from a future stub on the same channels (directExecutor: the answer
        // completes the future on the client's event loop, which wakes the caller once)
        var futFloor = io.serve4j.server.grpc.GRPCInferenceServiceGrpc.newFutureStub(d.f.chFloor);
        var futFp = io.serve4j.server.grpc.GRPCInferenceServiceGrpc.newFutureStub(d.chFloorPredict);
        var futServe = io.serve4j.server.grpc.GRPCInferenceServiceGrpc.newFutureStub(d.f.ch);
        names.add(d.name + " floor, future stub");
        modes.add(() -> d.f.check.check(futFloor.modelInfer(g).get()));
        names.add(d.name + " floor+predict, future stub");
        modes.add(() -> d.f.check.check(futFp.modelInfer(g).get()));
        names.add(d.name + " serve4j, future stub");
        modes.add(() -> d.f.check.check(futServe.modelInfer(g).get()));
      }
      // the floor holding its transport thread busy (no model) for as long as a hot in-process
      // predict and as long as a predict after a round trip: whether a longer hold alone costs
      // more than its own length (the client's threads idle meanwhile and must be woken)
      int perDeployment = modes.size();
      List<ServerOverhead.Floor> busy = new ArrayList<>();
      List<io.grpc.ManagedChannel> busyCh = new ArrayList<>();
      List<io.grpc.Server> ownServers = new ArrayList<>();
      List<io.grpc.netty.shaded.io.netty.channel.EventLoopGroup> ownGroups = new ArrayList<>();
      Deployment d0 = ds.get(0);
      ModelInferResponse answer0 = d0.f.stubInline.modelInfer(d0.f.grpcRequest);
      for (String us : System.getProperty("busy", "7,17").split(",")) {
        if (us.isBlank()) {
          continue;
        }
        long ns = Long.parseLong(us.trim()) * 1000;
        ServerOverhead.Floor fl =
            ServerOverhead.Floor.start(
                new byte[0],
                answer0,
                () -> {
                  long t = System.nanoTime();
                  while (System.nanoTime() - t < ns) {
                    Thread.onSpinWait();
                  }
                });
        busy.add(fl);
        io.grpc.ManagedChannel ch = ServerOverhead.channel(fl.grpcPort());
        busyCh.add(ch);
        var stub = io.serve4j.server.grpc.GRPCInferenceServiceGrpc.newBlockingStub(ch);
        names.add("floor busy " + us.trim() + " us");
        modes.add(() -> d0.f.check.check(stub.modelInfer(d0.f.grpcRequest)));
      }
      // the floor running predict (the last deployment's) on a gRPC server with its own event loop
      // groups of one thread each (boss and worker) instead of grpc's shared default groups (a
      // busy-polling worker, SelectStrategy.BUSY_WAIT, was tried and dropped: it holds a core for
      // the whole run, so every other mode is measured on one core)
      Deployment dl = ds.get(ds.size() - 1);
      ModelInferResponse answerL = dl.f.stubInline.modelInfer(dl.f.grpcRequest);
      {
        io.grpc.netty.shaded.io.netty.channel.EventLoopGroup boss =
            new io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup(1);
        io.grpc.netty.shaded.io.netty.channel.EventLoopGroup worker =
            new io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup(1);
        io.grpc.Server srv =
            io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder.forAddress(
                    new java.net.InetSocketAddress("127.0.0.1", 0))
                .bossEventLoopGroup(boss)
                .workerEventLoopGroup(worker)
                .channelType(
                    io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerSocketChannel.class)
                .maxInboundMessageSize(64 << 20)
                .addService(
                    new io.serve4j.server.grpc.GRPCInferenceServiceGrpc
                        .GRPCInferenceServiceImplBase() {
                      @Override
                      public void modelInfer(
                          ModelInferRequest request,
                          io.grpc.stub.StreamObserver<ModelInferResponse> out) {
                        dl.e.predict(req);
                        out.onNext(answerL);
                        out.onCompleted();
                      }
                    })
                .directExecutor()
                .build()
                .start();
        ownServers.add(srv);
        ownGroups.add(boss);
        ownGroups.add(worker);
        io.grpc.ManagedChannel ch = ServerOverhead.channel(srv.getPort());
        busyCh.add(ch);
        var stub = io.serve4j.server.grpc.GRPCInferenceServiceGrpc.newBlockingStub(ch);
        names.add(dl.name + " floor+predict, own 1-thread groups");
        modes.add(() -> dl.f.check.check(stub.modelInfer(dl.f.grpcRequest)));
      }
      // the predict after the caller's thread spun for 60 us (core busy, caches mostly kept) or
      // parked for 60 us (core idle): what in the round trip makes the model slower
      names.add(dl.name + " predict after a 60 us spin");
      modes.add(
          () -> {
            long t = System.nanoTime();
            while (System.nanoTime() - t < 60_000) {
              Thread.onSpinWait();
            }
            t = System.nanoTime();
            dl.e.predict(req);
            cold[0] = System.nanoTime() - t;
          });
      names.add(dl.name + " predict after a 60 us park");
      modes.add(
          () -> {
            java.util.concurrent.locks.LockSupport.parkNanos(60_000);
            long t = System.nanoTime();
            dl.e.predict(req);
            cold[0] = System.nanoTime() - t;
          });
      int n = modes.size();
      for (int w = 0; w < warmup / window; w++) {
        for (ServerOverhead.Call m : modes) {
          for (int i = 0; i < window; i++) {
            m.run();
          }
        }
      }
      List<Map<String, double[]>> acc = new ArrayList<>();
      long[][] wall = new long[n][windows * window];
      long[][] transport = new long[ds.size()][windows * window];
      double[] switches = new double[n];
      List<List<Double>> overFloorPredict = new ArrayList<>();
      List<List<Double>> overServe = new ArrayList<>();
      List<List<Double>> serveOverFp = new ArrayList<>();
      for (int k = 0; k < n; k++) {
        acc.add(new TreeMap<>());
      }
      List<List<Double>> futOverFloorPredict = new ArrayList<>();
      List<List<Double>> futOverServe = new ArrayList<>();
      for (int k = 0; k < ds.size(); k++) {
        futOverFloorPredict.add(new ArrayList<>());
        futOverServe.add(new ArrayList<>());
        overFloorPredict.add(new ArrayList<>());
        overServe.add(new ArrayList<>());
        serveOverFp.add(new ArrayList<>());
      }
      for (int w = 0; w < windows; w++) {
        double[] p = new double[n];
        for (int j = 0; j < n; j++) {
          int k = (j + w) % n;
          Map<Integer, ThreadStats.Task> t0 = threads ? tasks() : null;
          long s0 = threads ? 0 : ThreadStats.contextSwitches();
          for (int i = 0; i < window; i++) {
            long s = System.nanoTime();
            modes.get(k).run();
            wall[k][w * window + i] =
                (k < perDeployment && k % M == 4) || k >= n - 2 ? cold[0] : System.nanoTime() - s;
          }
          if (threads) {
            add(acc.get(k), t0, tasks());
          } else {
            switches[k] += ThreadStats.contextSwitches() - s0;
          }
          p[k] = p50(Arrays.copyOfRange(wall[k], w * window, (w + 1) * window));
          if (k < perDeployment && k % M == 2) {
            Deployment d = ds.get(k / M);
            System.arraycopy(d.onTransport, 0, transport[k / M], w * window, window);
          }
        }
        for (int d = 0; d < ds.size(); d++) {
          int b = d * M;
          overFloorPredict.get(d).add(p[b + 2] - p[b + 1] - p[b]);
          overServe.get(d).add(p[b + 3] - p[b + 1] - p[b]);
          serveOverFp.get(d).add(p[b + 3] - p[b + 2]);
          futOverFloorPredict.get(d).add(p[b + 7] - p[b + 6] - p[b]);
          futOverServe.get(d).add(p[b + 8] - p[b + 6] - p[b]);
        }
      }
      double calls = (double) windows * window;
      for (int d = 0; d < ds.size(); d++) {
        int b = d * M;
        System.out.printf(
            Locale.ROOT,
            "%s: p50 in-process %.1f | floor %.1f | floor+predict %.1f | serve4j %.1f us"
                + " (serve4j - in-process %+.1f) | serve4j inlineThreshold(0) %.1f us | predict on the floor's transport thread %.1f,"
                + " after a round trip on the caller %.1f us%n",
            ds.get(d).name,
            p50(wall[b]),
            p50(wall[b + 1]),
            p50(wall[b + 2]),
            p50(wall[b + 3]),
            p50(wall[b + 3]) - p50(wall[b]),
            p50(wall[b + 5]),
            p50(transport[d]),
            p50(wall[b + 4]));
        System.out.printf(
            Locale.ROOT,
            "%s: per window (%d x %d calls), median [quartiles]: floor+predict - floor - in-process"
                + " %s | serve4j - floor - in-process %s | serve4j - (floor+predict) %s us%n",
            ds.get(d).name,
            windows,
            window,
            quartiles(overFloorPredict.get(d)),
            quartiles(overServe.get(d)),
            quartiles(serveOverFp.get(d)));
        System.out.printf(
            Locale.ROOT,
            "%s, future stub: p50 floor %.1f | floor+predict %.1f | serve4j %.1f us (serve4j -"
                + " in-process %+.1f); per window: floor+predict - floor - in-process %s |"
                + " serve4j - floor - in-process %s us%n",
            ds.get(d).name,
            p50(wall[b + 6]),
            p50(wall[b + 7]),
            p50(wall[b + 8]),
            p50(wall[b + 8]) - p50(wall[b]),
            quartiles(futOverFloorPredict.get(d)),
            quartiles(futOverServe.get(d)));
      }
      for (int k = perDeployment; k < n; k++) {
        System.out.printf(
            Locale.ROOT,
            "%s: p50 %.1f us, over %s floor %+.1f us%n",
            names.get(k),
            p50(wall[k]),
            ds.get(0).name,
            p50(wall[k]) - p50(wall[1]));
      }
      for (int k = 0; k < n; k++) {
        double run = 0;
        double waitq = 0;
        double sw = switches[k];
        for (double[] v : acc.get(k).values()) {
          run += v[0];
          waitq += v[1];
          sw += v[3] + v[4];
        }
        System.out.printf(
            Locale.ROOT,
            "%-36s p50 %.1f us | switches %.2f%s per call%n",
            names.get(k),
            p50(wall[k]),
            sw / calls,
            threads
                ? String.format(
                    Locale.ROOT,
                    ", all threads cpu %.1f us, run-queue wait %.1f us",
                    run / 1e3 / calls,
                    waitq / 1e3 / calls)
                : "");
        for (Map.Entry<String, double[]> t : acc.get(k).entrySet()) {
          double[] v = t.getValue();
          if (v[0] / calls < 500 || t.getKey().startsWith("C")) {
            continue; // under 0.5 us a call, or the JIT
          }
          System.out.printf(
              Locale.ROOT,
              "    %-24s cpu %6.1f us  wait %6.1f us  slices %5.2f  vcs %5.2f  ivcs %5.2f%n",
              t.getKey(),
              v[0] / 1e3 / calls,
              v[1] / 1e3 / calls,
              v[2] / calls,
              v[3] / calls,
              v[4] / calls);
        }
      }
      for (io.grpc.ManagedChannel ch : busyCh) {
        ch.shutdownNow();
      }
      for (ServerOverhead.Floor fl : busy) {
        fl.close();
      }
      for (io.grpc.Server srv : ownServers) {
        srv.shutdownNow().awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS);
      }
      for (var g : ownGroups) {
        g.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
      }
    } finally {
      for (Deployment d : ds) {
        d.close();
      }
    }
    System.out.printf(
        Locale.ROOT, "load average at end: %s", Files.readString(Path.of("/proc/loadavg")));
  }
}
