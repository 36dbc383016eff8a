package io.serve4j.benchmarks;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.OrtSession.SessionOptions;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The two measurements behind the dynamic-batching figures in BENCHMARKS.md (what batching can gain
 * on this machine, and what it costs per request):
 *
 * <ul>
 *   <li>{@code scaling MODEL}: raw ONNX Runtime, one thread, the model run on batches of 1 to 32
 *       copies of the benchmark row; prints the time per run and per row. The per-row time at 32
 *       over the per-row time at 1 bounds what any batcher can gain in compute.
 *   <li>{@code handoff MODEL THREADS}: serve4j unbatched and batched ({@code BatchingPolicy.of(32,
 *       1 ms)}), {@code THREADS} callers for a few seconds each; prints throughput and the
 *       process's CPU time per prediction (all threads, from {@code OperatingSystemMXBean}), so the
 *       CPU a batched request costs (queueing, the worker's hand-back, waking the caller) can be
 *       set against the compute it saves.
 * </ul>
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.serve4j.benchmarks.BatchingAnalysis scaling minilm16
 * java -cp benchmarks/target/benchmarks.jar io.serve4j.benchmarks.BatchingAnalysis handoff mlp 32
 * </pre>
 */
public final class BatchingAnalysis {
  private static final int[] BATCHES = {1, 2, 4, 8, 16, 32};

  private BatchingAnalysis() {}

  /**
   * Runs one analysis.
   *
   * @param args {@code scaling MODEL} or {@code handoff MODEL THREADS}
   * @throws Exception if a run fails
   */
  public static void main(String[] args) throws Exception {
    Workload workload = Workload.of(args[1]);
    switch (args[0]) {
      case "scaling" -> scaling(workload);
      case "handoff" -> handoff(workload, Integer.parseInt(args[2]));
      default -> throw new IllegalArgumentException("scaling or handoff, not " + args[0]);
    }
  }

  private static void scaling(Workload workload) throws Exception {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (SessionOptions so = OrtEngine.sessionOptions();
        OrtSession session = env.createSession(workload.file().toString(), so)) {
      double perRowAtOne = 0;
      for (int batch : BATCHES) {
        Map<String, OnnxTensor> feed = new HashMap<>();
        try {
          for (Workload.Input in : workload.inputs()) {
            feed.put(in.name(), repeated(env, in, batch));
          }
          long budget = 3_000_000_000L;
          runFor(session, feed, budget / 3); // warm-up
          long[] callsAndNanos = runFor(session, feed, budget);
          double perRun = callsAndNanos[1] / 1e3 / callsAndNanos[0];
          double perRow = perRun / batch;
          if (batch == 1) {
            perRowAtOne = perRun;
          }
          System.out.printf(
              Locale.ROOT,
              "%s batch %2d: %10.1f us per run, %9.2f us per row, row cost vs batch 1: %.3f%n",
              workload.id(),
              batch,
              perRun,
              perRow,
              perRow / perRowAtOne);
        } finally {
          for (OnnxTensor t : feed.values()) {
            t.close();
          }
        }
      }
    }
  }

  private static OnnxTensor repeated(OrtEnvironment env, Workload.Input in, int batch)
      throws Exception {
    ByteBuffer row = in.view();
    ByteBuffer b =
        ByteBuffer.allocateDirect(row.remaining() * batch).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < batch; i++) {
      b.put(row.duplicate());
    }
    b.flip();
    long[] shape = in.shape().clone();
    shape[0] = batch;
    return OnnxTensor.createTensor(
        env, b, shape, in.int64() ? OnnxJavaType.INT64 : OnnxJavaType.FLOAT);
  }

  private static long[] runFor(OrtSession session, Map<String, OnnxTensor> feed, long nanos)
      throws Exception {
    long calls = 0;
    long start = System.nanoTime();
    long now;
    do {
      try (OrtSession.Result r = session.run(feed)) {
        if (r.size() == 0) {
          throw new IllegalStateException("no output");
        }
      }
      calls++;
      now = System.nanoTime();
    } while (now - start < nanos);
    return new long[] {calls, now - start};
  }

  private static void handoff(Workload workload, int threads) throws Exception {
    for (boolean batched : new boolean[] {false, true, false, true}) {
      try (Serve4jEngine engine = new Serve4jEngine(workload, batched)) {
        drive(engine, threads, 1_000_000_000L); // warm-up
        long cpu0 = processCpuNanos();
        long start = System.nanoTime();
        long calls = drive(engine, threads, 3_000_000_000L);
        long wall = System.nanoTime() - start;
        long cpu = processCpuNanos() - cpu0;
        System.out.printf(
            Locale.ROOT,
            "%s %-9s %2d threads: %9.0f predictions/s, %7.1f us CPU per prediction, %.2f cores"
                + " busy%n",
            workload.id(),
            batched ? "batched" : "unbatched",
            threads,
            calls * 1e9 / wall,
            cpu / 1e3 / calls,
            (double) cpu / wall);
      }
    }
  }

  private static long drive(Engine engine, int threads, long nanos) throws InterruptedException {
    AtomicLong calls = new AtomicLong();
    long end = System.nanoTime() + nanos;
    Thread[] ts = new Thread[threads];
    for (int t = 0; t < threads; t++) {
      ts[t] =
          new Thread(
              () -> {
                long n = 0;
                try {
                  while (System.nanoTime() < end) {
                    engine.predict();
                    n++;
                  }
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
                calls.addAndGet(n);
              });
      ts[t].start();
    }
    for (Thread t : ts) {
      t.join();
    }
    return calls.get();
  }

  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }
}
