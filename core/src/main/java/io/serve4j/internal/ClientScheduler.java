package io.serve4j.internal;

import io.serve4j.ErrorCategory;
import io.serve4j.ServingException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The scheduler a client owns: the waits of its provider's work (polling, retry back-offs) and of
 * the undo that work starts when it fails, is cancelled or times out. Its pool is made at first
 * use; deadlines are not its business (the deadline watchdog's).
 *
 * <p>Closing drains it ({@link #drain}): tasks already queued and waits still going ({@link
 * io.serve4j.spi.Polling} loops register with {@link #hold}) keep running, and may schedule more,
 * until none is left or the close grace has passed; then the pool is shut down and what was still
 * pending is reported as abandoned. A provider's undo (deleting what a cancelled deploy created)
 * thereby finishes even when the client is closed right after the operation failed, whichever
 * thread saw the deadline first. Waits of operations that were stopped are run at once rather than
 * at their planned time, since all they have left to do is notice it.
 */
public final class ClientScheduler implements ScheduledExecutorService {
  /**
   * A wait registered with {@link #hold}: done once its future is, run early by {@link #drain} if
   * its operation was stopped.
   */
  public interface Held {
    /**
     * Whether the wait is over.
     *
     * @return true once done
     */
    boolean isDone();

    /** Runs the wait's next step now if its operation was stopped (cancelled, timed out). */
    void expediteIfStopped();

    /**
     * What is waited for, for the report of abandoned work.
     *
     * @return a short description
     */
    String describe();
  }

  private final String threadPrefix;
  private final Set<Held> held = ConcurrentHashMap.newKeySet();
  private volatile Pool pool;
  private volatile boolean shut;

  ClientScheduler(String threadPrefix) {
    this.threadPrefix = threadPrefix;
  }

  /**
   * The pool, made at its first use: a client that never schedules anything (a local deploy and its
   * predictions: deadlines are watched by {@code Deadline.onExpiry}) never loads {@link
   * ScheduledThreadPoolExecutor} and its ~15 classes nor starts its thread. Once shut down, a pool
   * made then refuses tasks as the real one does.
   */
  private Pool get() {
    Pool p = pool;
    if (p == null) {
      synchronized (this) {
        p = pool;
        if (p == null) {
          p = new Pool(threadPrefix, this);
          if (shut) {
            p.shutdownNow();
          }
          pool = p;
        }
      }
    }
    return p;
  }

  /**
   * Whether the pool was made (for tests).
   *
   * @return true once a task was given
   */
  boolean made() {
    return pool != null;
  }

  /**
   * Registers a wait: {@link #drain} waits for it (within its grace) and runs it early if its
   * operation was stopped. Called by {@link io.serve4j.spi.Polling} when it waits on a client's
   * scheduler.
   *
   * @param scheduler the scheduler the wait runs on; nothing is done unless it is a client's own
   * @param wait the wait
   */
  public static void hold(ScheduledExecutorService scheduler, Held wait) {
    if (scheduler instanceof ClientScheduler c) {
      c.held.add(wait);
    }
  }

  /**
   * Forgets a wait that is over.
   *
   * @param scheduler the scheduler given to {@link #hold}
   * @param wait the wait
   */
  public static void release(ScheduledExecutorService scheduler, Held wait) {
    if (scheduler instanceof ClientScheduler c) {
      c.held.remove(wait);
    }
  }

  /**
   * Lets the work still running on this scheduler finish, for at most {@code grace}, then shuts it
   * down. Returns what was abandoned when the grace ran out (empty if everything finished).
   *
   * @param grace the longest wait
   * @return descriptions of abandoned work
   */
  List<String> drain(Duration grace) {
    for (Held h : held) {
      h.expediteIfStopped();
    }
    long end = System.nanoTime() + grace.toNanos();
    boolean onOwnThread = Thread.currentThread() instanceof PoolThread t && t.owner == this;
    while (busy(onOwnThread) && end - System.nanoTime() > 0) {
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
    }
    List<String> abandoned = new ArrayList<>();
    if (busy(onOwnThread)) {
      for (Held h : held) {
        if (!h.isDone()) {
          abandoned.add(h.describe());
        }
      }
      Pool p = pool;
      int queued = p == null ? 0 : p.getQueue().size();
      int running = p == null ? 0 : p.running.get() - (onOwnThread ? 1 : 0);
      if (queued > 0 || running > 0) {
        abandoned.add(queued + " scheduled task(s) and " + running + " running");
      }
    }
    shutdownNow();
    return abandoned;
  }

  private boolean busy(boolean onOwnThread) {
    for (Held h : held) {
      if (!h.isDone()) {
        return true;
      }
    }
    Pool p = pool;
    return p != null && (!p.getQueue().isEmpty() || p.running.get() > (onOwnThread ? 1 : 0));
  }

  /**
   * The typed diagnostic of work abandoned by a close.
   *
   * @param providerId the client's provider
   * @param grace the grace that ran out
   * @param abandoned what {@link #drain} returned
   * @return the error logged
   */
  static ServingException abandonedError(
      String providerId, Duration grace, List<String> abandoned) {
    return ServingException.builder(ErrorCategory.TIMEOUT)
        .providerId(providerId)
        .retryable(false)
        .message(
            "closing serving client '"
                + providerId
                + "': work of stopped operations (their undo) still running after the close grace"
                + " of "
                + grace
                + " was abandoned, and what it was undoing may remain: "
                + String.join("; ", abandoned))
        .build();
  }

  /** The pool, counting the tasks its threads are running. */
  private static final class Pool extends ScheduledThreadPoolExecutor {
    final AtomicInteger running = new AtomicInteger();

    Pool(String prefix, ClientScheduler owner) {
      super(2, new DaemonThreads(prefix, owner));
      setRemoveOnCancelPolicy(true);
    }

    @Override
    protected void beforeExecute(Thread t, Runnable r) {
      running.incrementAndGet();
    }

    @Override
    protected void afterExecute(Runnable r, Throwable t) {
      running.decrementAndGet();
    }
  }

  /** A thread of a client's scheduler (so that a close run on it does not wait for itself). */
  private static final class PoolThread extends Thread {
    final ClientScheduler owner;

    PoolThread(Runnable r, String name, ClientScheduler owner) {
      super(r, name);
      this.owner = owner;
      setDaemon(true);
    }
  }

  /**
   * Daemon threads named prefix + n (a class, not a lambda: one fewer class spun at cold start).
   */
  private static final class DaemonThreads implements java.util.concurrent.ThreadFactory {
    private final String prefix;
    private final ClientScheduler owner;
    private final AtomicInteger n = new AtomicInteger();

    DaemonThreads(String prefix, ClientScheduler owner) {
      this.prefix = prefix;
      this.owner = owner;
    }

    @Override
    public Thread newThread(Runnable r) {
      return new PoolThread(r, prefix + n.incrementAndGet(), owner);
    }
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
      if (pool != null) {
        pool.shutdown();
      }
    }
  }

  @Override
  public List<Runnable> shutdownNow() {
    synchronized (this) {
      shut = true;
      return pool != null ? pool.shutdownNow() : List.of();
    }
  }

  @Override
  public boolean isShutdown() {
    Pool p = pool;
    return p != null ? p.isShutdown() : shut;
  }

  @Override
  public boolean isTerminated() {
    Pool p = pool;
    return p != null ? p.isTerminated() : shut;
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
    Pool p = pool;
    return p != null ? p.awaitTermination(timeout, unit) : shut;
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
