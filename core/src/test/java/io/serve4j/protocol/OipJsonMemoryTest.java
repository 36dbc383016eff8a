package io.serve4j.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.serve4j.InferenceRequest;
import io.serve4j.Tensor;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #13 item 13: reading a large body costs about the decoded tensors in memory, not a tree of
 * the document. Measured as Java heap allocated by the reading thread (decoded tensors live in
 * direct buffers). The figures are printed; {@code -Dserve4j.memtest.mb=40} reproduces the issue's
 * 40 MB body (run it with {@code -DargLine=-Xmx512m} to see the heap bound as well).
 */
class OipJsonMemoryTest {
  private static final int BODY_MB = Integer.getInteger("serve4j.memtest.mb", 8);

  /** Builds an FP32 request body of about {@code mb} megabytes with realistic numbers. */
  static byte[] body(int mb) {
    StringBuilder sb = new StringBuilder(mb * 1_048_576 + 200);
    sb.append("{\"id\":\"big\",\"inputs\":[{\"name\":\"x\",\"shape\":[");
    int digits = 10; // "-0.123456," and the like: 10 characters per element
    int count = mb * 1_048_576 / digits;
    sb.append(count).append("],\"datatype\":\"FP32\",\"data\":[");
    java.util.SplittableRandom r = new java.util.SplittableRandom(1);
    for (int i = 0; i < count; i++) {
      if (i > 0) sb.append(',');
      int v = r.nextInt(1_000_000);
      sb.append(v % 2 == 0 ? "-0." : "0.");
      String s = Integer.toString(v);
      for (int k = s.length(); k < 6; k++) sb.append('0');
      sb.append(s);
    }
    sb.append("]}]}");
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void readingALargeRequest_allocatesLessHeapThanTheBody() {
    byte[] json = body(BODY_MB);
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long id = Thread.currentThread().getId();
    OipJson.readRequest(body(1)); // warm up class loading and the JIT a little
    long before = threads.getThreadAllocatedBytes(id);
    long start = System.nanoTime();
    InferenceRequest r = OipJson.readRequest(json);
    long millis = (System.nanoTime() - start) / 1_000_000;
    long allocated = threads.getThreadAllocatedBytes(id) - before;
    Tensor x = r.inputs().get(0);
    System.out.printf(
        "OipJsonMemoryTest: body %.1f MB, %d FP32 elements (%.1f MB decoded, direct), read in %d"
            + " ms, heap allocated %.1f MB (%.2fx the body)%n",
        json.length / 1e6,
        x.elementCount(),
        x.byteSize() / 1e6,
        millis,
        allocated / 1e6,
        (double) allocated / json.length);
    assertThat(x.buffer().isDirect()).isTrue();
    // A tree of the document allocated 14-37x the body; streaming must stay under 1x.
    assertThat(allocated).isLessThan(json.length);
  }

  @Test
  void readingAndWritingALargeBody_fitsAHeapOfFiveTimesTheBody(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("body.json");
    Files.write(file, body(BODY_MB));
    long heapMb = Math.max(32, 5L * BODY_MB);
    Process p =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + heapMb + "m",
                "-cp",
                System.getProperty("java.class.path"),
                Probe.class.getName(),
                file.toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
    System.out.printf("OipJsonMemoryTest: -Xmx%dm probe: %s%n", heapMb, out.trim());
    assertThat(p.exitValue()).as(out).isZero();
  }

  /** Reads a request body from a file and writes it back, in a JVM with a small heap. */
  public static final class Probe {
    private Probe() {}

    /**
     * Runs the probe.
     *
     * @param args the body file, then optionally {@code read-only}
     * @throws Exception if the file cannot be read
     */
    public static void main(String[] args) throws Exception {
      byte[] json = Files.readAllBytes(Path.of(args[0]));
      long start = System.nanoTime();
      try {
        InferenceRequest r = OipJson.readRequest(json);
        long read = (System.nanoTime() - start) / 1_000_000;
        if (args.length > 1 && args[1].equals("read-only")) {
          System.out.printf("read %.1f MB in %d ms%n", json.length / 1e6, read);
          return;
        }
        byte[] back = OipJson.writeRequest(r);
        long total = (System.nanoTime() - start) / 1_000_000;
        System.out.printf(
            "read %.1f MB in %d ms, wrote %.1f MB; read+write %d ms%n",
            json.length / 1e6, read, back.length / 1e6, total);
      } catch (OutOfMemoryError e) {
        System.out.printf(
            "OutOfMemoryError after %d ms%n", (System.nanoTime() - start) / 1_000_000);
        System.exit(3);
      }
    }
  }
}
