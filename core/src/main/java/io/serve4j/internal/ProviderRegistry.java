package io.serve4j.internal;

import io.serve4j.ErrorCategory;
import io.serve4j.ProviderOptions;
import io.serve4j.ServingException;
import io.serve4j.spi.ServingProvider;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;

/** Finds {@link ServingProvider}s with {@link ServiceLoader}; duplicate ids fail fast. */
public final class ProviderRegistry {
  private ProviderRegistry() {}

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
