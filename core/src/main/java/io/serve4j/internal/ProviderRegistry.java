package io.serve4j.internal;

import io.serve4j.ErrorCategory;
import io.serve4j.ProviderOptions;
import io.serve4j.ServingException;
import io.serve4j.spi.ServingProvider;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;

/**
 * Finds {@link ServingProvider}s with {@link ServiceLoader}; duplicate ids fail fast.
 *
 * <p>A lookup by one of the ids serve4j's own modules declare ({@code local}, {@code aws}, {@code
 * azure}, {@code gcp}, {@code kserve}, {@code memory}) first tries that module's provider class
 * directly: if the class loader has it, it is a {@link ServingProvider} with a public no-argument
 * constructor and its instance declares that id, it is the answer and the class path is not scanned
 * (the scan opens every jar's service file: 5-15 ms of CPU in a fresh JVM, of a local cold start of
 * ~300 ms). Anything else (the class absent, another id, a failing constructor) falls back to the
 * scan, which answers exactly as before (a failing constructor then runs a second time, in the
 * scan). What the direct path does not do is notice a second, third-party provider declaring the
 * same built-in id: {@link #load} (and so {@code Serve4j.providers()}) still fails fast on it, as
 * does a lookup of any other id.
 */
public final class ProviderRegistry {
  private ProviderRegistry() {}

  /** The provider class of each id serve4j's own modules declare. */
  private static final String[][] BUILT_IN = {
    {"local", "io.serve4j.local.LocalProvider"},
    {"aws", "io.serve4j.aws.AwsProvider"},
    {"azure", "io.serve4j.azure.AzureProvider"},
    {"gcp", "io.serve4j.gcp.GcpProvider"},
    {"kserve", "io.serve4j.kserve.KserveProvider"},
    {"memory", "io.serve4j.testkit.memory.MemoryProvider"}
  };

  /**
   * Loads every provider on the class path of a class loader.
   *
   * @param loader the class loader
   * @return id to provider, sorted by id
   * @throws IllegalStateException if two providers declare the same id
   */
  public static Map<String, ServingProvider> load(ClassLoader loader) {
    Map<String, ServingProvider> byId = new TreeMap<>();
    for (ServingProvider p : ServiceLoader.load(ServingProvider.class, loader)) {
      ServingProvider previous = byId.putIfAbsent(p.id(), p);
      if (previous != null) {
        throw new IllegalStateException(
            "two serving providers declare the id '"
                + p.id()
                + "': "
                + previous.getClass().getName()
                + " and "
                + p.getClass().getName()
                + "; remove one of their jars from the class path");
      }
    }
    return byId;
  }

  /**
   * Finds a provider by id.
   *
   * @param id the id
   * @param loader the class loader
   * @return the provider
   * @throws io.serve4j.NotFoundException listing the providers present if none has that id
   */
  public static ServingProvider find(String id, ClassLoader loader) {
    return find(id, loader, builtInClass(id));
  }

  /**
   * Finds a provider by id, trying a class name first.
   *
   * @param id the id
   * @param loader the class loader
   * @param directClass the class that provides {@code id} without a scan, or null to scan
   * @return the provider
   */
  static ServingProvider find(String id, ClassLoader loader, String directClass) {
    ServingProvider direct = direct(id, directClass, loader);
    if (direct != null) {
      return direct;
    }
    Map<String, ServingProvider> all = load(loader);
    ServingProvider p = all.get(id);
    if (p == null) {
      throw ServingException.builder(ErrorCategory.NOT_FOUND)
          .message(
              "no serving provider '"
                  + id
                  + "' on the class path; present: "
                  + all.keySet()
                  + ". Add the module that provides it, e.g. io.serve4j:serve4j-"
                  + moduleHint(id))
          .build();
    }
    return p;
  }

  private static String builtInClass(String id) {
    for (String[] b : BUILT_IN) {
      if (b[0].equals(id)) {
        return b[1];
      }
    }
    return null;
  }

  /**
   * The provider {@code className} when the loader has it and it declares {@code id}; null
   * otherwise (the caller then scans, which reports any failure as the scan always did).
   */
  private static ServingProvider direct(String id, String className, ClassLoader loader) {
    if (className == null) {
      return null;
    }
    try {
      Class<?> c = Class.forName(className, false, loader);
      if (!ServingProvider.class.isAssignableFrom(c)) {
        return null;
      }
      ServingProvider p = (ServingProvider) c.getConstructor().newInstance();
      return id.equals(p.id()) ? p : null;
    } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
      return null;
    }
  }

  /**
   * Checks that options fit a provider.
   *
   * @param provider the provider
   * @param options the options
   */
  public static void checkOptions(ServingProvider provider, ProviderOptions options) {
    if (!provider.optionsType().isInstance(options)) {
      throw ServingException.builder(ErrorCategory.INVALID_INPUT)
          .providerId(provider.id())
          .message(
              "provider '"
                  + provider.id()
                  + "' takes "
                  + provider.optionsType().getSimpleName()
                  + ", not "
                  + options.getClass().getSimpleName())
          .build();
    }
  }

  private static String moduleHint(String id) {
    return switch (id) {
      case "local" -> "runtime-onnx";
      case "memory" -> "testkit";
      default -> "provider-" + id;
    };
  }
}
