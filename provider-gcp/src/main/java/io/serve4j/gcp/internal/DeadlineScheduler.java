package io.serve4j.gcp.internal;

import io.serve4j.spi.Deadline;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The scheduler of the gRPC contexts that carry a prediction's deadline ({@link
 * VertexCalls#predictCall}): a one-shot delayed action becomes a watch of core's deadline watchdog
 * ({@link Deadline#onExpiry}), which adds and cancels without scheduling a timer task or waking a
 * thread per call. gRPC's own deadline timer ({@code ScheduledThreadPoolExecutor}) woke its thread
 * on every call (BENCHMARKS.md, remote path). Only {@link #schedule(Runnable, long, TimeUnit)} is
 * supported, which is all {@code io.grpc.Context.withDeadline} uses.
 */
final class DeadlineScheduler extends AbstractExecutorService implements ScheduledExecutorService {
  static final DeadlineScheduler INSTANCE = new DeadlineScheduler();

  private DeadlineScheduler() {}

  @Override
  public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
    return new Pending(Deadline.after(Duration.ofNanos(unit.toNanos(delay))), command);
  }

  /** One action waiting for its deadline. */
  private static final class Pending implements ScheduledFuture<Object>, Runnable {
    private static final int WAITING = 0;
    private static final int RAN = 1;
    private static final int CANCELLED = 2;

    private final Deadline at;
    private final Runnable command;
    private final AtomicInteger state = new AtomicInteger(WAITING);
    private final Deadline.Watch watch;

    Pending(Deadline at, Runnable command) {
      this.at = at;
      this.command = command;
      this.watch = at.onExpiry(this);
    }

    @Override
    public void run() {
      if (state.compareAndSet(WAITING, RAN)) {
        command.run();
      }
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      if (state.compareAndSet(WAITING, CANCELLED)) {
        watch.cancel();
        return true;
      }
      return false;
    }

    @Override
    public boolean isCancelled() {
      return state.get() == CANCELLED;
    }

    @Override
    public boolean isDone() {
      return state.get() != WAITING;
    }

    @Override
    public Object get() {
      throw new UnsupportedOperationException("a deadline action has no result");
    }

    @Override
    public Object get(long timeout, TimeUnit unit) {
      throw new UnsupportedOperationException("a deadline action has no result");
    }

    @Override
    public long getDelay(TimeUnit unit) {
      return unit.convert(at.remaining().toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public int compareTo(Delayed o) {
      return Long.compare(getDelay(TimeUnit.NANOSECONDS), o.getDelay(TimeUnit.NANOSECONDS));
    }
  }

  @Override
  public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
    throw unsupported();
  }

  @Override
  public ScheduledFuture<?> scheduleAtFixedRate(
      Runnable command, long initialDelay, long period, TimeUnit unit) {
    throw unsupported();
  }

  @Override
  public ScheduledFuture<?> scheduleWithFixedDelay(
      Runnable command, long initialDelay, long delay, TimeUnit unit) {
    throw unsupported();
  }

  @Override
  public void execute(Runnable command) {
    throw unsupported();
  }

  @Override
  public void shutdown() {
    // shared; never shut down
  }

  @Override
  public List<Runnable> shutdownNow() {
    return List.of();
  }

  @Override
  public boolean isShutdown() {
    return false;
  }

  @Override
  public boolean isTerminated() {
    return false;
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) {
    return false;
  }

  private static UnsupportedOperationException unsupported() {
    return new UnsupportedOperationException("only one-shot deadline actions are scheduled here");
  }
}
