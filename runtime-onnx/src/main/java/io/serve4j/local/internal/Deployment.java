package io.serve4j.local.internal;

import io.serve4j.DeploymentDescription;
import io.serve4j.DeploymentSpec;
import io.serve4j.spi.DynamicBatcher;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loaded deployment, reference-counted so that its native session is closed only after the last
 * run that uses it: a deployment replaced or deleted while requests are in flight closes when they
 * finish, never under them.
 */
final class Deployment {
  private final DeploymentSpec spec;
  private final LoadedModel model;
  private final DeploymentDescription description;
  private final DynamicBatcher batcher;
  private final ModelRepository repository;
  private final AtomicInteger references = new AtomicInteger(1);
  private final AtomicBoolean retired = new AtomicBoolean();

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
   * Takes a reference for one run.
   *
   * @return false if the deployment is already closed
   */
  boolean acquire() {
    while (true) {
      int n = references.get();
      if (n == 0) {
        return false;
      }
      if (references.compareAndSet(n, n + 1)) {
        return true;
      }
    }
  }

  /** Gives back a run's reference; the last one closes the session. */
  void release() {
    if (references.decrementAndGet() == 0) {
      if (repository != null) {
        repository.close();
      } else {
        model.close();
      }
    }
  }

  /** Drops the owner's reference once; the session closes when no run holds it. */
  void retire() {
    if (retired.compareAndSet(false, true)) {
      if (batcher != null) {
        batcher.close(); // fails what is still queued; a running batch holds its own reference
      }
      release();
    }
  }

  /**
   * Returns whether the native session has been closed.
   *
   * @return true once closed
   */
  boolean isClosed() {
    return references.get() == 0;
  }
}
