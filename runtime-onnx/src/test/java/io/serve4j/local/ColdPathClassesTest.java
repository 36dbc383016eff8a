package io.serve4j.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.serve4j.Endpoint;
import io.serve4j.EndpointSpec;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.Model;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.Tensor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cold start (client, deploy, first prediction in a fresh JVM) loads only what a local prediction
 * uses: the parts of core's template a local call never reaches live in classes of their own, found
 * by name when first used, and the path spins no lambda of serve4j's. The child JVM logs every
 * class it loads ({@code -Xlog:class+load}); the test reads the log.
 */
class ColdPathClassesTest {
  @TempDir Path dir;

  /** Classes a local deploy and prediction without listeners or a circuit breaker never needs. */
  private static final List<String> LAZY =
      List.of(
          "io.serve4j.internal.CallListeners",
          "io.serve4j.internal.Breakers",
          "io.serve4j.internal.BatchJobCalls",
          "io.serve4j.internal.EndpointStreams",
          "io.serve4j.internal.EndpointChanges",
          "io.serve4j.internal.StreamCall",
          "io.serve4j.internal.DefaultServingClient$Pending",
          "io.serve4j.internal.DefaultServingClient$AttemptDone",
          // the client's scheduler is made at its first use; deadlines go to the watchdog
          "java.util.concurrent.ScheduledThreadPoolExecutor");

  @Test
  void aLocalDeployAndPrediction_loadNoneOfTheLazyParts_andSpinNoLambdaOfServe4j()
      throws Exception {
    List<String> loaded = new ArrayList<>();
    for (String entry : loadedByAColdStart()) {
      loaded.add(entry.substring(0, entry.lastIndexOf('@')));
    }
    assertThat(loaded)
        .as("the child ran the path")
        .contains(
            "io.serve4j.internal.DefaultServingClient",
            "io.serve4j.internal.ClientScheduler",
            "io.serve4j.internal.DefaultEndpoint",
            "io.serve4j.local.internal.LocalClient");
    assertThat(loaded).doesNotContainAnyElementsOf(LAZY);
    assertThat(loaded)
        .filteredOn(c -> c.startsWith("io.github.resilience4j.") || c.startsWith("com.fasterxml."))
        .as("resilience4j (no circuit breaker) and Jackson")
        .isEmpty();
    assertThat(loaded)
        .filteredOn(c -> c.startsWith("io.serve4j.") && c.contains("$$Lambda"))
        .as("serve4j lambdas spun on the way")
        .isEmpty();
  }

  @Test
  void theDeployPathsClasses_areLoadedOnAnotherThread_whileTheNativeLibraryLoads()
      throws Exception {
    Map<String, String> thread = loadingThreads(loadedByAColdStart());
    String caller = thread.get("io.serve4j.local.internal.LocalClient");
    assertThat(caller).as("the caller's thread loaded the client").isNotNull();
    // Classes the caller's thread itself needs only after ONNX Runtime's environment is made (the
    // loader thread never loads them; it does load DefaultEndpoint, completing the deploy):
    // preloaded meanwhile. Without the preloading thread the
    // caller loads every one; one is enough here, so that a preloader descheduled on a loaded
    // machine does not fail the test.
    List<String> callerOnly =
        List.of(
            "io.serve4j.internal.DefaultServingClient",
            "io.serve4j.internal.DefaultOperation",
            "io.serve4j.internal.DefaultEndpoint$Predict",
            "io.serve4j.InferenceResponse");
    assertThat(thread).containsKeys(callerOnly.toArray(new String[0]));
    assertThat(callerOnly)
        .as("one loaded by a thread other than the caller's (%s)", caller)
        .anyMatch(c -> !thread.get(c).equals(caller));
  }

  /** Class name to the id of the thread that loaded it, from lines ending in "@tid". */
  private static Map<String, String> loadingThreads(List<String> loaded) {
    Map<String, String> thread = new HashMap<>();
    for (String entry : loaded) {
      int at = entry.lastIndexOf('@');
      thread.putIfAbsent(entry.substring(0, at), entry.substring(at + 1));
    }
    return thread;
  }

  /** Each class the child loaded, as "name@tid" (the id of the thread that loaded it). */
  private List<String> loadedByAColdStart() throws Exception {
    Path model = Files.write(dir.resolve("add.onnx"), OnnxModels.add());
    Path log = dir.resolve("classes.log");
    Path out = dir.resolve("out");
    ProcessBuilder pb =
        new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xlog:class+load=info:file=" + log + ":tid,level,tags",
            Probe.class.getName(),
            model.toString());
    // The class path through the environment: ONNX Runtime 1.29 crashes on long command lines.
    pb.environment().put("CLASSPATH", System.getProperty("java.class.path"));
    pb.redirectErrorStream(true).redirectOutput(out.toFile());
    Process p = pb.start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    String printed = Files.readString(out, StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as(printed).isZero();
    assertThat(printed).contains("sum=[2.0, 4.0, 6.0]");
    List<String> classes = new ArrayList<>();
    for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
      // [12345][info][class,load] java.lang.Object source: shared objects file
      int at = line.indexOf("] ");
      int end = line.indexOf(' ', at + 2);
      if (line.contains("[class,load]") && line.startsWith("[") && at > 0 && end > at) {
        String tid = line.substring(1, line.indexOf(']'));
        classes.add(line.substring(line.lastIndexOf("] ", end) + 2, end) + "@" + tid);
      }
    }
    return classes;
  }

  /** Client, deploy, one prediction; exits without closing (a cold start ends at the answer). */
  static final class Probe {
    public static void main(String[] args) {
      ServingClient client = Serve4j.client(LocalOptions.builder().isolated(true).build());
      Endpoint e =
          client.deploy(EndpointSpec.of("add", Model.onnx("add", Path.of(args[0])))).await();
      InferenceResponse r =
          e.predict(
              InferenceRequest.builder()
                  .input(Tensor.ofFloats("a", new long[] {3}, new float[] {1, 2, 3}))
                  .input(Tensor.ofFloats("b", new long[] {3}, new float[] {1, 2, 3}))
                  .build());
      System.out.println("sum=" + java.util.Arrays.toString(r.output("sum").asFloats()));
      System.exit(0);
    }
  }
}
