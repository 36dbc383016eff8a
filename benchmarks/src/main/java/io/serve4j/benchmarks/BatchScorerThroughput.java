package io.serve4j.benchmarks;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.OrtSession.SessionOptions;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.StreamWriteFeature;
import io.serve4j.Endpoint;
import io.serve4j.EndpointSpec;
import io.serve4j.Model;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.batch.BatchResult;
import io.serve4j.batch.BatchScorer;
import io.serve4j.batch.FieldMapping;
import io.serve4j.local.LocalOptions;
import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.FileOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Throughput of {@code BatchScorer} (module {@code batch}) through the {@code local} provider
 * beside a plain ONNX Runtime loop at the same batch size, on the same JSON Lines file and the
 * benchmark's MLP ({@code x} FP32[N,64] → 256 → 256 → {@code y} FP32[N,10]), in one JVM, taking
 * turns: after a warm-up of each side, every round runs the plain loop and the scorer at each
 * concurrency (the order alternating from round to round) and prints records/s, the process's CPU
 * time per record (all threads: the scorer's reader and writer, ONNX Runtime's, GC) and the load
 * average; at the end the median of the per-round ratios. On a loaded machine the records/s ratio
 * favours the side with more runnable threads (the scorer's reader and writer get two shares of the
 * CPU, the plain loop one); the CPU-per-record ratio is the one that load does not skew. Run by
 * hand:
 *
 * <pre>
 * java -Xms1g -Xmx1g -cp benchmarks/target/benchmarks.jar \
 *     io.serve4j.benchmarks.BatchScorerThroughput 100000 64 1,2 7
 * </pre>
 *
 * <p>Arguments: records (default 100,000), batch size (64), scorer concurrencies (1,2), rounds (7).
 * System properties: {@code serve4j.bench.intraOpThreads} (ONNX Runtime's intra-op threads on both
 * sides, default 0: one per core), {@code serve4j.bench.checkpointMillis} (the scorer's checkpoint
 * interval, default its own default of 1 s), {@code serve4j.bench.model=linear} (both sides run a
 * one-layer 64 → 10 model instead of the MLP: the floor, what the work around the model costs on
 * each side) and {@code serve4j.bench.threadCpu=true} (each run's CPU per record by thread, native
 * threads included, from /proc).
 *
 * <p>The plain loop is the best single-threaded use of ONNX Runtime's Java API for the same work:
 * each line read and JSON-parsed (Jackson's streaming parser straight into a direct buffer), the
 * batch tensor made over that pre-allocated direct buffer (no copy), the session run into a
 * pre-allocated, pinned output tensor, one JSON line written per record to a file (Jackson's
 * generator, buffered), and the file fsynced at the end. Jackson's settings are the scorer's
 * (FastDoubleParser in, Schubfach out); session options are serve4j's defaults (the JMH engines').
 * It has no checkpoints, no dead-letter file and no per-record error handling: that is what the
 * scorer adds. Both sides' outputs are compared byte for byte.
 */
public final class BatchScorerThroughput {
  private static final int IN = SyntheticModels.MLP_IN;
  private static final int OUT = SyntheticModels.MLP_OUT;
  // The scorer's Jackson settings: FastDoubleParser in, Schubfach out.
  private static final JsonFactory JSON =
      JsonFactory.builder()
          .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
          .enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER)
          .build();

  /**
   * {@code serve4j.bench.model=linear}: both sides run a one-layer model (64 → 10, {@link
   * SyntheticModels#linear}) instead of the MLP, so that what is measured is almost only the work
   * around the model (reading, parsing, formatting, writing; the scorer's checkpoints, tensors and
   * call path): the floor of the scorer's cost beside the plain loop's.
   */
  private static final boolean LINEAR =
      "linear".equals(System.getProperty("serve4j.bench.model", "mlp"));

  /** The scorer's checkpoint interval: {@code serve4j.bench.checkpointMillis}, default 1000. */
  private static final Duration CHECKPOINT_INTERVAL =
      Duration.ofMillis(Long.getLong("serve4j.bench.checkpointMillis", 1000));

  private BatchScorerThroughput() {}

  /**
   * Runs the comparison.
   *
   * @param args records, batch size, concurrencies (comma-separated), rounds
   * @throws Exception on failure
   */
  public static void main(String[] args) throws Exception {
    int records = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    int batch = args.length > 1 ? Integer.parseInt(args[1]) : 64;
    int[] concurrencies =
        Arrays.stream((args.length > 2 ? args[2] : "1,2").split(","))
            .mapToInt(Integer::parseInt)
            .toArray();
    int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 7;

    Path dir = Files.createTempDirectory("serve4j-batch-throughput");
    Path model = dir.resolve("model.onnx");
    Files.write(model, LINEAR ? SyntheticModels.linear().bytes() : SyntheticModels.mlp().bytes());
    Path input = dir.resolve("records.jsonl");
    writeRecords(input, records);
    System.out.printf(
        Locale.ROOT,
        "%,d records (%,d bytes), batch %d, %s %d->%s%d, %d cpus, concurrencies %s,"
            + " %d rounds, intra-op threads %d, checkpoint every %d ms%n",
        records,
        Files.size(input),
        batch,
        LINEAR ? "linear (floor)" : "MLP",
        IN,
        LINEAR ? "" : "256->256->",
        OUT,
        Runtime.getRuntime().availableProcessors(),
        Arrays.toString(concurrencies),
        rounds,
        OrtEngine.intraOpThreads(),
        CHECKPOINT_INTERVAL.toMillis());

    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (SessionOptions so = OrtEngine.sessionOptions();
        OrtSession session = env.createSession(model.toString(), so);
        ServingClient client =
            Serve4j.client(
                LocalOptions.builder()
                    .isolated(true)
                    .intraOpThreads(OrtEngine.intraOpThreads())
                    .build())) {
      client.deploy(EndpointSpec.of("mlp", Model.onnx("mlp", model))).await();
      Endpoint endpoint = client.endpoint("mlp");
      Path plainOut = dir.resolve("plain.jsonl");

      // Warm-up: each side twice, not measured.
      for (int i = 0; i < 2; i++) {
        plainLoop(env, session, input, plainOut, batch);
        for (int c : concurrencies) {
          scorer(endpoint, input, dir.resolve("scored-" + c + ".jsonl"), batch, c);
        }
      }
      for (int c : concurrencies) {
        if (!Arrays.equals(
            Files.readAllBytes(plainOut),
            Files.readAllBytes(dir.resolve("scored-" + c + ".jsonl")))) {
          throw new IllegalStateException("the scorer's output differs from the plain loop's");
        }
      }
      System.out.println("outputs identical (plain loop and scorer, byte for byte): true");

      List<List<Double>> ratios = new ArrayList<>();
      List<List<Double>> cpuRatios = new ArrayList<>();
      List<List<Double>> workRatios = new ArrayList<>();
      for (int c : concurrencies) {
        ratios.add(new ArrayList<>());
        cpuRatios.add(new ArrayList<>());
        workRatios.add(new ArrayList<>());
      }
      for (int round = 1; round <= rounds; round++) {
        String loadBefore = loadAverage();
        Run plain = null;
        Run[] scored = new Run[concurrencies.length];
        // Alternate the order so that neither side always runs right after the other.
        boolean plainFirst = round % 2 == 1;
        if (plainFirst) {
          plain = measure("plain", records, () -> plainLoop(env, session, input, plainOut, batch));
        }
        for (int k = 0; k < concurrencies.length; k++) {
          int c = concurrencies[k];
          scored[k] =
              measure(
                  "scorer c=" + c,
                  records,
                  () -> scorer(endpoint, input, dir.resolve("scored-" + c + ".jsonl"), batch, c));
        }
        if (!plainFirst) {
          plain = measure("plain", records, () -> plainLoop(env, session, input, plainOut, batch));
        }
        StringBuilder line =
            new StringBuilder(
                String.format(
                    Locale.ROOT,
                    "round %d (load %s -> %s): plain %,.0f rec/s %.2f us cpu/rec (%.2f w/o JIT)",
                    round,
                    loadBefore,
                    loadAverage(),
                    plain.perSecond(records),
                    plain.cpuMicrosPer(records),
                    plain.workMicrosPer(records)));
        for (int k = 0; k < concurrencies.length; k++) {
          double ratio = scored[k].perSecond(records) / plain.perSecond(records);
          double cpuRatio = plain.cpuMicrosPer(records) / scored[k].cpuMicrosPer(records);
          double workRatio = plain.workMicrosPer(records) / scored[k].workMicrosPer(records);
          ratios.get(k).add(ratio);
          cpuRatios.get(k).add(cpuRatio);
          workRatios.get(k).add(workRatio);
          line.append(
              String.format(
                  Locale.ROOT,
                  "; scorer c=%d %,.0f rec/s %.2f us cpu/rec (%.2f w/o JIT), ratio %.3f (cpu %.3f,"
                      + " w/o JIT %.3f)",
                  concurrencies[k],
                  scored[k].perSecond(records),
                  scored[k].cpuMicrosPer(records),
                  scored[k].workMicrosPer(records),
                  ratio,
                  cpuRatio,
                  workRatio));
        }
        System.out.println(line);
      }
      for (int k = 0; k < concurrencies.length; k++) {
        List<Double> r = new ArrayList<>(ratios.get(k));
        r.sort(null);
        List<Double> cr = new ArrayList<>(cpuRatios.get(k));
        cr.sort(null);
        List<Double> wr = new ArrayList<>(workRatios.get(k));
        wr.sort(null);
        System.out.printf(
            Locale.ROOT,
            "scorer c=%d / plain loop, records/s: median of %d rounds %.3f (min %.3f, max %.3f);"
                + " CPU per record, plain / scorer: median %.3f (min %.3f, max %.3f);"
                + " the same without the JIT compiler threads: median %.3f (min %.3f, max %.3f)%n",
            concurrencies[k],
            r.size(),
            median(r),
            r.get(0),
            r.get(r.size() - 1),
            median(cr),
            cr.get(0),
            cr.get(cr.size() - 1),
            median(wr),
            wr.get(0),
            wr.get(wr.size() - 1));
      }
    }
  }

  /**
   * One timed run: wall time, process CPU time, and the CPU time of the JIT compiler threads in it
   * (from /proc; 0 elsewhere). The scorer's per-batch code (its call path, run once per 64 records)
   * reaches the optimizing compiler only after several of the harness's 100,000-record runs, so
   * every round pays compilations that a long job pays once: the CPU without the compiler threads
   * is the steady state's.
   */
  private record Run(long nanos, long cpuNanos, long jitNanos) {
    double workMicrosPer(int records) {
      return (cpuNanos - jitNanos) / 1e3 / records;
    }

    double perSecond(int records) {
      return records / (nanos / 1e9);
    }

    double cpuMicrosPer(int records) {
      return cpuNanos / 1e3 / records;
    }
  }

  private interface Job {
    void run() throws Exception;
  }

  /** {@code serve4j.bench.threadCpu}: print each run's CPU per record split by thread name. */
  private static final boolean THREAD_CPU = Boolean.getBoolean("serve4j.bench.threadCpu");

  private static Run measure(String label, int records, Job job) throws Exception {
    System.gc();
    Map<String, Long> threads0 = threadCpu();
    long cpu0 = processCpuNanos();
    long t0 = System.nanoTime();
    job.run();
    long t1 = System.nanoTime();
    long cpu1 = processCpuNanos();
    Map<String, Long> threads1 = threadCpu();
    long jit = 0;
    for (Map.Entry<String, Long> e : threads1.entrySet()) {
      if (e.getKey().contains("CompilerThre")) {
        jit += e.getValue() - threads0.getOrDefault(e.getKey(), 0L);
      }
    }
    Run run = new Run(t1 - t0, cpu1 - cpu0, jit);
    if (THREAD_CPU) {
      StringBuilder sb = new StringBuilder("  ").append(label).append(" cpu us/rec by thread:");
      long live = 0;
      for (Map.Entry<String, Long> e : new java.util.TreeMap<>(threads1).entrySet()) {
        long ns = e.getValue() - threads0.getOrDefault(e.getKey(), 0L);
        live += ns;
        if (ns / 1e3 / records >= 0.01) {
          sb.append(String.format(Locale.ROOT, " %s=%.2f", e.getKey(), ns / 1e3 / records));
        }
      }
      // threads that ended during the run (the scorer's writer and commit threads)
      sb.append(
          String.format(
              Locale.ROOT, " (ended threads)=%.2f", (run.cpuNanos() - live) / 1e3 / records));
      System.out.println(sb);
    }
    return run;
  }

  /**
   * CPU time of this process's threads (native ones included, e.g. ONNX Runtime's) summed by thread
   * name (the kernel's, at most 15 characters, digits dropped), from /proc/self/task/N/schedstat.
   */
  private static Map<String, Long> threadCpu() throws IOException {
    Map<String, Long> byName = new java.util.HashMap<>();
    if (!Files.isDirectory(Path.of("/proc/self/task"))) {
      return byName;
    }
    try (java.nio.file.DirectoryStream<Path> tasks =
        Files.newDirectoryStream(Path.of("/proc/self/task"))) {
      for (Path t : tasks) {
        try {
          String name = Files.readString(t.resolve("comm")).trim().replaceAll("[0-9]+", "#");
          String st = Files.readString(t.resolve("schedstat")).trim();
          byName.merge(name, Long.parseLong(st.substring(0, st.indexOf(' '))), Long::sum);
        } catch (IOException gone) {
          // the thread ended meanwhile
        }
      }
    }
    return byName;
  }

  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  private static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
      return f[0];
    } catch (IOException e) {
      return String.format(
          Locale.ROOT, "%.2f", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }
  }

  private static double median(List<Double> sorted) {
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }

  private static void writeRecords(Path file, int records) throws IOException {
    Random r = new Random(42);
    StringBuilder sb = new StringBuilder(records * 500);
    for (int i = 0; i < records; i++) {
      sb.append("{\"id\":").append(i).append(",\"features\":[");
      for (int j = 0; j < IN; j++) {
        if (j > 0) {
          sb.append(',');
        }
        // %.4f without Formatter's cost
        long v = Math.round(r.nextGaussian() * 10_000);
        if (v < 0) {
          sb.append('-');
          v = -v;
        }
        sb.append(v / 10_000).append('.');
        String frac = Long.toString(v % 10_000);
        sb.append("0000", frac.length(), 4).append(frac);
      }
      sb.append("]}\n");
    }
    Files.writeString(file, sb);
  }

  private static void scorer(Endpoint endpoint, Path input, Path output, int batch, int c) {
    BatchResult r =
        BatchScorer.builder()
            .endpoint(endpoint)
            .input(input)
            .map(FieldMapping.of("x", "features"))
            .idField("id")
            .output(output)
            .restart(true)
            .batchSize(batch)
            .concurrency(c)
            .checkpointInterval(CHECKPOINT_INTERVAL)
            .build()
            .run();
    if (r.errors() > 0) {
      throw new IllegalStateException(r.errors() + " errors");
    }
  }

  /** The plain loop: see the class comment. */
  private static void plainLoop(
      OrtEnvironment env, OrtSession session, Path input, Path output, int batch)
      throws IOException, OrtException {
    FloatBuffer x =
        ByteBuffer.allocateDirect(batch * IN * Float.BYTES)
            .order(ByteOrder.nativeOrder())
            .asFloatBuffer();
    FloatBuffer y =
        ByteBuffer.allocateDirect(batch * OUT * Float.BYTES)
            .order(ByteOrder.nativeOrder())
            .asFloatBuffer();
    long[] ids = new long[batch];
    try (OnnxTensor fullX = OnnxTensor.createTensor(env, x, new long[] {batch, IN});
        OnnxTensor fullY = OnnxTensor.createTensor(env, y, new long[] {batch, OUT});
        BufferedReader in = Files.newBufferedReader(input, StandardCharsets.UTF_8);
        FileOutputStream file = new FileOutputStream(output.toFile());
        JsonGenerator g = JSON.createGenerator(new BufferedOutputStream(file, 1 << 16))) {
      g.setRootValueSeparator(null); // lines are separated by '\n' below, not by a space
      int n = 0;
      String line;
      while (true) {
        line = in.readLine();
        if (line != null) {
          if (line.isBlank()) {
            continue;
          }
          ids[n] = parse(line, x, n);
          n++;
        }
        if (n == batch || (line == null && n > 0)) {
          if (n == batch) {
            session.run(Map.of("x", fullX), Map.of("y", fullY)).close();
          } else {
            // The last, short batch: tensors of its own size over the same buffers.
            try (OnnxTensor tx =
                    OnnxTensor.createTensor(env, x.duplicate().limit(n * IN), new long[] {n, IN});
                OnnxTensor ty =
                    OnnxTensor.createTensor(
                        env, y.duplicate().limit(n * OUT), new long[] {n, OUT})) {
              session.run(Map.of("x", tx), Map.of("y", ty)).close();
            }
          }
          for (int i = 0; i < n; i++) {
            g.writeStartObject();
            g.writeNumberField("id", ids[i]);
            g.writeArrayFieldStart("y");
            for (int j = 0; j < OUT; j++) {
              g.writeNumber(y.get(i * OUT + j));
            }
            g.writeEndArray();
            g.writeEndObject();
            g.writeRaw('\n');
          }
          n = 0;
        }
        if (line == null) {
          break;
        }
      }
      g.flush();
      file.getFD().sync();
    }
  }

  /** Parses {@code {"id": N, "features": [64 numbers]}} into row {@code row} of {@code x}. */
  private static long parse(String line, FloatBuffer x, int row) throws IOException {
    long id = -1;
    int seen = 0;
    try (JsonParser p = JSON.createParser(line)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new IOException("not an object: " + line);
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken t = p.nextToken();
        if ("id".equals(name)) {
          id = p.getLongValue();
        } else if ("features".equals(name) && t == JsonToken.START_ARRAY) {
          int base = row * IN;
          while (p.nextToken() != JsonToken.END_ARRAY) {
            if (seen == IN) {
              throw new IOException("more than " + IN + " features: " + line);
            }
            x.put(base + seen++, (float) p.getDoubleValue());
          }
        } else {
          p.skipChildren();
        }
      }
    }
    if (seen != IN) {
      throw new IOException(seen + " features, not " + IN + ": " + line);
    }
    return id;
  }
}
