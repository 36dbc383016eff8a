package io.serve4j.internal;

import io.serve4j.ProviderOptions;
import io.serve4j.ServingClient;
import io.serve4j.spi.ProviderContext;
import io.serve4j.spi.ProviderSession;
import io.serve4j.spi.ServingProvider;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Opens core's client template over a provider. The only way {@link io.serve4j.Serve4j} reaches the
 * template, which is not public.
 */
public final class ServingClients {
  private ServingClients() {}

  /**
   * Opens the provider with the options and wraps it in core's template.
   *
   * @param provider the provider
   * @param options options already checked to be the provider's
   * @param config core settings
   * @param scheduler the caller's scheduler, which the client will not shut down, or null for one
   *     the client creates and shuts down on close
   * @return the client
   */
  public static ServingClient open(
      ServingProvider provider,
      ProviderOptions options,
      ClientConfig config,
      ScheduledExecutorService scheduler) {
    boolean owns = scheduler == null;
    ScheduledExecutorService s = owns ? newScheduler(provider.id()) : scheduler;
    try {
      ProviderSession session = provider.open(options, new ProviderContext(s));
      return new DefaultServingClient(provider, session, config, s, owns);
    } catch (RuntimeException e) {
      if (owns) {
        s.shutdownNow();
      }
      throw e;
    }
  }

  private static ScheduledExecutorService newScheduler(String id) {
    return new ClientScheduler("serve4j-" + id + "-");
  }
}
