package io.serve4j.local;

import io.serve4j.Capability;
import io.serve4j.ErrorCategory;
import io.serve4j.ProviderOptions;
import io.serve4j.ServingException;
import io.serve4j.local.internal.LocalClient;
import io.serve4j.spi.ProviderContext;
import io.serve4j.spi.ProviderSession;
import io.serve4j.spi.ServingProvider;
import java.net.URI;
import java.util.EnumSet;
import java.util.Set;

/**
 * The {@code local} provider: models run in this JVM on ONNX Runtime. Found by {@link
 * java.util.ServiceLoader}; users reach it through {@code Serve4j.client("local")}, {@code
 * Serve4j.client(URI.create("local:/"))} or {@code Serve4j.client(LocalOptions...)}.
 *
 * <p>It supports traffic splits between deployments of one endpoint, shadow deployments, and GPU
 * deployments (TensorRT, then CUDA, then the CPU as {@link LocalOptions#gpuFallback()} allows). It
 * does not autoscale, queue asynchronous inferences, run batch jobs or take raw payloads; core
 * refuses those with an {@link io.serve4j.UnsupportedCapabilityException} before any call.
 *
 * <p>Discovery has no side effects: ONNX Runtime's native library is loaded by {@link #open}, not
 * by the constructor or {@link #capabilities()}.
 */
public final class LocalProvider implements ServingProvider {
  /** The provider id and URI scheme. */
  public static final String ID = "local";

  private static final Set<Capability> CAPABILITIES =
      Set.copyOf(
          EnumSet.of(
              Capability.TRAFFIC_SPLIT,
              Capability.SHADOW,
              Capability.GPU,
              Capability.DYNAMIC_BATCHING,
              Capability.MULTI_MODEL));

  /** Creates the provider; ServiceLoader calls this. */
  public LocalProvider() {}

  @Override
  public String id() {
    return ID;
  }

  @Override
  public Set<Capability> capabilities() {
    return CAPABILITIES;
  }

  @Override
  public Class<? extends ProviderOptions> optionsType() {
    return LocalOptions.class;
  }

  @Override
  public ProviderOptions defaultOptions() {
    return LocalOptions.defaults();
  }

  /**
   * Returns the default options for {@code local:/} or {@code local:///} ({@code java.net.URI}
   * rejects a bare {@code local:} and {@code local://}); the local provider takes no settings in
   * its URI (use {@link LocalOptions} instead).
   *
   * @param uri a {@code local} URI
   * @return the default options
   * @throws io.serve4j.InvalidInputException if the URI carries anything else
   */
  @Override
  public ProviderOptions optionsFrom(URI uri) {
    String rest = uri.getSchemeSpecificPart();
    if (rest == null
        || rest.isEmpty()
        || rest.equals("/")
        || rest.equals("//")
        || rest.equals("///")) {
      return defaultOptions();
    }
    throw ServingException.builder(ErrorCategory.INVALID_INPUT)
        .providerId(ID)
        .message(
            "the local provider takes no settings in its URI, got "
                + uri
                + "; use local:/ and pass LocalOptions for settings")
        .build();
  }

  @Override
  public ProviderSession open(ProviderOptions options, ProviderContext context) {
    LocalOptions o = (LocalOptions) options;
    LocalStatistics stats =
        o.statistics().isPresent() ? o.statistics().get() : new LocalStatistics();
    LocalClient c = new LocalClient(o, stats.counters(), context);
    // An anonymous class, not a method reference: a lambda spins a class at first use (cold start).
    Runnable close =
        new Runnable() {
          @Override
          public void run() {
            c.close();
          }
        };
    return ProviderSession.of(c, c, null, null, close);
  }
}
