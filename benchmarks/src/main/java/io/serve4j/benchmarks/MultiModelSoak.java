package io.serve4j.benchmarks;

import io.serve4j.EndpointSpec;
import io.serve4j.InferenceRequest;
import io.serve4j.Model;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.Tensor;
import io.serve4j.local.LocalOptions;
import io.serve4j.local.LocalStatistics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Locale;
import java.util.Random;

/**
 * The local multi-model endpoint under a memory budget, in two parts.
 *
 * <p><b>Hit rate</b>: {@code mm.models} copies (default 100) of the benchmark MLP behind one
 * endpoint, a budget that fits {@code mm.fit} of them (default 10), {@code mm.requests} requests
 * (default 20,000) whose target follows a Zipf law of exponent {@code mm.zipf} (default 1.1; model
 * k is asked with weight 1/k^s, as a few popular models and a long tail are). It prints the hit
 * rate (requests served by a loaded model) beside the best any cache of that size could do on this
 * draw (the share of requests for the {@code mm.fit} most asked models), loads and evictions.
 *
 * <p><b>Load/unload cycles</b>: a budget that fits one model, requests alternating between two, so
 * that every request loads one model and unloads the other: {@code mm.cycles} (default 10,000)
 * cycles. It prints the resident set ({@code VmRSS}) after the first 10 % of cycles (warm-up) and
 * at every further 10 %, and the growth from warm-up to the end. Run with a fixed heap ({@code
 * -Xms256m -Xmx256m}) so that growth is native memory, not the heap resizing.
 *
 * <pre>{@code
 * java -Xms256m -Xmx256m -cp benchmarks/target/benchmarks.jar io.serve4j.benchmarks.MultiModelSoak
 * }</pre>
 */
public final class MultiModelSoak {
  private MultiModelSoak() {}

  /**
   * Runs both parts.
   *
   * @param args unused
   * @throws Exception if a part fails
   */
  public static void main(String[] args) throws Exception {
    int models = Integer.getInteger("mm.models", 100);
    int fit = Integer.getInteger("mm.fit", 10);
    int requests = Integer.getInteger("mm.requests", 20_000);
    double zipf = Double.parseDouble(System.getProperty("mm.zipf", "1.1"));
    int cycles = Integer.getInteger("mm.cycles", 10_000);
    byte[] mlp = SyntheticModels.mlp().bytes();
    Path dir = Files.createTempDirectory("serve4j-multi-model");
    for (int i = 0; i < models; i++) {
      Files.write(dir.resolve("m" + i + ".onnx"), mlp);
    }
    InferenceRequest base =
        InferenceRequest.of(
            Tensor.ofFloats(
                "x", new long[] {1, SyntheticModels.MLP_IN}, new float[SyntheticModels.MLP_IN]));

    // Part 1: hit rate under a Zipf draw.
    double[] cumulative = new double[models];
    double sum = 0;
    for (int k = 0; k < models; k++) {
      sum += 1 / Math.pow(k + 1, zipf);
      cumulative[k] = sum;
    }
    Random random = new Random(20261130L);
    int[] asked = new int[models];
    LocalStatistics stats = new LocalStatistics();
    try (ServingClient client = client(stats, (long) mlp.length * fit + mlp.length / 2)) {
      deploy(client, dir);
      for (int i = 0; i < requests; i++) {
        double u = random.nextDouble() * sum;
        int k = 0;
        while (cumulative[k] < u) {
          k++;
        }
        asked[k]++;
        client.endpoint("fleet").predict(base.toBuilder().targetModel("m" + k + ".onnx").build());
      }
    }
    int[] sorted = asked.clone();
    java.util.Arrays.sort(sorted);
    long best = 0;
    for (int i = 0; i < fit; i++) {
      best += sorted[models - 1 - i];
    }
    System.out.printf(
        Locale.ROOT,
        "hit rate: %d models, budget fits %d, %d requests (Zipf %.2f): hits %d, loads %d,"
            + " evictions %d, hit rate %.3f; best possible for a %d-model cache on this draw %.3f%n",
        models,
        fit,
        requests,
        zipf,
        stats.multiModelHits(),
        stats.multiModelLoads(),
        stats.multiModelEvictions(),
        stats.multiModelHits() / (double) requests,
        fit,
        best / (double) requests);

    if (cycles <= 0) {
      return;
    }
    // Part 2: load/unload cycles.
    LocalStatistics cycleStats = new LocalStatistics();
    long warm = -1;
    try (ServingClient client = client(cycleStats, mlp.length + mlp.length / 2)) {
      deploy(client, dir);
      int step = Math.max(1, cycles / 10);
      for (int i = 1; i <= cycles; i++) {
        client
            .endpoint("fleet")
            .predict(base.toBuilder().targetModel("m" + (i % 2) + ".onnx").build());
        if (i % step == 0) {
          System.gc();
          long rss = rssKiB();
          if (warm < 0) {
            warm = rss;
          }
          System.out.printf(
              Locale.ROOT,
              "cycles %,d: loads %,d, evictions %,d, VmRSS %.1f MB%n",
              i,
              cycleStats.multiModelLoads(),
              cycleStats.multiModelEvictions(),
              rss / 1024.0);
        }
      }
      long end = rssKiB();
      System.out.printf(
          Locale.ROOT,
          "load/unload: %,d loads, %,d evictions; VmRSS growth from 10%% of the cycles to the end:"
              + " %+.1f MB%n",
          cycleStats.multiModelLoads(),
          cycleStats.multiModelEvictions(),
          (end - warm) / 1024.0);
    }
  }

  private static ServingClient client(LocalStatistics stats, long budget) {
    return Serve4j.client(
        LocalOptions.builder()
            .isolated(true)
            .statistics(stats)
            .intraOpThreads(1)
            .multiModelMemoryBudgetBytes(budget)
            .build());
  }

  private static void deploy(ServingClient client, Path dir) {
    client
        .deploy(
            EndpointSpec.of(
                "fleet",
                Model.builder().name("fleet").artifact(dir.toUri()).multiModel(true).build()))
        .await();
  }

  private static long rssKiB() {
    try {
      for (String l : Files.readAllLines(Paths.get("/proc/self/status"))) {
        if (l.startsWith("VmRSS:")) {
          return Long.parseLong(l.substring(6).trim().split("\\s+")[0]);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return -1;
  }
}
