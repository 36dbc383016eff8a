package io.serve4j.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.module.ModuleDescriptor;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.jar.JarFile;
import java.util.stream.Collectors;

/**
 * Checks a module's descriptor ({@code module-info.class}) from its build output, whether the tests
 * run on the class path or the module path: a serve4j module exports its API and SPI packages and
 * never an {@code internal} one.
 *
 * <pre>{@code
 * ModuleBoundaries.assertExportsExactly(LocalProvider.class, "io.serve4j.local");
 * }</pre>
 */
public final class ModuleBoundaries {
  private ModuleBoundaries() {}

  /**
   * Reads the descriptor of the module (directory or jar) a class was loaded from.
   *
   * @param anyClass a class of the module
   * @return the descriptor
   * @throws AssertionError if the module has no {@code module-info.class}
   */
  public static ModuleDescriptor descriptorOf(Class<?> anyClass) {
    try {
      Path root = Path.of(anyClass.getProtectionDomain().getCodeSource().getLocation().toURI());
      if (Files.isDirectory(root)) {
        Path info = root.resolve("module-info.class");
        if (!Files.exists(info)) {
          throw new AssertionError(root + " has no module-info.class");
        }
        try (InputStream in = Files.newInputStream(info)) {
          return ModuleDescriptor.read(in);
        }
      }
      try (JarFile jar = new JarFile(root.toFile())) {
        var entry = jar.getEntry("module-info.class");
        if (entry == null) {
          throw new AssertionError(root + " has no module-info.class");
        }
        try (InputStream in = jar.getInputStream(entry)) {
          return ModuleDescriptor.read(in);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Asserts that the module of a class exports exactly these packages, unqualified, and no {@code
   * internal} package at all.
   *
   * @param anyClass a class of the module
   * @param packages the API and SPI packages
   * @return the descriptor, for further checks
   */
  public static ModuleDescriptor assertExportsExactly(Class<?> anyClass, String... packages) {
    ModuleDescriptor d = descriptorOf(anyClass);
    assertThat(d.exports())
        .as("exports of module %s", d.name())
        .allMatch(e -> !e.isQualified())
        .extracting(ModuleDescriptor.Exports::source)
        .containsExactlyInAnyOrder(packages)
        .noneMatch(p -> p.contains(".internal"));
    return d;
  }

  /**
   * Returns the service implementations a module provides for an interface.
   *
   * @param d the descriptor
   * @param service the service interface
   * @return the implementation class names
   */
  public static Set<String> provided(ModuleDescriptor d, Class<?> service) {
    return d.provides().stream()
        .filter(p -> p.service().equals(service.getName()))
        .flatMap(p -> p.providers().stream())
        .collect(Collectors.toSet());
  }
}
