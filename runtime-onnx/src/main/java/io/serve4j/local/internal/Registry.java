package io.serve4j.local.internal;

import java.util.ArrayList;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Where local endpoints live, with the threads that load and shadow them. By default one registry
 * is shared by every open {@code local} client of the process, so that, as on a cloud, an endpoint
 * deployed through one client is visible through another; it closes (deleting every endpoint and
 * freeing every session) when the last of those clients closes. An isolated client has its own.
 */
final class Registry {
  private static final int SHADOW_QUEUE = 256;
  private static Registry shared;
  private static int sharedUsers;

  final Map<String, EndpointState> endpoints = new ConcurrentHashMap<>();
  final ExecutorService loaderThreads;
  final ThreadPoolExecutor shadowThread;

  private Registry() {
    this.loaderThreads = Executors.newCachedThreadPool(daemon("serve4j-local-loader-"));
    this.shadowThread =
        new ThreadPoolExecutor(
            1,
            1,
            0,
            TimeUnit.MILLISECONDS,
            new ArrayBlockingQueue<>(SHADOW_QUEUE),
            daemon("serve4j-local-shadow-"),
            new ThreadPoolExecutor.AbortPolicy());
  }

  /**
   * Returns the process-wide registry, counting one more user.
   *
   * @return the shared registry
   */
  static synchronized Registry acquireShared() {
    if (shared == null) {
      shared = new Registry();
    }
    sharedUsers++;
    return shared;
  }

  /**
   * Returns a registry for one client only.
   *
   * @return a new registry
   */
  static Registry isolated() {
    return new Registry();
  }

  /**
   * Gives back a use of the shared registry; the last one closes it.
   *
   * @param registry the registry acquired
   */
  static void releaseShared(Registry registry) {
    synchronized (Registry.class) {
      if (registry != shared || --sharedUsers > 0) {
        return;
      }
      shared = null;
    }
    registry.close();
  }

  /** Deletes every endpoint, freeing sessions once in-flight runs end, and stops the threads. */
  void close() {
    for (String name : new ArrayList<>(endpoints.keySet())) {
      EndpointState s = endpoints.remove(name);
      if (s != null) {
        s.deployments.values().forEach(Deployment::retire);
      }
    }
    loaderThreads.shutdownNow();
    shadowThread.shutdownNow();
  }

  private static ThreadFactory daemon(String prefix) {
    return new DaemonThreads(prefix);
  }

  /**
   * Daemon threads named prefix + n (a class, not a lambda: one fewer class spun at cold start).
   */
  private static final class DaemonThreads implements ThreadFactory {
    private final String prefix;
    private final AtomicInteger n = new AtomicInteger();

    DaemonThreads(String prefix) {
      this.prefix = prefix;
    }

    @Override
    public Thread newThread(Runnable r) {
      Thread t = new Thread(r, prefix + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    }
  }
}
