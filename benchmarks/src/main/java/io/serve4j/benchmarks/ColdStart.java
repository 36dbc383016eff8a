package io.serve4j.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Cold start, interleaved: deploy to first prediction, each measurement in a fresh JVM, the
 * runtimes taking turns (round 1: ORT, DJL, serve4j; round 2: DJL, serve4j, ORT; ...) so that a
 * burst of load from elsewhere hits all of them alike. Per model it prints each runtime's median
 * time and the median of the per-round ratios against the first runtime (and serve4j against DJL).
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.serve4j.benchmarks.ColdStart
 * java -Dcold.rounds=15 -Dcold.models=mlp -Dcold.cds=/tmp/cds \
 *     -cp benchmarks/target/benchmarks.jar io.serve4j.benchmarks.ColdStart
 * </pre>
 *
 * <p>The timer starts in the child's {@code main} after the model file is on disk and stops when
 * the first prediction's outputs are in Java memory: ONNX Runtime's native library, the session
 * (for serve4j the client and the deploy operation; for DJL the engine and the model) and one
 * prediction, exactly {@link Engine#open} then {@link Engine#predict}. Each child also reports the
 * time to the end of {@link Engine#open}, the classes loaded when it stops (JDK and harness classes
 * included, the same for every runtime), the process's CPU time by then (all threads, JIT and GC
 * included: less sensitive to other load than the elapsed time) and the process's wall time (JVM
 * start and exit included).
 *
 * <p>Settings: {@code cold.rounds} (default 10), {@code cold.models} (default {@code mlp,cnn,
 * minilm16}), {@code cold.runtimes} (default {@code ort,djl,serve4j}; the first is the baseline),
 * {@code cold.jvmArgs} (extra JVM options for the children, space separated) and {@code cold.cds}:
 * a directory for AppCDS archives; when set, each runtime and model first runs once with {@code
 * -XX:ArchiveClassesAtExit=DIR/RUNTIME-MODEL.jsa} (not measured) and then every measured child runs
 * with {@code -XX:SharedArchiveFile} of its archive: each runtime gets the archive its own
 * application would ship. A runtime written {@code serve4j@DIR} runs with {@code DIR} in front of
 * the class path (to compare two builds of serve4j in one run).
 */
public final class ColdStart {
  private static final String RESULT = "coldstart ";

  private ColdStart() {}

  /**
   * Runs the comparison, or one measurement when the first argument is {@code child}.
   *
   * @param args nothing, or {@code child RUNTIME MODEL}
   * @throws Exception if a child fails
   */
  public static void main(String[] args) throws Exception {
    if (args.length == 3 && args[0].equals("child")) {
      child(Engine.Kind.of(args[1]), Workload.of(args[2]));
      return;
    }
    int rounds = Integer.getInteger("cold.rounds", 10);
    String[] models = System.getProperty("cold.models", "mlp,cnn,minilm16").split(",");
    String[] runtimes = System.getProperty("cold.runtimes", "ort,djl,serve4j").split(",");
    String cds = System.getProperty("cold.cds", "");
    System.out.printf(
        Locale.ROOT,
        "cold start, fresh JVM per measurement, %d rounds, load average %s%s%n",
        rounds,
        loadAverage(),
        cds.isEmpty() ? "" : ", AppCDS archives in " + cds);
    for (String model : models) {
      Workload.of(model).file();
      if (!cds.isEmpty()) {
        Files.createDirectories(Paths.get(cds));
        for (String runtime : runtimes) {
          Path archive = archive(cds, runtime, model);
          if (!Files.isRegularFile(archive)) {
            run(runtime, model, "-XX:ArchiveClassesAtExit=" + archive);
          }
        }
      }
      double[][] total = new double[runtimes.length][rounds];
      double[][] open = new double[runtimes.length][rounds];
      double[][] wall = new double[runtimes.length][rounds];
      double[][] cpu = new double[runtimes.length][rounds];
      long[] classes = new long[runtimes.length];
      for (int r = 0; r < rounds; r++) {
        for (int k = 0; k < runtimes.length; k++) {
          int i = (k + r) % runtimes.length;
          String extra =
              cds.isEmpty() ? null : "-XX:SharedArchiveFile=" + archive(cds, runtimes[i], model);
          double[] m = run(runtimes[i], model, extra);
          total[i][r] = m[0];
          open[i][r] = m[1];
          classes[i] = (long) m[2];
          wall[i][r] = m[3];
          cpu[i][r] = m[4];
        }
      }
      System.out.printf(
          Locale.ROOT,
          "%s: median ms (deploy = to the end of Engine.open; wall = the whole process; cpu ="
              + " the process's CPU time when the first prediction is in);"
              + " ratio = median of per-round ratios%n",
          model);
      int djl = Arrays.asList(runtimes).indexOf("djl");
      for (int i = 0; i < runtimes.length; i++) {
        String vsDjl =
            djl >= 0 && i != djl
                ? String.format(
                    Locale.ROOT, "  x%s %.2f", runtimes[djl], ratio(total[i], total[djl]))
                : "";
        System.out.printf(
            Locale.ROOT,
            "  %-16s first prediction %7.1f  deploy %7.1f  wall %7.1f  cpu %7.1f  classes %5d"
                + "  x%s %.2f%s  cpu x%s %.2f   %s%n",
            runtimes[i],
            median(total[i]),
            median(open[i]),
            median(wall[i]),
            median(cpu[i]),
            classes[i],
            runtimes[0],
            ratio(total[i], total[0]),
            vsDjl,
            runtimes[0],
            ratio(cpu[i], cpu[0]),
            format(total[i]));
      }
    }
    System.out.printf(Locale.ROOT, "load average at end %s%n", loadAverage());
  }

  private static Path archive(String dir, String runtime, String model) {
    return Paths.get(dir, runtime.replaceAll("[^A-Za-z0-9_]", "_") + "-" + model + ".jsa");
  }

  /** One fresh JVM: total ms, open ms, classes loaded, wall ms. */
  private static double[] run(String runtime, String model, String extraJvmArg)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xms1g");
    cmd.add("-Xmx1g");
    cmd.add("-Doffline=true");
    for (String p :
        List.of("serve4j.bench.models", "DJL_CACHE_DIR", "serve4j.bench.intraOpThreads")) {
      if (System.getProperty(p) != null) {
        cmd.add("-D" + p + "=" + System.getProperty(p));
      }
    }
    for (String a : System.getProperty("cold.jvmArgs", "").split(" ")) {
      if (!a.isBlank()) {
        cmd.add(a);
      }
    }
    if (extraJvmArg != null) {
      cmd.add(extraJvmArg);
    }
    int at = runtime.indexOf('@');
    cmd.add("-cp");
    cmd.add(
        (at < 0 ? "" : runtime.substring(at + 1) + java.io.File.pathSeparator)
            + System.getProperty("java.class.path"));
    cmd.add(ColdStart.class.getName());
    cmd.add("child");
    cmd.add(at < 0 ? runtime : runtime.substring(0, at));
    cmd.add(model);
    long start = System.nanoTime();
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String result = null;
    StringBuilder output = new StringBuilder();
    try (BufferedReader r =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = r.readLine()) != null; ) {
        if (line.startsWith(RESULT)) {
          result = line.substring(RESULT.length());
        } else {
          output.append(line).append('\n');
        }
      }
    }
    int exit = p.waitFor();
    double wall = (System.nanoTime() - start) / 1e6;
    if (exit != 0 || result == null) {
      throw new IllegalStateException(
          runtime + " " + model + " exited with " + exit + ":\n" + output);
    }
    String[] f = result.trim().split(" ");
    return new double[] {
      Double.parseDouble(f[0]),
      Double.parseDouble(f[1]),
      Double.parseDouble(f[2]),
      wall,
      Double.parseDouble(f[3])
    };
  }

  private static void child(Engine.Kind kind, Workload workload) throws Exception {
    workload.file();
    long start = System.nanoTime();
    Engine engine = Engine.open(kind, workload);
    long opened = System.nanoTime();
    Object outputs = engine.predict();
    long first = System.nanoTime();
    if (outputs == null) {
      throw new IllegalStateException("no outputs");
    }
    long classes = ManagementFactory.getClassLoadingMXBean().getTotalLoadedClassCount();
    long cpu =
        ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
            .getProcessCpuTime();
    System.out.println(
        RESULT
            + (first - start) / 1e6
            + " "
            + (opened - start) / 1e6
            + " "
            + classes
            + " "
            + cpu / 1e6);
    System.out.flush();
    engine.close();
  }

  private static String loadAverage() {
    try {
      String[] f = Files.readString(Paths.get("/proc/loadavg")).split(" ");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }

  private static double ratio(double[] a, double[] b) {
    double[] r = new double[a.length];
    for (int i = 0; i < a.length; i++) {
      r[i] = a[i] / b[i];
    }
    return median(r);
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    int n = s.length;
    return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  }

  private static String format(double[] v) {
    StringBuilder b = new StringBuilder();
    for (double x : v) {
      b.append(b.length() == 0 ? "" : " ").append(String.format(Locale.ROOT, "%.0f", x));
    }
    return b.toString();
  }
}
