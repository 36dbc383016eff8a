package io.serve4j.local.internal;

import io.serve4j.DeploymentDescription;
import io.serve4j.DeploymentSpec;
import io.serve4j.spi.DynamicBatcher;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * A loaded deployment, reference-counted so that its native session is closed only after the last
 * run that uses it: a deployment replaced or deleted while requests are in flight closes when they
 * finish, never under them. The count is spread over per-thread counters ({@link #acquire()}), so
 * that concurrent runs write no memory in common to take and give back their references.
 */
final class Deployment {
  private final DeploymentSpec spec;
  private final LoadedModel model;
  private final DeploymentDescription description;
  private final DynamicBatcher batcher;
  private final ModelRepository repository;

  /** What {@link #acquire()} returns when the deployment is retired: no reference is held. */
  static final int CLOSED = -1;

  /** How many counters the references are spread over: caller threads by id (a power of 2). */
  static final int COUNTERS = 64;

  // One counter per 64-byte cache line (16 ints), with a line free before the first: a run's
  // reference is an increment and a decrement of its own thread's counter, not of one count that
  // every caller writes (two atomic writes per run to one line, moved between cores at every run).
  // A deployment is retired only by its owner; the counters are read then, and by the runs that
  // give back a reference after it. 4 KiB per deployment.
  private static final int STRIDE = 16;

  private final AtomicIntegerArray counts = new AtomicIntegerArray((COUNTERS + 1) * STRIDE);
  // Two flags, not one: retire() closes the batcher between them, and while it does neither says
  // what the other does. `retired` is claimed first and makes retire() run once. `retiring` is set
  // once the batcher is closed: from then acquire() refuses references and every give-back checks
  // whether it was the last. In between (retired, not yet retiring) a run still takes a reference
  // and goes to the batcher: it runs if it gets there before close(), else the batcher fails it
  // (UNAVAILABLE, "closed"); either way it gives the reference back. One flag set before
  // batcher.close() would instead answer those runs CLOSED (LocalClient then looks the endpoint up
  // again): a different answer, so both are kept. Without a batcher nothing lies between them.
  // Either way the session is closed once (`closed`), after the last reference is given back.
  private final AtomicBoolean retired = new AtomicBoolean();
  private volatile boolean retiring;
  private final AtomicBoolean closed = new AtomicBoolean();

  Deployment(
      DeploymentSpec spec,
      LoadedModel model,
      DeploymentDescription description,
      DynamicBatcher batcher) {
    this.spec = spec;
    this.model = model;
    this.description = description;
    this.batcher = batcher;
    this.repository = null;
  }

  /** A multi-model deployment: its models are loaded on first use by the repository. */
  Deployment(DeploymentSpec spec, DeploymentDescription description, ModelRepository repository) {
    this.spec = spec;
    this.model = null;
    this.description = description;
    this.batcher = null;
    this.repository = repository;
  }

  /**
   * Returns the repository of a multi-model deployment.
   *
   * @return the repository, or null for a single-model deployment
   */
  ModelRepository repository() {
    return repository;
  }

  /**
   * Returns the dynamic batcher, when the deployment asked for batching.
   *
   * @return the batcher, or null
   */
  DynamicBatcher batcher() {
    return batcher;
  }

  String name() {
    return spec.name();
  }

  DeploymentSpec spec() {
    return spec;
  }

  LoadedModel model() {
    return model;
  }

  DeploymentDescription description() {
    if (repository != null) {
      return description.toBuilder().detail("multiModelLoaded", repository.summary()).build();
    }
    return description;
  }

  /**
   * Takes a reference for one run: an increment of the caller thread's own counter (no write to
   * memory that other callers write), then a read of whether the deployment was retired.
   *
   * @return the reference, to give to {@link #release(int)} (on any thread): the calling thread's
   *     counter, the same on every deployment; {@link #CLOSED} (negative) if the deployment is
   *     retired, and then no reference is held
   */
  int acquire() {
    int c = counterOf(Thread.currentThread());
    counts.getAndIncrement(c);
    // Read after the increment (both volatile, so ordered): retire() writes retiring before it
    // reads the counters, so either it sees this reference or this run sees retiring.
    if (retiring) {
      counts.getAndDecrement(c);
      closeIfDrained();
      return CLOSED;
    }
    return c;
  }

  /**
   * Gives back a run's reference, on any thread; once the deployment is retired, the last one
   * closes the session.
   *
   * @param reference what {@link #acquire()} returned (not {@link #CLOSED})
   */
  void release(int reference) {
    counts.getAndDecrement(reference);
    if (retiring) {
      closeIfDrained();
    }
  }

  /** Drops the owner's reference once; the session closes when no run holds it. */
  void retire() {
    if (retired.compareAndSet(false, true)) {
      if (batcher != null) {
        batcher.close(); // fails what is still queued; a running batch holds its own reference
      }
      retiring = true;
      closeIfDrained();
    }
  }

  /**
   * Closes the session if no run holds a reference. Called after {@code retiring} is set, by
   * retire() and by every run that gives back or fails to take a reference after it: whichever of
   * them decrements last sees every counter at zero (each decrements, then reads all counters; a
   * counter is never below the runs that hold a reference on it, since a reference is given back on
   * the counter it was taken on), and the session is closed once.
   */
  private void closeIfDrained() {
    for (int c = STRIDE; c < counts.length(); c += STRIDE) {
      if (counts.get(c) != 0) {
        return;
      }
    }
    if (closed.compareAndSet(false, true)) {
      if (repository != null) {
        repository.close();
      } else {
        model.close();
      }
    }
  }

  /** The counter of a thread: by its id, so that a thread takes and gives back on one counter. */
  private static int counterOf(Thread t) {
    return (((int) t.getId() & (COUNTERS - 1)) + 1) * STRIDE;
  }

  /**
   * Returns whether the native session has been closed.
   *
   * @return true once closed
   */
  boolean isClosed() {
    return closed.get();
  }
}
