package io.serve4j.benchmarks;

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
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A memory soak of the local runtime: MiniLM (the quantized all-MiniLM-L6-v2) behind a batched
 * endpoint, {@code soak.threads} callers (default 4) each sending one-row requests of a sequence
 * length drawn from the buckets {@code soak.buckets} (default 16,32,64,128), random token ids.
 * Every {@code soak.sampleSeconds} (default 30) it appends to the CSV (first argument) the
 * process's resident set (VmRSS of {@code /proc/self/status}), its native thread count ({@code
 * Threads:}), the JVM's live thread count, the used heap and the prediction and error counts. At
 * the end it prints the trend: a least-squares fit of RSS over minutes after {@code
 * soak.warmupMinutes} (default 5), and the same fit over each half of that window, to show whether
 * the growth levels off.
 *
 * <p>Other settings: {@code soak.minutes} (default 60), {@code soak.arena} (ONNX Runtime's CPU
 * memory arena, default true), {@code soak.maxBatch} (16), {@code soak.instances} (2), {@code
 * soak.maxQueueDelayMicros} (1000), {@code soak.intraOpThreads} (0). {@code java ... Soak summarize
 * FILE.csv [warmupMinutes]} prints the trend of an existing series.
 */
public final class Soak {
  private Soak() {}

  /**
   * Runs the soak or summarises a series.
   *
   * @param args {@code [csv]} or {@code summarize csv [warmupMinutes]}
   * @throws Exception if the run fails
   */
  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("summarize")) {
      double warm = args.length > 2 ? Double.parseDouble(args[2]) : 5;
      System.out.print(summarize(Files.readAllLines(Paths.get(args[1])), warm));
      return;
    }
    Path csv = Paths.get(args.length > 0 ? args[0] : "soak.csv");
    double minutes = Double.parseDouble(System.getProperty("soak.minutes", "60"));
    double warmup = Double.parseDouble(System.getProperty("soak.warmupMinutes", "5"));
    int threads = Integer.getInteger("soak.threads", 4);
    int sampleSeconds = Integer.getInteger("soak.sampleSeconds", 30);
    boolean arena = Boolean.parseBoolean(System.getProperty("soak.arena", "true"));
    int[] buckets =
        List.of(System.getProperty("soak.buckets", "16,32,64,128").split(",")).stream()
            .mapToInt(s -> Integer.parseInt(s.trim()))
            .toArray();
    Path model = Workload.MINILM16.file();

    LocalOptions options =
        LocalOptions.builder()
            .isolated(true)
            .memoryArena(arena)
            .intraOpThreads(Integer.getInteger("soak.intraOpThreads", 0))
            .build();
    System.out.println("soak: " + options + ", threads=" + threads + ", minutes=" + minutes);
    AtomicLong predictions = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    AtomicBoolean stop = new AtomicBoolean();
    List<Thread> callers = new ArrayList<>();
    try (ServingClient client = Serve4j.client(options)) {
      Endpoint endpoint =
          client
              .deploy(
                  EndpointSpec.builder()
                      .name("soak")
                      .deployment(
                          DeploymentSpec.builder()
                              .name("main")
                              .model(Model.onnx("minilm", model))
                              .batching(
                                  BatchingPolicy.of(
                                          Integer.getInteger("soak.maxBatch", 16),
                                          Duration.ofNanos(
                                              1000L
                                                  * Long.getLong(
                                                      "soak.maxQueueDelayMicros", 1000L)))
                                      .withInstances(Integer.getInteger("soak.instances", 2)))
                              .build())
                      .build())
              .await();
      for (int t = 0; t < threads; t++) {
        Thread th =
            new Thread(
                () -> {
                  while (!stop.get()) {
                    try {
                      endpoint.predict(request(buckets));
                      predictions.incrementAndGet();
                    } catch (RuntimeException e) {
                      if (errors.incrementAndGet() <= 5) {
                        e.printStackTrace();
                      }
                    }
                  }
                },
                "soak-caller-" + t);
        th.setDaemon(true);
        th.start();
        callers.add(th);
      }
      long start = System.nanoTime();
      long end = start + (long) (minutes * 60e9);
      Files.createDirectories(csv.toAbsolutePath().getParent());
      try (PrintWriter out =
          new PrintWriter(Files.newBufferedWriter(csv, StandardCharsets.UTF_8), true)) {
        out.println("elapsed_s,rss_mb,native_threads,jvm_threads,heap_used_mb,predictions,errors");
        while (true) {
          long now = System.nanoTime();
          String line =
              String.format(
                  Locale.ROOT,
                  "%.0f,%.1f,%d,%d,%.1f,%d,%d",
                  (now - start) / 1e9,
                  status("VmRSS") / 1024.0,
                  status("Threads"),
                  ManagementFactory.getThreadMXBean().getThreadCount(),
                  (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory()) / 1e6,
                  predictions.get(),
                  errors.get());
          out.println(line);
          System.out.println(line);
          if (now >= end) {
            break;
          }
          Thread.sleep(Math.min(sampleSeconds * 1000L, Math.max(1, (end - now) / 1_000_000)));
        }
      }
      stop.set(true);
      for (Thread th : callers) {
        th.join(10_000);
      }
    }
    System.out.print(summarize(Files.readAllLines(csv), warmup));
  }

  private static InferenceRequest request(int[] buckets) {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    int seq = buckets[r.nextInt(buckets.length)];
    long[] ids = new long[seq];
    long[] mask = new long[seq];
    long[] types = new long[seq];
    for (int i = 0; i < seq; i++) {
      ids[i] = i == 0 ? 101 : i == seq - 1 ? 102 : 1000 + r.nextInt(28000);
      mask[i] = 1;
    }
    long[] shape = {1, seq};
    return InferenceRequest.builder()
        .input(Tensor.ofLongs("input_ids", shape, ids))
        .input(Tensor.ofLongs("attention_mask", shape, mask))
        .input(Tensor.ofLongs("token_type_ids", shape, types))
        .build();
  }

  /** A field of /proc/self/status as a number (kB for sizes); -1 where there is no /proc. */
  private static long status(String field) {
    try {
      for (String l : Files.readAllLines(Paths.get("/proc/self/status"))) {
        if (l.startsWith(field + ":")) {
          return Long.parseLong(l.substring(field.length() + 1).trim().split("\\s+")[0]);
        }
      }
    } catch (IOException | UncheckedIOException e) {
      return -1;
    }
    return -1;
  }

  /**
   * The trend of a series: RSS and threads at the start, after warm-up and at the end, and the
   * least-squares slope of RSS (MB/min) after warm-up, over the whole window and over each half.
   */
  static String summarize(List<String> lines, double warmupMinutes) {
    List<double[]> rows = new ArrayList<>();
    for (String l : lines.subList(1, lines.size())) {
      if (l.isBlank()) {
        continue;
      }
      String[] f = l.split(",");
      double[] row = new double[f.length];
      for (int i = 0; i < f.length; i++) {
        row[i] = Double.parseDouble(f[i]);
      }
      rows.add(row);
    }
    StringBuilder s = new StringBuilder();
    if (rows.isEmpty()) {
      return "no samples\n";
    }
    double[] first = rows.get(0);
    double[] last = rows.get(rows.size() - 1);
    List<double[]> after = new ArrayList<>();
    for (double[] r : rows) {
      if (r[0] / 60 >= warmupMinutes) {
        after.add(r);
      }
    }
    double minRss = Double.MAX_VALUE;
    double maxRss = 0;
    int minThreads = Integer.MAX_VALUE;
    int maxThreads = 0;
    for (double[] r : after) {
      minRss = Math.min(minRss, r[1]);
      maxRss = Math.max(maxRss, r[1]);
      minThreads = Math.min(minThreads, (int) r[2]);
      maxThreads = Math.max(maxThreads, (int) r[2]);
    }
    s.append(
        String.format(
            Locale.ROOT,
            "samples %d over %.1f min; predictions %.0f (%.0f/s), errors %.0f%n",
            rows.size(),
            last[0] / 60,
            last[5],
            last[5] / Math.max(last[0], 1),
            last[6]));
    s.append(
        String.format(
            Locale.ROOT,
            "RSS start %.1f MB, end %.1f MB; native threads start %.0f, end %.0f; JVM threads"
                + " start %.0f, end %.0f%n",
            first[1],
            last[1],
            first[2],
            last[2],
            first[3],
            last[3]));
    if (after.size() < 3) {
      s.append("fewer than 3 samples after the warm-up: no trend\n");
      return s.toString();
    }
    s.append(
        String.format(
            Locale.ROOT,
            "after %.1f min warm-up: RSS %.1f..%.1f MB, native threads %d..%d%n",
            warmupMinutes,
            minRss,
            maxRss,
            minThreads,
            maxThreads));
    int half = after.size() / 2;
    s.append(
        String.format(
            Locale.ROOT,
            "RSS trend after warm-up: %+.2f MB/min (first half %+.2f, second half %+.2f)%n",
            slope(after),
            slope(after.subList(0, half + 1)),
            slope(after.subList(half, after.size()))));
    return s.toString();
  }

  /** Least-squares slope of RSS (column 1) over minutes (column 0 in seconds). */
  private static double slope(List<double[]> rows) {
    int n = rows.size();
    if (n < 2) {
      return Double.NaN;
    }
    double mx = 0;
    double my = 0;
    for (double[] r : rows) {
      mx += r[0] / 60;
      my += r[1];
    }
    mx /= n;
    my /= n;
    double sxy = 0;
    double sxx = 0;
    for (double[] r : rows) {
      sxy += (r[0] / 60 - mx) * (r[1] - my);
      sxx += (r[0] / 60 - mx) * (r[0] / 60 - mx);
    }
    return sxx == 0 ? Double.NaN : sxy / sxx;
  }
}
