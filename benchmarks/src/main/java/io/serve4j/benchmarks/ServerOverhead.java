package io.serve4j.benchmarks;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.serve4j.BatchingPolicy;
import io.serve4j.DeploymentSpec;
import io.serve4j.Endpoint;
import io.serve4j.EndpointSpec;
import io.serve4j.InferenceRequest;
import io.serve4j.Model;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.Tensor;
import io.serve4j.local.LocalOptions;
import io.serve4j.protocol.OipJson;
import io.serve4j.server.OipServer;
import io.serve4j.server.grpc.GRPCInferenceServiceGrpc;
import io.serve4j.server.grpc.ModelInferRequest;
import io.serve4j.server.grpc.ModelInferResponse;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The Open Inference Protocol server's cost, measured in one run beside in-process predict on the
 * same endpoint:
 *
 * <ul>
 *   <li>the MLP at concurrency 1: p50 of in-process {@code predict}, of a REST round trip (JSON,
 *       one keep-alive connection) and of a gRPC round trip ({@code raw_input_contents}), in
 *       interleaved rounds; the figures are the server's added microseconds (targets +150 and
 *       +100);
 *   <li>MiniLM at sequence 16, concurrency 32, dynamic batching on: throughput in-process and over
 *       REST (32 keep-alive connections) and gRPC; the ratio (target at least 0.8); process CPU per
 *       request (load generator and the rest split), and requests per batch.
 *   <li>The transport floor beside both ({@link Floor}): a plain grpc-java server of the same
 *       generated service and a bare Netty HTTP/1.1 handler, answering serve4j's own answer bytes
 *       (no serve4j, no model), called by the same clients. serve4j's cost is its figure minus the
 *       floor's minus in-process; at concurrency 32 the best ratio this transport allows on
 *       CPU-bound cores is in-process CPU per request over in-process plus the floor's.
 *   <li>At concurrency 1, also the floor running the same in-process predict on its gRPC transport
 *       thread before answering ({@code floor+predict}): what any server that runs the model on its
 *       transport thread costs with no serve4j code; serve4j's own cost is its figure minus this
 *       one's, per window. The floor, floor+predict and serve4j's gRPC server share one transport:
 *       {@code NettyServerBuilder} with grpc's default (epoll on Linux) event loop groups, {@code
 *       directExecutor}, the same inbound limit; each client channel has its own one-thread epoll
 *       event loop, and every mode calls through the same kind of stub ({@code
 *       -Dbench.server.stub}: {@code future}, the default since it wakes the caller once a call, or
 *       {@code blocking}; see {@link ServerFixture#infer}).
 * </ul>
 *
 * <p>The c=1 part first runs every mode {@code -Dbench.server.warmup} calls (default 10,000; 0 for
 * none), then a warm-up round of {@code -Dbench.server.calls}, then the measured rounds: with
 * 1,000-3,000 calls a mode C2 was still compiling during the measured rounds, which tripled the CPU
 * per call of every server mode on this 2-core machine.
 *
 * <p>The c=32 part warms every mode up in rounds until the JIT is quiet ({@code
 * -Dbench.server.jitQuietShare}, {@code -Dbench.server.jitQuietRounds}); with {@code
 * -Dbench.server.threadStats=true} it also prints, per mode, each round's JIT compiler CPU per
 * request and, over the measured rounds, every thread group's CPU and context switches per request
 * ({@code /proc/self/task}, native ONNX Runtime threads included) and the callers' CPU inside the
 * endpoint's predict.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.serve4j.benchmarks.ServerOverhead
 * java -Dbench.server.rounds=5 -Dbench.server.seconds=10 -cp ... io.serve4j.benchmarks.ServerOverhead
 * java -Dbench.server.part=latency -Dbench.server.rounds=2 -Dbench.server.calls=1000 \
 *   [-Dbench.server.warmup=10000] [-Dbench.server.window=100] -cp ... io.serve4j.benchmarks.ServerOverhead
 * </pre>
 *
 * <p>Client and server share the machine (loopback), so the round trip includes the client's CPU.
 */
public final class ServerOverhead {
  private ServerOverhead() {}

  /**
   * Runs the measurements and prints a table.
   *
   * @param args ignored
   * @throws Exception on failure
   */
  public static void main(String[] args) throws Exception {
    int rounds = Integer.getInteger("bench.server.rounds", 3);
    int calls = Integer.getInteger("bench.server.calls", 3000);
    double seconds = Double.parseDouble(System.getProperty("bench.server.seconds", "5"));
    System.out.printf(
        Locale.ROOT,
        "load average at start: %s%n",
        Files.readString(Path.of("/proc/loadavg")).trim());
    String part = System.getProperty("bench.server.part", "all");
    if (!part.equals("throughput")) {
      latency(rounds, calls);
    }
    if (!part.equals("latency")) {
      throughput(rounds, seconds);
    }
    System.out.printf(
        Locale.ROOT,
        "load average at end: %s%n",
        Files.readString(Path.of("/proc/loadavg")).trim());
  }

  // ---------------------------------------------------------------- concurrency 1, MLP

  private static void latency(int rounds, int calls) throws Exception {
    try (ServingClient client = client()) {
      Endpoint e = deploy(client, Workload.MLP, false);
      InferenceRequest req = Workload.MLP.request();
      // the default (inference on worker threads) and workerThreads(0) (on the I/O thread)
      try (ServerFixture f = new ServerFixture(e, e, req);
          RestClient rest = new RestClient(f.server.port());
          RestClient restInline = new RestClient(f.inline.port());
          RestClient restFloor = new RestClient(f.floor.restPort())) {
        byte[] json = f.json;
        ModelInferRequest grpcReq = f.grpcRequest;
        GrpcCheck check = f.check;
        // the gRPC calls through the stub -Dbench.server.stub names (ServerFixture#infer)
        ServerFixture.Infer stub = f.infer;
        ServerFixture.Infer stubInline = f.inferInline;
        ServerFixture.Infer stubFloor = f.inferFloor;
        ServerFixture.Infer stubFloorPredict = f.inferFloorPredict;
        System.out.printf(Locale.ROOT, "gRPC c=1 calls through the %s stub%n", ServerFixture.STUB);
        {
          long[][] all = new long[8][];
          Call[] modes = {
            () -> e.predict(req),
            () -> rest.post("/v2/models/m/infer", json),
            () -> check.check(stub.call(grpcReq)),
            () -> restInline.post("/v2/models/m/infer", json),
            () -> check.check(stubInline.call(grpcReq)),
            () -> restFloor.post("/v2/models/m/infer", json),
            () -> check.check(stubFloor.call(grpcReq)),
            // the floor running the same in-process predict on its transport thread: the least an
            // inline server (serve4j's default for the MLP) can cost, with no serve4j code
            () -> check.check(stubFloorPredict.call(grpcReq))
          };
          // Interleaved in short windows: each window runs every mode for `window` calls, the
          // order rotated by one each window, so serve4j and the floor are measured within
          // milliseconds of each other and a load change moves both; serve4j's cost is then
          // read per window (serve4j - floor - in-process, p50s of the same window).
          int window = Math.min(calls, Integer.getInteger("bench.server.window", 100));
          int windows = calls / window;
          // Warm-up before the warm-up round: every mode `bench.server.warmup` calls (default
          // 10,000), in windows, so C2 has compiled each mode's own code (serve4j's handler is
          // called only by its modes; 1,000-3,000 calls a mode left it compiling during the
          // measured rounds, which charged the JIT to serve4j's figure).
          int warmup = Integer.getInteger("bench.server.warmup", 10_000);
          for (int w = 0; w < warmup / window; w++) {
            for (Call mode : modes) {
              for (int i = 0; i < window; i++) {
                mode.run();
              }
            }
          }
          List<double[]> perWindow = new ArrayList<>();
          for (int r = 0; r <= rounds; r++) {
            long[][] round = new long[modes.length][windows * window];
            for (int w = 0; w < windows; w++) {
              double[] p50 = new double[modes.length];
              for (int k = 0; k < modes.length; k++) {
                int m = (k + w + r) % modes.length;
                long[] ns = time(m, window, modes[m]);
                System.arraycopy(ns, 0, round[m], w * window, window);
                p50[m] = p(ns, 50);
              }
              if (r > 0) {
                perWindow.add(
                    new double[] {
                      p50[1] - p50[5] - p50[0],
                      p50[2] - p50[6] - p50[0],
                      p50[3] - p50[5] - p50[0],
                      p50[4] - p50[6] - p50[0],
                      p50[6],
                      p50[7] - p50[6] - p50[0],
                      p50[2] - p50[7],
                      p50[4] - p50[7]
                    });
              }
            }
            if (r == 0) {
              Arrays.fill(LATENCY_CPU, 0);
              Arrays.fill(LATENCY_CALLS, 0);
              Arrays.fill(LATENCY_SWITCHES, 0);
              continue; // warm-up round
            }
            for (int k = 0; k < all.length; k++) {
              all[k] = concat(all[k], round[k]);
            }
            System.out.printf(
                Locale.ROOT,
                "mlp c=1 round %d: p50 in-process %.1f us, REST %.1f us, gRPC %.1f us;"
                    + " workerThreads(0): REST %.1f us, gRPC %.1f us; transport floor: REST %.1f"
                    + " us, gRPC %.1f us%n",
                r,
                p(round[0], 50),
                p(round[1], 50),
                p(round[2], 50),
                p(round[3], 50),
                p(round[4], 50),
                p(round[5], 50),
                p(round[6], 50));
          }
          double base = p(all[0], 50);
          System.out.printf(
              Locale.ROOT,
              "MLP c=1 (%d rounds x %d calls): p50 in-process %.1f us | REST %.1f us (+%.1f us,"
                  + " target +150) | gRPC %.1f us (+%.1f us, target +100) | workerThreads(0):"
                  + " REST +%.1f us, gRPC +%.1f us; p99 in-process %.1f, REST %.1f, gRPC %.1f us%n",
              rounds,
              calls,
              base,
              p(all[1], 50),
              p(all[1], 50) - base,
              p(all[2], 50),
              p(all[2], 50) - base,
              p(all[3], 50) - base,
              p(all[4], 50) - base,
              p(all[0], 99),
              p(all[1], 99),
              p(all[2], 99));
          // The floor is the transport alone (no serve4j, no model): its round trip is the least
          // any server on this stack adds to in-process predict. serve4j over the floor: its round
          // trip minus the floor's minus in-process predict.
          System.out.printf(
              Locale.ROOT,
              "MLP c=1 transport floor (same stacks, fixed answer of the same bytes): p50 REST %.1f"
                  + " us, gRPC %.1f us; serve4j over floor + in-process: REST %+.1f us, gRPC %+.1f"
                  + " us; workerThreads(0): REST %+.1f us, gRPC %+.1f us; p99 floor REST %.1f,"
                  + " gRPC %.1f us%n",
              p(all[5], 50),
              p(all[6], 50),
              p(all[1], 50) - p(all[5], 50) - base,
              p(all[2], 50) - p(all[6], 50) - base,
              p(all[3], 50) - p(all[5], 50) - base,
              p(all[4], 50) - p(all[6], 50) - base,
              p(all[5], 99),
              p(all[6], 99));
          // CPU per call of the whole process (client and server share it): less sensitive to
          // other load than the round trip
          System.out.printf(
              Locale.ROOT,
              "MLP c=1 process CPU per call: in-process %.1f us | REST %.1f | gRPC %.1f |"
                  + " workerThreads(0): REST %.1f, gRPC %.1f | floor: REST %.1f, gRPC %.1f%n",
              latencyCpu(0),
              latencyCpu(1),
              latencyCpu(2),
              latencyCpu(3),
              latencyCpu(4),
              latencyCpu(5),
              latencyCpu(6));
          System.out.printf(
              Locale.ROOT,
              "MLP c=1 per round (serve4j - floor - in-process, p50): REST %s | gRPC %s%n",
              perRound(all[1], all[5], all[0], rounds),
              perRound(all[2], all[6], all[0], rounds));
          System.out.printf(
              Locale.ROOT,
              "MLP c=1 per window (%d windows of %d calls a mode, interleaved; serve4j - floor -"
                  + " in-process, p50s of the same window; median [quartiles]): REST %s | gRPC %s |"
                  + " workerThreads(0): REST %s, gRPC %s | floor gRPC p50 %s%n",
              perWindow.size(),
              window,
              quartiles(perWindow, 0),
              quartiles(perWindow, 1),
              quartiles(perWindow, 2),
              quartiles(perWindow, 3),
              quartiles(perWindow, 4));
          System.out.printf(
              Locale.ROOT,
              "MLP c=1 gRPC floor running predict on its transport thread (no serve4j): p50 %.1f us,"
                  + " CPU per call %.1f us; per window, floor+predict - floor - in-process %s |"
                  + " serve4j - (floor+predict): default %s, workerThreads(0) %s%n",
              p(all[7], 50),
              latencyCpu(7),
              quartiles(perWindow, 5),
              quartiles(perWindow, 6),
              quartiles(perWindow, 7));
          System.out.printf(
              Locale.ROOT,
              "MLP c=1 context switches per call (all threads): in-process %.1f | gRPC %.1f |"
                  + " workerThreads(0) gRPC %.1f | floor gRPC %.1f | floor+predict gRPC %.1f%n",
              latencySwitches(0),
              latencySwitches(2),
              latencySwitches(4),
              latencySwitches(6),
              latencySwitches(7));
        }
      }
    }
  }

  // ---------------------------------------------------------------- concurrency 32, MiniLM-16

  private static void throughput(int rounds, double seconds) throws Exception {
    int threads = 32;
    try (ServingClient client = client()) {
      Endpoint e = timed(deploy(client, Workload.MINILM16, true));
      InferenceRequest req = Workload.MINILM16.request();
      byte[] json = OipJson.writeRequest(req);
      ModelInferRequest grpcReq = grpcRequest(req);
      try (OipServer server = OipServer.builder().endpoint("m", e).port(0).grpcPort(0).start()) {
        ManagedChannel ch = channel(server.grpcPort().getAsInt());
        GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub =
            GRPCInferenceServiceGrpc.newBlockingStub(ch);
        GRPCInferenceServiceGrpc.GRPCInferenceServiceStub async =
            GRPCInferenceServiceGrpc.newStub(ch);
        List<RestClient> conns = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
          conns.add(new RestClient(server.port()));
        }
        // the transport floor, answering serve4j's own answers
        Floor floor =
            Floor.start(
                conns.get(0).postForBody("/v2/models/m/infer", json), stub.modelInfer(grpcReq));
        ManagedChannel chFloor = channel(floor.grpcPort());
        GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stubFloor =
            GRPCInferenceServiceGrpc.newBlockingStub(chFloor);
        GRPCInferenceServiceGrpc.GRPCInferenceServiceStub asyncFloor =
            GRPCInferenceServiceGrpc.newStub(chFloor);
        List<RestClient> floorConns = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
          floorConns.add(new RestClient(floor.restPort()));
        }
        try {
          // REST asking for the output as binary data (binary_data_output): no JSON numbers for
          // the [1, 16, 384] output
          String text = new String(json, java.nio.charset.StandardCharsets.UTF_8);
          byte[] jsonBinaryOut =
              ("{\"parameters\":{\"binary_data_output\":true},"
                      + text.substring(text.indexOf('{') + 1))
                  .getBytes(java.nio.charset.StandardCharsets.UTF_8);
          GrpcCheck check = GrpcCheck.of(e.predict(req));
          String[] names = {
            "in-process",
            "REST",
            "gRPC",
            "REST binary output",
            "gRPC async (32 in flight)",
            "floor REST",
            "floor gRPC",
            "floor gRPC async"
          };
          List<String> modes =
              List.of(
                  System.getProperty(
                          "bench.server.modes",
                          "inproc,rest,grpc,restbin,grpcasync,restfloor,grpcfloor,grpcasyncfloor")
                      .split(","));
          String[] ids = {
            "inproc",
            "rest",
            "grpc",
            "restbin",
            "grpcasync",
            "restfloor",
            "grpcfloor",
            "grpcasyncfloor"
          };
          double[] sum = new double[ids.length];
          double[] cpu = new double[ids.length];
          double[] clientCpu = new double[ids.length];
          double[] perRun = new double[ids.length];
          double[] switches = new double[ids.length];
          int warmUps = 0;
          for (int r = 0; r <= rounds; r++) {
            long roundStart = System.nanoTime();
            long compiling0 = ThreadStats.compilerNanos();
            double[] rate = new double[ids.length];
            double[] roundCpu = new double[ids.length];
            double[] roundClient = new double[ids.length];
            double[] roundPerRun = new double[ids.length];
            double[] roundSwitches = new double[ids.length];
            for (int k = 0; k < ids.length; k++) {
              if (!modes.contains(ids[k])) {
                continue;
              }
              ThreadStats.Snapshot before = THREAD_STATS ? ThreadStats.Snapshot.take() : null;
              long done0 = LAST_DONE[0];
              long predict0 = PREDICT_CPU.sum();
              long jit0 = THREAD_STATS ? ThreadStats.compilerNanos() : 0;
              rate[k] =
                  switch (ids[k]) {
                    case "inproc" -> rate(threads, seconds, i -> e.predict(req));
                    case "rest" ->
                        rate(threads, seconds, i -> conns.get(i).post("/v2/models/m/infer", json));
                    case "grpc" ->
                        rate(threads, seconds, i -> check.check(stub.modelInfer(grpcReq)));
                    case "restbin" ->
                        rate(
                            threads,
                            seconds,
                            i -> conns.get(i).post("/v2/models/m/infer", jsonBinaryOut));
                    case "restfloor" ->
                        rate(
                            threads,
                            seconds,
                            i -> floorConns.get(i).post("/v2/models/m/infer", json));
                    case "grpcfloor" ->
                        rate(threads, seconds, i -> check.check(stubFloor.modelInfer(grpcReq)));
                    case "grpcasyncfloor" ->
                        asyncRate(threads, seconds, asyncFloor, grpcReq, check);
                    default -> asyncRate(threads, seconds, async, grpcReq, check);
                  };
              if (THREAD_STATS) {
                System.out.printf(
                    Locale.ROOT,
                    "  round %d %s: JIT compiler threads %.0f us per request%n",
                    r,
                    ids[k],
                    (ThreadStats.compilerNanos() - jit0) / 1e3 / Math.max(1, LAST_DONE[0] - done0));
              }
              if (THREAD_STATS && r > 0) {
                addGroups(ids[k], before, ThreadStats.Snapshot.take(), LAST_DONE[0] - done0);
                GROUPS.get(ids[k]).computeIfAbsent("~ in predict", g -> new long[4])[0] +=
                    PREDICT_CPU.sum() - predict0;
                // the callers have ended before the snapshot: their CPU from ThreadMXBean
                GROUPS.get(ids[k]).computeIfAbsent("~ client threads", g -> new long[4])[0] +=
                    (long) (lastClientCpuPerCall * 1e3 * (LAST_DONE[0] - done0));
              }
              roundCpu[k] = lastCpuPerCall;
              roundClient[k] = lastClientCpuPerCall;
              roundPerRun[k] = lastPerRun;
              roundSwitches[k] = lastSwitchesPerCall;
            }
            if (r == 0) {
              // Warm up until the JIT is quiet: on 2 cores busy with 32 callers the compiler
              // threads get a small share, and one round left C2 compiling the server's code
              // (Netty, gRPC, Jackson, serve4j) for several more rounds, 100-700 us of compiler
              // CPU per server request against ~100 in-process, charged to the server's figures.
              warmUps++;
              long compiling = ThreadStats.compilerNanos() - compiling0;
              boolean quiet = compiling < JIT_QUIET_SHARE * (System.nanoTime() - roundStart);
              if (!quiet && warmUps < JIT_QUIET_ROUNDS) {
                r = -1; // another warm-up round
              } else {
                System.out.printf(
                    Locale.ROOT,
                    "minilm16 c=32: %d warm-up round(s), %s (compiler threads' CPU %.1f%% of the"
                        + " last round's time; quiet under %.1f%%, at most"
                        + " -Dbench.server.jitQuietRounds=%d)%n",
                    warmUps,
                    quiet ? "JIT quiet" : "JIT NOT quiet at the limit",
                    100.0 * compiling / (System.nanoTime() - roundStart),
                    100 * JIT_QUIET_SHARE,
                    JIT_QUIET_ROUNDS);
              }
              continue;
            }
            StringBuilder line = new StringBuilder();
            for (int k = 0; k < ids.length; k++) {
              if (!modes.contains(ids[k])) {
                continue;
              }
              sum[k] += rate[k] / rounds;
              cpu[k] += roundCpu[k] / rounds;
              clientCpu[k] += roundClient[k] / rounds;
              perRun[k] += roundPerRun[k] / rounds;
              switches[k] += roundSwitches[k] / rounds;
              line.append(
                  String.format(
                      Locale.ROOT,
                      "%s%s %.0f/s%s",
                      line.length() == 0 ? "" : ", ",
                      names[k],
                      rate[k],
                      k == 0 || rate[0] == 0 ? "" : String.format(" (%.2fx)", rate[k] / rate[0])));
            }
            System.out.printf(Locale.ROOT, "minilm16 c=32 round %d: %s%n", r, line);
          }
          StringBuilder total = new StringBuilder();
          StringBuilder perCall = new StringBuilder();
          for (int k = 0; k < ids.length; k++) {
            if (!modes.contains(ids[k])) {
              continue;
            }
            total.append(
                String.format(
                    Locale.ROOT,
                    "%s%s %.0f/s%s",
                    total.length() == 0 ? "" : " | ",
                    names[k],
                    sum[k],
                    k == 0 || sum[0] == 0 ? "" : String.format(" (%.2fx)", sum[k] / sum[0])));
            // in-process, the callers' threads run the model: all of it is "client" there
            perCall.append(
                String.format(
                    Locale.ROOT,
                    "%s%s %.0f us (client %.0f, rest of process %.0f%s)",
                    perCall.length() == 0 ? "" : " | ",
                    names[k],
                    cpu[k],
                    clientCpu[k],
                    cpu[k] - clientCpu[k],
                    perRun[k] == 0
                        ? ""
                        : String.format(Locale.ROOT, "; %.1f requests per batch", perRun[k])));
          }
          System.out.printf(
              Locale.ROOT,
              "MiniLM-16 c=32 (%d rounds x %.0f s, target >= 0.8x): %s%n",
              rounds,
              seconds,
              total);
          // CPU per request is less sensitive to other load on the machine than throughput:
          // in-process / CPU per request is the throughput ratio on idle cores. "client": the load
          // generator's threads (its callers and its gRPC event loop); the rest is the server's
          // threads, the batcher's, GC and JIT.
          System.out.printf(Locale.ROOT, "MiniLM-16 c=32 process CPU per request: %s%n", perCall);
          StringBuilder cs = new StringBuilder();
          for (int k = 0; k < ids.length; k++) {
            if (modes.contains(ids[k])) {
              cs.append(
                  String.format(
                      Locale.ROOT,
                      "%s%s %.1f",
                      cs.length() == 0 ? "" : " | ",
                      names[k],
                      switches[k]));
            }
          }
          System.out.printf(
              Locale.ROOT, "MiniLM-16 c=32 context switches per request (process): %s%n", cs);
          if (THREAD_STATS) {
            printGroups(names, ids, modes);
          }
          // On two cores shared by the model, the server and the load generator, throughput is
          // CPU-bound: the best ratio a server on this transport can reach is in-process CPU per
          // request over (in-process + the floor's), and serve4j's own cost is its CPU per
          // request minus the floor's minus in-process.
          StringBuilder bound = new StringBuilder();
          String[][] pairs = {
            {"rest", "restfloor"},
            {"restbin", "restfloor"},
            {"grpc", "grpcfloor"},
            {"grpcasync", "grpcasyncfloor"}
          };
          List<String> idList = List.of(ids);
          for (String[] pair : pairs) {
            int k = idList.indexOf(pair[0]);
            int f = idList.indexOf(pair[1]);
            if (!modes.contains(pair[0]) || !modes.contains(pair[1]) || cpu[0] == 0) {
              continue;
            }
            bound.append(
                String.format(
                    Locale.ROOT,
                    "%s%s: floor %.0f us, bound %.2fx, serve4j adds %+.0f us",
                    bound.length() == 0 ? "" : " | ",
                    names[k],
                    cpu[f],
                    cpu[0] / (cpu[0] + cpu[f]),
                    cpu[k] - cpu[f] - cpu[0]));
          }
          System.out.printf(
              Locale.ROOT,
              "MiniLM-16 c=32 over the transport floor (CPU per request; bound = in-process /"
                  + " (in-process + floor)): %s%n",
              bound);
        } finally {
          for (RestClient c : conns) {
            c.close();
          }
          for (RestClient c : floorConns) {
            c.close();
          }
          chFloor.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
          floor.close();
          ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
      }
    }
  }

  // ---------------------------------------------------------------- the transport floor

  /**
   * The transport alone, on the stacks serve4j's server uses, answering a precomputed response of
   * the same bytes (no serve4j, no model): gRPC, a plain grpc-java server of the same generated
   * {@code GRPCInferenceService} built as serve4j's is ({@code NettyServerBuilder}, {@code
   * directExecutor}, the same inbound limit) whose {@code ModelInfer} answers a fixed message;
   * REST, Netty's HTTP/1.1 codec and aggregator (as serve4j's pipeline, same limits) and a handler
   * answering fixed bytes. Called by the same clients the same way, it is what serve4j's round trip
   * and CPU per request would be if serve4j and the model cost nothing.
   */
  static final class Floor implements AutoCloseable {
    private final io.grpc.Server grpc;
    private final io.netty.channel.EventLoopGroup boss;
    private final io.netty.channel.EventLoopGroup workers;
    private final io.netty.channel.Channel rest;

    private Floor(
        io.grpc.Server grpc,
        io.netty.channel.EventLoopGroup boss,
        io.netty.channel.EventLoopGroup workers,
        io.netty.channel.Channel rest) {
      this.grpc = grpc;
      this.boss = boss;
      this.workers = workers;
      this.rest = rest;
    }

    static Floor start(byte[] restAnswer, ModelInferResponse grpcAnswer) throws IOException {
      return start(restAnswer, grpcAnswer, () -> {});
    }

    /**
     * Starts a floor whose gRPC handler runs {@code work} (e.g. the in-process predict of the same
     * request) on the transport thread before answering: the least an inline server can cost.
     */
    static Floor start(byte[] restAnswer, ModelInferResponse grpcAnswer, Runnable work)
        throws IOException {
      int limit = 64 << 20; // OipServer's default maxRequestBytes
      io.grpc.Server g =
          io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder.forAddress(
                  new java.net.InetSocketAddress("127.0.0.1", 0))
              .maxInboundMessageSize(limit)
              .addService(
                  new GRPCInferenceServiceGrpc.GRPCInferenceServiceImplBase() {
                    @Override
                    public void modelInfer(
                        ModelInferRequest request,
                        io.grpc.stub.StreamObserver<ModelInferResponse> out) {
                      work.run();
                      out.onNext(grpcAnswer);
                      out.onCompleted();
                    }
                  })
              .directExecutor()
              .build()
              .start();
      io.netty.channel.EventLoopGroup boss =
          new io.netty.channel.nio.NioEventLoopGroup(
              1, new io.netty.util.concurrent.DefaultThreadFactory("floor-accept"));
      io.netty.channel.EventLoopGroup workers =
          new io.netty.channel.nio.NioEventLoopGroup(
              0, new io.netty.util.concurrent.DefaultThreadFactory("floor-io"));
      io.netty.channel.Channel ch =
          new io.netty.bootstrap.ServerBootstrap()
              .group(boss, workers)
              .channel(io.netty.channel.socket.nio.NioServerSocketChannel.class)
              .option(io.netty.channel.ChannelOption.SO_BACKLOG, 1024)
              .childOption(io.netty.channel.ChannelOption.TCP_NODELAY, true)
              .childHandler(
                  new io.netty.channel.ChannelInitializer<io.netty.channel.socket.SocketChannel>() {
                    @Override
                    protected void initChannel(io.netty.channel.socket.SocketChannel c) {
                      c.pipeline()
                          .addLast(
                              new io.netty.handler.codec.http.HttpServerCodec(8192, 16384, 65536),
                              new io.netty.handler.codec.http.HttpObjectAggregator(limit, true),
                              new FixedAnswer(restAnswer));
                    }
                  })
              .bind("127.0.0.1", 0)
              .syncUninterruptibly()
              .channel();
      return new Floor(g, boss, workers, ch);
    }

    int grpcPort() {
      return grpc.getPort();
    }

    int restPort() {
      return ((java.net.InetSocketAddress) rest.localAddress()).getPort();
    }

    @Override
    public void close() throws InterruptedException {
      rest.close().syncUninterruptibly();
      boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
      workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
      grpc.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /** Answers every request with the same JSON bytes (keep-alive). */
  static final class FixedAnswer
      extends io.netty.channel.SimpleChannelInboundHandler<
          io.netty.handler.codec.http.FullHttpRequest> {
    private final byte[] answer;

    FixedAnswer(byte[] answer) {
      this.answer = answer;
    }

    @Override
    protected void channelRead0(
        io.netty.channel.ChannelHandlerContext ctx,
        io.netty.handler.codec.http.FullHttpRequest req) {
      io.netty.handler.codec.http.FullHttpResponse r =
          new io.netty.handler.codec.http.DefaultFullHttpResponse(
              io.netty.handler.codec.http.HttpVersion.HTTP_1_1,
              io.netty.handler.codec.http.HttpResponseStatus.OK,
              io.netty.buffer.Unpooled.wrappedBuffer(answer));
      r.headers()
          .set(
              io.netty.handler.codec.http.HttpHeaderNames.CONTENT_TYPE,
              io.netty.handler.codec.http.HttpHeaderValues.APPLICATION_JSON)
          .setInt(io.netty.handler.codec.http.HttpHeaderNames.CONTENT_LENGTH, answer.length)
          .set(
              io.netty.handler.codec.http.HttpHeaderNames.CONNECTION,
              io.netty.handler.codec.http.HttpHeaderValues.KEEP_ALIVE);
      ctx.writeAndFlush(r, ctx.voidPromise());
    }
  }

  // ---------------------------------------------------------------- helpers

  /**
   * Requests the batcher ran, and the sum over them of 1 / (requests in their run): the number of
   * runs ({@code onBatch} is called once per request, with its run's size).
   */
  private static final AtomicLong RUN_REQUESTS = new AtomicLong();

  private static final java.util.concurrent.atomic.DoubleAdder RUNS =
      new java.util.concurrent.atomic.DoubleAdder();

  static ServingClient client() {
    LocalOptions.Builder options =
        LocalOptions.builder().isolated(true).intraOpThreads(OrtEngine.intraOpThreads());
    if (!Boolean.parseBoolean(System.getProperty("serve4j.bench.intraOpSpinning", "true"))) {
      // ORT's intra-op threads block at once (only called when asked: older builds lack it)
      options.intraOpSpinning(false);
    }
    return Serve4j.builder()
        .options(options.build())
        .listener(
            new io.serve4j.ServingListener() {
              @Override
              public void onBatch(io.serve4j.CallInfo call, io.serve4j.BatchRun run) {
                RUN_REQUESTS.incrementAndGet();
                RUNS.add(1.0 / Math.max(1, run.requests()));
              }
            })
        .build();
  }

  static Endpoint deploy(ServingClient client, Workload w, boolean batched) {
    DeploymentSpec.Builder d =
        DeploymentSpec.builder().name("main").model(Model.onnx("m", w.file()));
    if (batched) {
      d.batching(
          BatchingPolicy.of(
                  Integer.getInteger("serve4j.bench.maxBatch", 16),
                  Duration.ofNanos(
                      1000L * Long.getLong("serve4j.bench.maxQueueDelayMicros", 1000L)))
              .withInstances(Integer.getInteger("serve4j.bench.instances", 2)));
    }
    return client
        .deploy(EndpointSpec.builder().name("bench-" + w.id()).deployment(d.build()).build())
        .await();
  }

  static ModelInferRequest grpcRequest(InferenceRequest req) {
    ModelInferRequest.Builder b = ModelInferRequest.newBuilder().setModelName("m");
    for (Tensor t : req.inputs()) {
      ModelInferRequest.InferInputTensor.Builder in =
          ModelInferRequest.InferInputTensor.newBuilder()
              .setName(t.name())
              .setDatatype(t.dataType().protocolName());
      for (long d : t.shape().toArray()) {
        in.addShape(d);
      }
      b.addInputs(in);
      b.addRawInputContents(ByteString.copyFrom(t.buffer()));
    }
    return b.build();
  }

  interface Call {
    void run() throws Exception;
  }

  interface IndexedCall {
    void run(int thread) throws Exception;
  }

  /** Process CPU (client and server) of the {@link #time} runs by mode, nanoseconds. */
  private static final long[] LATENCY_CPU = new long[8];

  private static final int[] LATENCY_CALLS = new int[8];

  /** Context switches of all threads during the {@link #time} runs by mode. */
  private static final long[] LATENCY_SWITCHES = new long[8];

  private static long[] time(int mode, int calls, Call c) throws Exception {
    long[] ns = new long[calls];
    long switches0 = ThreadStats.contextSwitches();
    long cpu0 = threadsCpuNanos();
    for (int i = 0; i < calls; i++) {
      long t0 = System.nanoTime();
      c.run();
      ns[i] = System.nanoTime() - t0;
    }
    LATENCY_CPU[mode] += threadsCpuNanos() - cpu0;
    LATENCY_SWITCHES[mode] += ThreadStats.contextSwitches() - switches0;
    LATENCY_CALLS[mode] += calls;
    return ns;
  }

  /** Median and quartiles of column {@code k} of the per-window rows. */
  private static String quartiles(List<double[]> rows, int k) {
    double[] v = new double[rows.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = rows.get(i)[k];
    }
    Arrays.sort(v);
    return String.format(
        Locale.ROOT,
        "%+.1f [%+.1f, %+.1f] us",
        v[v.length / 2],
        v[v.length / 4],
        v[(3 * v.length) / 4]);
  }

  /**
   * CPU time of all live threads, nanoseconds: per-thread clocks have nanosecond resolution, where
   * the process's CPU time is read in 10 ms ticks on this machine (too coarse for short windows).
   */
  static long threadsCpuNanos() {
    long sum = 0;
    for (long id : THREADS.getAllThreadIds()) {
      sum += Math.max(0, THREADS.getThreadCpuTime(id));
    }
    return sum;
  }

  private static double latencySwitches(int mode) {
    return LATENCY_SWITCHES[mode] / (double) Math.max(1, LATENCY_CALLS[mode]);
  }

  private static double latencyCpu(int mode) {
    return LATENCY_CPU[mode] / 1e3 / Math.max(1, LATENCY_CALLS[mode]);
  }

  /** CPU time of the whole process (client and server: they share the JVM), nanoseconds. */
  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean)
            java.lang.management.ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  /** Process CPU per call of the last {@link #rate} run, microseconds. */
  private static double lastCpuPerCall;

  /**
   * CPU per call of the load generator's threads in the last run (its callers and its gRPC event
   * loop), microseconds.
   */
  private static double lastClientCpuPerCall;

  private static final java.lang.management.ThreadMXBean THREADS =
      java.lang.management.ManagementFactory.getThreadMXBean();

  /** CPU of the client channels' event loop threads, nanoseconds. */
  private static long clientLoopCpuNanos() {
    long sum = 0;
    for (java.lang.management.ThreadInfo t : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
      if (t != null && t.getThreadName().startsWith(CLIENT_LOOP)) {
        sum += Math.max(0, THREADS.getThreadCpuTime(t.getThreadId()));
      }
    }
    return sum;
  }

  /** Context switches per call of the last {@link #rate} run (threads that ended not counted). */
  private static double lastSwitchesPerCall;

  /** Requests per batched run in the last {@link #rate} run (0 unbatched). */
  private static double lastPerRun;

  private static double rate(int threads, double seconds, IndexedCall c) throws Exception {
    double runs0 = RUNS.sum();
    long req0 = RUN_REQUESTS.get();
    long cpu0 = processCpuNanos();
    long cs0 = ThreadStats.contextSwitches();
    long loop0 = clientLoopCpuNanos();
    AtomicLong done = new AtomicLong();
    AtomicLong callersCpu = new AtomicLong();
    CountDownLatch start = new CountDownLatch(1);
    long end = 0;
    Thread[] ts = new Thread[threads];
    Exception[] failure = new Exception[1];
    long durationNanos = (long) (seconds * 1e9);
    long[] t0 = new long[1];
    for (int i = 0; i < threads; i++) {
      int id = i;
      ts[i] =
          new Thread(
              () -> {
                try {
                  start.await();
                  long own0 = THREADS.getCurrentThreadCpuTime();
                  while (System.nanoTime() - t0[0] < durationNanos) {
                    c.run(id);
                    done.incrementAndGet();
                  }
                  callersCpu.addAndGet(THREADS.getCurrentThreadCpuTime() - own0);
                } catch (Exception e) {
                  failure[0] = e;
                }
              },
              "bench-caller-" + i);
      ts[i].start();
    }
    t0[0] = System.nanoTime();
    start.countDown();
    for (Thread t : ts) {
      t.join();
    }
    end = System.nanoTime();
    if (failure[0] != null) {
      throw failure[0];
    }
    LAST_DONE[0] += done.get();
    long n = Math.max(1, done.get());
    lastCpuPerCall = (processCpuNanos() - cpu0) / 1e3 / n;
    lastSwitchesPerCall = (double) (ThreadStats.contextSwitches() - cs0) / n;
    lastClientCpuPerCall = (callersCpu.get() + clientLoopCpuNanos() - loop0) / 1e3 / n;
    double runs = RUNS.sum() - runs0;
    lastPerRun = runs < 0.5 ? 0 : (RUN_REQUESTS.get() - req0) / runs;
    return done.get() / ((end - t0[0]) / 1e9);
  }

  /**
   * Concurrency {@code inFlight} from the client's event loop: each answer, checked, sends the next
   * call at once (no caller thread to wake), as an asynchronous load generator does.
   */
  private static double asyncRate(
      int inFlight,
      double seconds,
      GRPCInferenceServiceGrpc.GRPCInferenceServiceStub stub,
      ModelInferRequest req,
      GrpcCheck check)
      throws Exception {
    double runs0 = RUNS.sum();
    long req0 = RUN_REQUESTS.get();
    long cpu0 = processCpuNanos();
    long cs0 = ThreadStats.contextSwitches();
    long loop0 = clientLoopCpuNanos();
    long own0 = THREADS.getCurrentThreadCpuTime();
    AtomicLong done = new AtomicLong();
    CountDownLatch lanes = new CountDownLatch(inFlight);
    Throwable[] failure = new Throwable[1];
    long t0 = System.nanoTime();
    long durationNanos = (long) (seconds * 1e9);
    for (int i = 0; i < inFlight; i++) {
      stub.modelInfer(
          req,
          new io.grpc.stub.StreamObserver<>() {
            @Override
            public void onNext(ModelInferResponse r) {
              check.check(r);
              done.incrementAndGet();
            }

            @Override
            public void onError(Throwable t) {
              failure[0] = t;
              lanes.countDown();
            }

            @Override
            public void onCompleted() {
              if (System.nanoTime() - t0 < durationNanos) {
                stub.modelInfer(req, this);
              } else {
                lanes.countDown();
              }
            }
          });
    }
    lanes.await();
    long end = System.nanoTime();
    if (failure[0] != null) {
      throw new IllegalStateException("a gRPC call failed", failure[0]);
    }
    LAST_DONE[0] += done.get();
    long n = Math.max(1, done.get());
    lastCpuPerCall = (processCpuNanos() - cpu0) / 1e3 / n;
    lastSwitchesPerCall = (double) (ThreadStats.contextSwitches() - cs0) / n;
    lastClientCpuPerCall =
        (THREADS.getCurrentThreadCpuTime() - own0 + clientLoopCpuNanos() - loop0) / 1e3 / n;
    double runs = RUNS.sum() - runs0;
    lastPerRun = runs < 0.5 ? 0 : (RUN_REQUESTS.get() - req0) / runs;
    return done.get() / ((end - t0) / 1e9);
  }

  private static final String CLIENT_LOOP = "bench-grpc-client-";

  /**
   * The c=32 part repeats its warm-up round (every mode) until the JIT's compiler threads ran less
   * than this share of a round's time ({@code -Dbench.server.jitQuietShare}, default 0.02), at most
   * {@link #JIT_QUIET_ROUNDS} rounds in all.
   */
  private static final double JIT_QUIET_SHARE =
      Double.parseDouble(System.getProperty("bench.server.jitQuietShare", "0.02"));

  /**
   * Warm-up rounds at most ({@code -Dbench.server.jitQuietRounds}, default 12; 1: the single
   * warm-up round of before; where {@code /proc} is not there the compiler reads 0 and one round is
   * run).
   */
  private static final int JIT_QUIET_ROUNDS = Integer.getInteger("bench.server.jitQuietRounds", 12);

  /**
   * {@code -Dbench.server.threadStats=true}: each c=32 mode also gets the CPU ({@code schedstat}),
   * run-queue wait and context switches per request of every thread of the process, native ones
   * included (ONNX Runtime's intra-op threads, named after the thread that loaded the model), over
   * the measured rounds, grouped by name with digits folded.
   */
  private static final boolean THREAD_STATS = Boolean.getBoolean("bench.server.threadStats");

  /** CPU of the calling threads inside the endpoint's predict / predictAsync, nanoseconds. */
  private static final java.util.concurrent.atomic.LongAdder PREDICT_CPU =
      new java.util.concurrent.atomic.LongAdder();

  /**
   * With {@code -Dbench.server.threadStats=true}, the endpoint measuring its callers' thread CPU in
   * {@code predict} and {@code predictAsync} (which completes on the caller here: the batcher runs
   * requests on their callers' threads); otherwise the endpoint itself.
   */
  private static Endpoint timed(Endpoint e) {
    if (!THREAD_STATS) {
      return e;
    }
    return (Endpoint)
        java.lang.reflect.Proxy.newProxyInstance(
            Endpoint.class.getClassLoader(),
            new Class<?>[] {Endpoint.class},
            (proxy, m, a) -> {
              boolean p = m.getName().startsWith("predict");
              long t0 = p ? THREADS.getCurrentThreadCpuTime() : 0;
              try {
                return m.invoke(e, a);
              } catch (java.lang.reflect.InvocationTargetException x) {
                throw x.getCause();
              } finally {
                if (p) {
                  PREDICT_CPU.add(THREADS.getCurrentThreadCpuTime() - t0);
                }
              }
            });
  }

  /** Requests completed by all {@link #rate} and {@link #asyncRate} runs so far. */
  private static final long[] LAST_DONE = new long[1];

  /** mode id -> group -> {run ns, wait ns, voluntary, involuntary}; and requests per mode. */
  private static final java.util.Map<String, java.util.Map<String, long[]>> GROUPS =
      new java.util.HashMap<>();

  private static final java.util.Map<String, long[]> GROUP_CALLS = new java.util.HashMap<>();

  private static void addGroups(
      String mode, ThreadStats.Snapshot before, ThreadStats.Snapshot after, long calls) {
    java.util.Map<String, long[]> g = GROUPS.computeIfAbsent(mode, m -> new java.util.TreeMap<>());
    GROUP_CALLS.computeIfAbsent(mode, m -> new long[1])[0] += calls;
    for (java.util.Map.Entry<Integer, ThreadStats.Task> e : after.tasks().entrySet()) {
      ThreadStats.Task a = e.getValue();
      ThreadStats.Task b = before.tasks().get(e.getKey());
      long[] d = g.computeIfAbsent(a.name().replaceAll("[0-9]+", "#"), k -> new long[4]);
      d[0] += a.runNanos() - (b == null ? 0 : b.runNanos());
      d[1] += a.waitNanos() - (b == null ? 0 : b.waitNanos());
      d[2] += a.voluntary() - (b == null ? 0 : b.voluntary());
      d[3] += a.involuntary() - (b == null ? 0 : b.involuntary());
    }
  }

  private static void printGroups(String[] names, String[] ids, List<String> modes) {
    java.util.Set<String> all = new java.util.TreeSet<>();
    GROUPS.values().forEach(m -> all.addAll(m.keySet()));
    StringBuilder h = new StringBuilder(String.format(Locale.ROOT, "%-18s", "thread group"));
    for (int k = 0; k < ids.length; k++) {
      if (modes.contains(ids[k])) {
        h.append(String.format(Locale.ROOT, " %16s", ids[k]));
      }
    }
    System.out.println(
        "MiniLM-16 c=32 CPU per request by thread group, us (vol+invol switches per request):");
    System.out.println(h);
    long[] total = new long[ids.length];
    for (String group : all) {
      StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-18s", group));
      boolean any = false;
      for (int k = 0; k < ids.length; k++) {
        if (!modes.contains(ids[k])) {
          continue;
        }
        long[] d = GROUPS.getOrDefault(ids[k], java.util.Map.of()).get(group);
        long calls = Math.max(1, GROUP_CALLS.getOrDefault(ids[k], new long[1])[0]);
        if (d == null) {
          line.append(String.format(Locale.ROOT, " %16s", "-"));
          continue;
        }
        if (!group.startsWith("~")) {
          total[k] += d[0];
        }
        any |= d[0] / 1e3 / calls >= 1;
        line.append(
            String.format(
                Locale.ROOT, " %8.0f (%5.2f)", d[0] / 1e3 / calls, (double) (d[2] + d[3]) / calls));
      }
      if (any) {
        System.out.println(line);
      }
    }
    StringBuilder t = new StringBuilder(String.format(Locale.ROOT, "%-18s", "all threads"));
    for (int k = 0; k < ids.length; k++) {
      if (modes.contains(ids[k])) {
        long calls = Math.max(1, GROUP_CALLS.getOrDefault(ids[k], new long[1])[0]);
        t.append(String.format(Locale.ROOT, " %8.0f        ", total[k] / 1e3 / calls));
      }
    }
    System.out.println(t);
  }

  /**
   * A plaintext channel on its own event loop (one thread, named so that its CPU counts as the
   * client's; grpc-java would otherwise share one event loop group with the server in this JVM),
   * calling back on that loop ({@code directExecutor}: the blocking stub still hands the answer to
   * its caller, the asynchronous one runs the next call there).
   */
  static ManagedChannel channel(int port) {
    java.util.concurrent.ThreadFactory named =
        r -> {
          Thread t = new Thread(r, CLIENT_LOOP + port);
          t.setDaemon(true);
          return t;
        };
    io.grpc.netty.shaded.io.netty.channel.EventLoopGroup loop;
    Class<? extends io.grpc.netty.shaded.io.netty.channel.Channel> type;
    if (io.grpc.netty.shaded.io.netty.channel.epoll.Epoll.isAvailable()) {
      loop = new io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup(1, named);
      type = io.grpc.netty.shaded.io.netty.channel.epoll.EpollSocketChannel.class;
    } else {
      loop = new io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup(1, named);
      type = io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel.class;
    }
    return NettyChannelBuilder.forAddress("127.0.0.1", port)
        .usePlaintext()
        .eventLoopGroup(loop)
        .channelType(type)
        .directExecutor()
        .build();
  }

  /** Checks every gRPC answer: one output per expected one, each of the expected byte size. */
  record GrpcCheck(long[] bytes) {
    static GrpcCheck of(io.serve4j.InferenceResponse expected) {
      long[] b = new long[expected.outputs().size()];
      for (int i = 0; i < b.length; i++) {
        b[i] = expected.outputs().get(i).byteSize();
      }
      return new GrpcCheck(b);
    }

    void check(ModelInferResponse r) {
      if (r.getRawOutputContentsCount() != bytes.length) {
        throw new IllegalStateException(
            r.getRawOutputContentsCount() + " outputs, expected " + bytes.length);
      }
      for (int i = 0; i < bytes.length; i++) {
        if (r.getRawOutputContents(i).size() != bytes[i]) {
          throw new IllegalStateException(
              "output " + i + ": " + r.getRawOutputContents(i).size() + " bytes, not " + bytes[i]);
        }
      }
    }
  }

  /** serve4j minus floor minus in-process, p50 of each round, and their median. */
  private static String perRound(long[] serve, long[] floor, long[] inproc, int rounds) {
    int n = serve.length / rounds;
    double[] d = new double[rounds];
    StringBuilder s = new StringBuilder();
    for (int r = 0; r < rounds; r++) {
      d[r] =
          p(Arrays.copyOfRange(serve, r * n, (r + 1) * n), 50)
              - p(Arrays.copyOfRange(floor, r * n, (r + 1) * n), 50)
              - p(Arrays.copyOfRange(inproc, r * n, (r + 1) * n), 50);
      s.append(String.format(Locale.ROOT, "%s%+.1f", r == 0 ? "" : " ", d[r]));
    }
    Arrays.sort(d);
    return s.append(String.format(Locale.ROOT, " (median %+.1f us)", d[rounds / 2])).toString();
  }

  private static long[] concat(long[] a, long[] b) {
    if (a == null) {
      return b;
    }
    long[] c = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }

  private static double p(long[] ns, int pct) {
    long[] s = ns.clone();
    Arrays.sort(s);
    return s[Math.min(s.length - 1, (int) Math.ceil(pct / 100.0 * s.length) - 1)] / 1000.0;
  }

  /** A minimal HTTP/1.1 keep-alive client: what a tuned client costs, not a general one. */
  static final class RestClient implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final byte[] buf = new byte[1 << 16];
    private final java.util.Map<String, Integer> sizes = new java.util.HashMap<>();

    RestClient(int port) throws IOException {
      socket = new Socket("127.0.0.1", port);
      socket.setTcpNoDelay(true);
      in = new BufferedInputStream(socket.getInputStream(), 1 << 16);
      out = socket.getOutputStream();
    }

    void post(String path, byte[] body) throws IOException {
      exchange(path, body, null);
    }

    /** Posts and returns the answer's body. */
    byte[] postForBody(String path, byte[] body) throws IOException {
      java.io.ByteArrayOutputStream answer = new java.io.ByteArrayOutputStream();
      exchange(path, body, answer);
      return answer.toByteArray();
    }

    private void exchange(String path, byte[] body, java.io.OutputStream answer)
        throws IOException {
      byte[] head =
          ("POST "
                  + path
                  + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                  + "Content-Length: "
                  + body.length
                  + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII);
      byte[] all = Arrays.copyOf(head, head.length + body.length);
      System.arraycopy(body, 0, all, head.length, body.length);
      out.write(all);
      out.flush();
      // status line and headers
      int contentLength = -1;
      int status = -1;
      StringBuilder line = new StringBuilder();
      while (true) {
        int c = in.read();
        if (c < 0) {
          throw new IOException("connection closed");
        }
        if (c == '\n') {
          String l = line.toString().trim();
          line.setLength(0);
          if (l.isEmpty()) {
            break;
          }
          if (status < 0) {
            status = Integer.parseInt(l.substring(9, 12));
          } else if (l.regionMatches(true, 0, "content-length:", 0, 15)) {
            contentLength = Integer.parseInt(l.substring(15).trim());
          }
        } else {
          line.append((char) c);
        }
      }
      int left = contentLength;
      while (left > 0) {
        int n = in.read(buf, 0, Math.min(left, buf.length));
        if (n < 0) {
          throw new UncheckedIOException(new IOException("connection closed in a body"));
        }
        if (answer != null) {
          answer.write(buf, 0, n);
        }
        left -= n;
      }
      if (status != 200) {
        throw new IOException("HTTP " + status);
      }
      // the same request gets the same answer: its size is checked against the first one's
      // (within 10 %: a batch's last bits may change the length of a float's decimal text)
      Integer first = sizes.putIfAbsent(path + body.length, contentLength);
      if (first != null && Math.abs(first - contentLength) > first / 10) {
        throw new IOException("answer of " + contentLength + " bytes, the first was " + first);
      }
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
