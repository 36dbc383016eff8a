package io.serve4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** What core's exported packages show users: only JDK and serve4j types. */
class ApiSurfaceTest {
  static List<Class<?>> publicApiClasses() throws IOException, URISyntaxException {
    Path root = Path.of(Serve4j.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    List<Class<?>> out = new ArrayList<>();
    try (Stream<Path> files = Files.walk(root)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".class")).toList()) {
        String name = root.relativize(f).toString().replace('/', '.').replace('\\', '.');
        name = name.substring(0, name.length() - ".class".length());
        if (name.contains(".internal.") || name.endsWith("module-info")) {
          continue;
        }
        try {
          Class<?> c = Class.forName(name, false, ApiSurfaceTest.class.getClassLoader());
          if (Modifier.isPublic(c.getModifiers())) {
            out.add(c);
          }
        } catch (ClassNotFoundException e) {
          throw new AssertionError(e);
        }
      }
    }
    return out;
  }

  private static boolean ours(Class<?> t) {
    while (t.isArray()) {
      t = t.getComponentType();
    }
    return t.isPrimitive()
        || t.getName().startsWith("java.")
        || t.getName().startsWith("io.serve4j.");
  }

  /**
   * Known exceptions, with their reason. {@code io.serve4j.protocol} is the Open Inference Protocol
   * codec the cloud providers build their bodies with; it speaks Jackson trees, so core's module
   * descriptor requires jackson-databind transitively. {@code io.serve4j.spi.formats.SignatureJson}
   * is the SPI helper providers store signatures with, in their own Jackson bodies.
   */
  private static final List<String> ALLOWED =
      List.of(
          "io.serve4j.protocol.OipJson#tensor: com.fasterxml.jackson.databind.node.ObjectNode",
          "io.serve4j.protocol.OipJson#readTensor: com.fasterxml.jackson.databind.JsonNode",
          "io.serve4j.spi.formats.SignatureJson#read: com.fasterxml.jackson.databind.JsonNode",
          "io.serve4j.spi.formats.SignatureJson#toNode: com.fasterxml.jackson.databind.node.ObjectNode");

  @Test
  void exportedSignatures_nameOnlyJdkAndServe4jTypes() throws Exception {
    List<String> leaks = new ArrayList<>();
    for (Class<?> c : publicApiClasses()) {
      List<Executable> members = new ArrayList<>(List.of(c.getDeclaredMethods()));
      members.addAll(List.of(c.getDeclaredConstructors()));
      for (Executable m : members) {
        int mod = m.getModifiers();
        if (!(Modifier.isPublic(mod) || Modifier.isProtected(mod)) || m.isSynthetic()) {
          continue;
        }
        List<Class<?>> types = new ArrayList<>(List.of(m.getParameterTypes()));
        if (m instanceof Method method) {
          types.add(method.getReturnType());
        }
        for (Class<?> t : types) {
          if (!ours(t)) {
            leaks.add(c.getName() + "#" + m.getName() + ": " + t.getName());
          }
        }
      }
      for (Field f : c.getDeclaredFields()) {
        if (Modifier.isPublic(f.getModifiers()) && !ours(f.getType())) {
          leaks.add(c.getName() + "." + f.getName() + ": " + f.getType().getName());
        }
      }
    }
    leaks.removeAll(ALLOWED);
    assertThat(leaks).isEmpty();
  }

  @Test
  void templateClasses_areNotPublic_norTheirHooks() throws Exception {
    for (String name :
        List.of(
            "io.serve4j.internal.DefaultServingClient", "io.serve4j.internal.DefaultOperation")) {
      Class<?> template = Class.forName(name);
      assertThat(Modifier.isPublic(template.getModifiers())).as(name).isFalse();
      for (Constructor<?> k : template.getDeclaredConstructors()) {
        assertThat(Modifier.isPublic(k.getModifiers())).as(k.toString()).isFalse();
      }
      for (Method m : template.getDeclaredMethods()) {
        if (List.of("provider", "fire", "config", "scheduler", "start", "map", "completed")
            .contains(m.getName())) {
          assertThat(Modifier.isPublic(m.getModifiers())).as(m.toString()).isFalse();
        }
      }
    }
  }
}
