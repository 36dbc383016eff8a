package io.serve4j.spi;

import java.util.concurrent.ScheduledExecutorService;

/**
 * Facilities core shares with a provider client.
 *
 * @param scheduler a daemon scheduler for polling and timers; owned by core, never blocked on
 */
public record ProviderContext(ScheduledExecutorService scheduler) {}
