package io.serve4j.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shaded -all jar on a Spark class path, in a forked JVM. */
class ShadedJarIT {
  static final Path JAR = Path.of(System.getProperty("shaded.jar"));

  @Test
  void allJar_relocatesJacksonNettyProtobufGrpcAndGuava() throws Exception {
    List<String> leaked = new ArrayList<>();
    boolean relocatedJackson = false;
    try (JarFile jar = new JarFile(JAR.toFile())) {
      for (var e : java.util.Collections.list(jar.entries())) {
        String n = e.getName();
        if (n.startsWith("com/fasterxml/jackson/")
            || n.startsWith("io/netty/")
            || n.startsWith("com/google/protobuf/")
            || n.startsWith("io/grpc/")
            || n.startsWith("com/google/common/")
            || n.startsWith("org/apache/spark/")
            || n.startsWith("scala/")) {
          leaked.add(n);
        }
        relocatedJackson |= n.startsWith("io/serve4j/shaded/jackson/databind/");
      }
      assertThat(jar.getEntry("io/serve4j/spark/Serve4jSpark.class")).isNotNull();
      assertThat(jar.getEntry("io/serve4j/aws/AwsProvider.class")).isNotNull();
    }
    assertThat(leaked).isEmpty();
    assertThat(relocatedJackson).isTrue();
  }

  @Test
  void allJar_scoresOnASparkClassPath(@TempDir Path dir) throws Exception {
    String cp =
        Files.readString(Path.of(System.getProperty("spark.classpath.file"))).trim()
            + File.pathSeparator
            + JAR
            + File.pathSeparator
            + System.getProperty("test.classes");
    Path args = dir.resolve("java.args");
    Files.writeString(args, "-cp \"" + cp.replace("\\", "\\\\") + "\"\n", StandardCharsets.UTF_8);
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p =
        new ProcessBuilder(
                java,
                "-Xmx768m",
                "@" + args,
                "io.serve4j.spark.ShadedJarMain",
                dir.resolve("work").toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("out.txt").toFile())
            .start();
    boolean done = p.waitFor(170, TimeUnit.SECONDS);
    if (!done) {
      p.destroyForcibly();
    }
    String out = Files.readString(dir.resolve("out.txt"));
    assertThat(done).as(out).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    assertThat(out).contains("SHADED-OK 1000 ").contains("local").contains("aws").contains("gcp");
  }
}
