package io.serve4j.spi;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * Runs actions when deadlines pass, for {@link Deadline#onExpiry(Runnable)}, on one shared daemon
 * thread ({@code serve4j-deadlines}).
 *
 * <p>Built for the hot path, where nearly every watch is cancelled long before its deadline: adding
 * and cancelling a watch touch only a concurrent set, and the thread is woken only when a new
 * deadline is earlier than the time it already plans to look again. A timer per call ({@code
 * ScheduledThreadPoolExecutor}) instead wakes its thread on every call once cancelled tasks are
 * removed, which measurably slowed every local prediction (BENCHMARKS.md). The thread looks at
 * least every {@link #HORIZON_NANOS} while watches come and go, and sleeps without a limit once
 * nothing has been watched for that long.
 */
final class DeadlineWatchdog implements Runnable {
  static final DeadlineWatchdog SHARED = new DeadlineWatchdog("serve4j-deadlines");

  /** The longest the thread sleeps while watches exist or were added recently. */
  static final long HORIZON_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final String threadName;
  // Sized for many concurrent callers: adding to an empty bin is a CAS, removing locks only the
  // bin, so spread bins keep callers from blocking each other. With the default 16 bins, 8-32
  // callers collided on bin locks (JFR: JavaMonitorEnter in add under load, BENCHMARKS.md).
  private final Set<Watch> watches = ConcurrentHashMap.newKeySet(1024);
  private final AtomicBoolean started = new AtomicBoolean();
  private volatile Thread thread;
  // What the thread plans; read by every add, written only by the thread.
  private volatile boolean scanning;
  private volatile boolean sleepingIndefinitely = true;
  private volatile long wakeAt;
  // Set by adds (read first, so a busy caller does not write a shared line every call).
  private volatile boolean added;
  // How many times the thread has looked at the watches; for tests.
  private volatile long scans;

  DeadlineWatchdog(String threadName) {
    this.threadName = threadName;
  }

  /** A registered action; {@link #cancel()} before the deadline and it never runs. */
  static final class Watch implements Deadline.Watch {
    private final DeadlineWatchdog owner;
    final long deadlineNanos;
    final Runnable action;

    Watch(DeadlineWatchdog owner, long deadlineNanos, Runnable action) {
      this.owner = owner;
      this.deadlineNanos = deadlineNanos;
      this.action = action;
    }

    @Override
    public boolean cancel() {
      return owner.watches.remove(this);
    }
  }

  Watch add(long deadlineNanos, Runnable action) {
    Watch w = new Watch(this, deadlineNanos, action);
    watches.add(w);
    if (!added) {
      added = true;
    }
    if (started.get()) {
      if (scanning || sleepingIndefinitely || deadlineNanos - wakeAt < 0) {
        LockSupport.unpark(thread);
      }
    } else if (started.compareAndSet(false, true)) {
      Thread t = new Thread(this, threadName);
      t.setDaemon(true);
      thread = t;
      t.start();
    }
    return w;
  }

  /** For tests: how many watches are registered. */
  int size() {
    return watches.size();
  }

  /** For tests: how many times the thread has looked at the watches. */
  long scans() {
    return scans;
  }

  @Override
  public void run() {
    boolean quietBefore = false;
    while (true) {
      scanning = true;
      scans++;
      long now = System.nanoTime();
      long next = now + HORIZON_NANOS;
      for (Watch w : watches) {
        if (w.deadlineNanos - now <= 0) {
          if (watches.remove(w)) {
            fire(w);
          }
        } else if (w.deadlineNanos - next < 0) {
          next = w.deadlineNanos;
        }
      }
      boolean quiet = watches.isEmpty() && !added;
      added = false;
      // Sleep without a limit only after a whole horizon with nothing watched.
      boolean indefinitely = quiet && quietBefore;
      quietBefore = quiet;
      wakeAt = next;
      sleepingIndefinitely = indefinitely;
      scanning = false;
      if (indefinitely) {
        LockSupport.park(this);
      } else {
        long wait = next - System.nanoTime();
        if (wait > 0) {
          LockSupport.parkNanos(this, wait);
        }
      }
      sleepingIndefinitely = false;
      Thread.interrupted(); // never meant for this thread; do not spin on it
    }
  }

  private static void fire(Watch w) {
    try {
      w.action.run();
    } catch (RuntimeException | Error e) {
      // An action must not kill the thread that serves every other deadline.
      Thread t = Thread.currentThread();
      t.getUncaughtExceptionHandler().uncaughtException(t, e);
    }
  }
}
