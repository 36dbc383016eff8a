package io.serve4j.internal;

import java.util.Collection;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The scheduler a client owns, made at its first use: a client that never schedules anything (a
 * local deploy and its predictions: deadlines are watched by {@code Deadline.onExpiry}) never loads
 * {@link ScheduledThreadPoolExecutor} and its ~15 classes nor starts its thread. Shutting down a
 * scheduler never made makes none; once shut down, tasks are refused as by the real one.
 */
final class LazyScheduler implements ScheduledExecutorService {
  private final String threadPrefix;
  private volatile ScheduledExecutorService made;
  private volatile boolean shut;

  LazyScheduler(String threadPrefix) {
    this.threadPrefix = threadPrefix;
  }

  private ScheduledExecutorService get() {
    ScheduledExecutorService s = made;
    if (s == null) {
      synchronized (this) {
        s = made;
        if (s == null) {
          ScheduledThreadPoolExecutor e =
              new ScheduledThreadPoolExecutor(2, new ServingClients.DaemonThreads(threadPrefix));
          e.setRemoveOnCancelPolicy(true);
          if (shut) {
            e.shutdownNow();
          }
          s = Executors.unconfigurableScheduledExecutorService(e);
          made = s;
        }
      }
    }
    return s;
  }

  /** Whether the scheduler was made (for tests). */
  boolean made() {
    return made != null;
  }

  @Override
  public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
    return get().schedule(command, delay, unit);
  }

  @Override
  public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
    return get().schedule(callable, delay, unit);
  }

  @Override
  public ScheduledFuture<?> scheduleAtFixedRate(
      Runnable command, long initialDelay, long period, TimeUnit unit) {
    return get().scheduleAtFixedRate(command, initialDelay, period, unit);
  }

  @Override
  public ScheduledFuture<?> scheduleWithFixedDelay(
      Runnable command, long initialDelay, long delay, TimeUnit unit) {
    return get().scheduleWithFixedDelay(command, initialDelay, delay, unit);
  }

  @Override
  public void shutdown() {
    synchronized (this) {
      shut = true;
      if (made != null) {
        made.shutdown();
      }
    }
  }

  @Override
  public List<Runnable> shutdownNow() {
    synchronized (this) {
      shut = true;
      return made != null ? made.shutdownNow() : List.of();
    }
  }

  @Override
  public boolean isShutdown() {
    ScheduledExecutorService s = made;
    return s != null ? s.isShutdown() : shut;
  }

  @Override
  public boolean isTerminated() {
    ScheduledExecutorService s = made;
    return s != null ? s.isTerminated() : shut;
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
    ScheduledExecutorService s = made;
    return s != null ? s.awaitTermination(timeout, unit) : shut;
  }

  @Override
  public <T> Future<T> submit(Callable<T> task) {
    return get().submit(task);
  }

  @Override
  public <T> Future<T> submit(Runnable task, T result) {
    return get().submit(task, result);
  }

  @Override
  public Future<?> submit(Runnable task) {
    return get().submit(task);
  }

  @Override
  public <T> List<Future<T>> invokeAll(Collection<? extends Callable<T>> tasks)
      throws InterruptedException {
    return get().invokeAll(tasks);
  }

  @Override
  public <T> List<Future<T>> invokeAll(
      Collection<? extends Callable<T>> tasks, long timeout, TimeUnit unit)
      throws InterruptedException {
    return get().invokeAll(tasks, timeout, unit);
  }

  @Override
  public <T> T invokeAny(Collection<? extends Callable<T>> tasks)
      throws InterruptedException, ExecutionException {
    return get().invokeAny(tasks);
  }

  @Override
  public <T> T invokeAny(Collection<? extends Callable<T>> tasks, long timeout, TimeUnit unit)
      throws InterruptedException, ExecutionException, TimeoutException {
    return get().invokeAny(tasks, timeout, unit);
  }

  @Override
  public void execute(Runnable command) {
    get().execute(command);
  }
}
