package io.serve4j.internal;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;

/** One shared daemon timer thread for wrappers that only schedule short, non-blocking tasks. */
public final class Timers {
  private static final ScheduledExecutorService SHARED;

  static {
    ScheduledThreadPoolExecutor s =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "serve4j-timer");
              t.setDaemon(true);
              return t;
            });
    s.setRemoveOnCancelPolicy(true);
    SHARED = Executors.unconfigurableScheduledExecutorService(s);
  }

  private Timers() {}

  /**
   * Returns the shared timer; never block in its tasks.
   *
   * @return the scheduler
   */
  public static ScheduledExecutorService shared() {
    return SHARED;
  }
}
