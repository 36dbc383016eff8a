package io.serve4j.testkit.memory;

import io.serve4j.Capability;
import io.serve4j.ProviderOptions;
import io.serve4j.spi.ProviderContext;
import io.serve4j.spi.ProviderSession;
import io.serve4j.spi.ServingProvider;
import java.util.EnumSet;
import java.util.Set;

/**
 * The in-memory reference provider, id {@code memory}: endpoints live in a {@link MemoryBackend},
 * predictions come from a {@link Predictor} the test supplies. It passes the whole contract suite
 * and is what users reach for in their own unit tests.
 *
 * <p>An endpoint deployed with {@link io.serve4j.AsyncInference} is asynchronous: {@code submit}
 * queues the request and runs the predictor a few milliseconds later, and {@code predict} is
 * refused with an {@link io.serve4j.InvalidInputException}, as {@code submit} is on a real-time
 * endpoint.
 */
public final class MemoryProvider implements ServingProvider {
  /** The provider id. */
  public static final String ID = "memory";

  private static final Set<Capability> CAPABILITIES =
      Set.copyOf(
          EnumSet.of(
              Capability.TRAFFIC_SPLIT,
              Capability.SHADOW,
              Capability.AUTOSCALING,
              Capability.ASYNC_INFERENCE,
              Capability.RAW_PAYLOAD,
              Capability.STREAMING,
              Capability.GPU,
              Capability.TPU,
              Capability.INFERENTIA));

  /** Creates the provider; ServiceLoader calls this. */
  public MemoryProvider() {}

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
    return MemoryOptions.class;
  }

  @Override
  public ProviderOptions defaultOptions() {
    return MemoryOptions.defaults();
  }

  @Override
  public ProviderSession open(ProviderOptions options, ProviderContext context) {
    MemoryOptions o = (MemoryOptions) options;
    MemoryClient c =
        new MemoryClient(o, o.backend() != null ? o.backend() : new MemoryBackend(), context);
    return ProviderSession.of(c, c, null, c, c::close).withStreaming(c);
  }
}
