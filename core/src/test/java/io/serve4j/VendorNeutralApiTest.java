package io.serve4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Core's public API (every package but {@code internal}) names no cloud vendor. */
class VendorNeutralApiTest {
  private static final Pattern VENDOR =
      Pattern.compile("(?i).*(aws|amazon|sagemaker|azure|microsoft|gcp|google|vertex).*");

  @Test
  void publicTypesFieldsAndMethods_nameNoCloudVendor() throws Exception {
    List<String> found = new ArrayList<>();
    for (Class<?> c : publicApiClasses()) {
      check(found, c.getName(), c.getSimpleName());
      for (Field f : c.getDeclaredFields()) {
        if (Modifier.isPublic(f.getModifiers())) {
          check(found, c.getName() + "." + f.getName(), f.getName());
        }
      }
      for (Method m : c.getDeclaredMethods()) {
        if (Modifier.isPublic(m.getModifiers())) {
          check(found, c.getName() + "." + m.getName() + "()", m.getName());
        }
      }
    }
    assertThat(found).isEmpty();
  }

  private static void check(List<String> found, String where, String name) {
    if (VENDOR.matcher(name).matches()) {
      found.add(where);
    }
  }

  private static List<Class<?>> publicApiClasses() throws URISyntaxException, Exception {
    Path root = Path.of(Serve4j.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    List<Class<?>> out = new ArrayList<>();
    try (Stream<Path> files = Files.walk(root.resolve("io/serve4j"))) {
      for (Path p : files.filter(f -> f.toString().endsWith(".class")).toList()) {
        String name = root.relativize(p).toString().replace('/', '.').replace('\\', '.');
        name = name.substring(0, name.length() - ".class".length());
        if (name.contains(".internal.") || name.endsWith("package-info")) {
          continue;
        }
        Class<?> c = Class.forName(name, false, Serve4j.class.getClassLoader());
        if (Modifier.isPublic(c.getModifiers())) {
          out.add(c);
        }
      }
    }
    assertThat(out).hasSizeGreaterThan(20);
    return out;
  }
}
