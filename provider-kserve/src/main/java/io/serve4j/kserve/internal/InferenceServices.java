package io.serve4j.kserve.internal;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.serve4j.DeploymentSpec;
import io.serve4j.EndpointDescription;
import io.serve4j.EndpointSpec;
import io.serve4j.EndpointStatus;
import io.serve4j.ErrorCategory;
import io.serve4j.Mirror;
import io.serve4j.ServingException;
import io.serve4j.kserve.KserveProvider;
import io.serve4j.spi.CallContext;
import io.serve4j.spi.Deadline;
import io.serve4j.spi.EndpointLifecycle;
import io.serve4j.spi.Polling;
import io.serve4j.spi.Redactor;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Supplier;

/**
 * The lifecycle part: InferenceServices through the fabric8 client's generic resources (no
 * generated CRD classes). Every fabric8 call is blocking and runs on the session's executor; the
 * waits are {@link Polling} on core's scheduler, bounded by the operation's deadline.
 *
 * <p>A create that fails (a failed rollout, the deadline, a cancellation) deletes the
 * InferenceService it created; an update that fails puts back the spec and annotations it read.
 */
public final class InferenceServices implements EndpointLifecycle {
  /** The InferenceService resource. */
  public static final ResourceDefinitionContext ISVC =
      new ResourceDefinitionContext.Builder()
          .withGroup(Manifests.GROUP)
          .withVersion("v1beta1")
          .withPlural("inferenceservices")
          .withKind(Manifests.KIND)
          .withNamespaced(true)
          .build();

  private final KubernetesClient client;
  private final String namespace;
  private final Manifests manifests;
  private final ExecutorService io;
  private final ScheduledExecutorService scheduler;
  private final Duration pollInterval;
  private final boolean listAll;

  /**
   * Creates the part.
   *
   * @param client the Kubernetes client
   * @param namespace the namespace
   * @param manifests the manifest writer
   * @param io where blocking calls run
   * @param scheduler core's scheduler, for waits
   * @param pollInterval the interval between status reads
   * @param listAll whether to list every InferenceService
   */
  public InferenceServices(
      KubernetesClient client,
      String namespace,
      Manifests manifests,
      ExecutorService io,
      ScheduledExecutorService scheduler,
      Duration pollInterval,
      boolean listAll) {
    this.client = client;
    this.namespace = namespace;
    this.manifests = manifests;
    this.io = io;
    this.scheduler = scheduler;
    this.pollInterval = pollInterval;
    this.listAll = listAll;
  }

  private MixedOperation<
          GenericKubernetesResource,
          GenericKubernetesResourceList,
          Resource<GenericKubernetesResource>>
      isvcs() {
    return client.genericKubernetesResources(ISVC);
  }

  private Resource<GenericKubernetesResource> one(String name) {
    return isvcs().inNamespace(namespace).withName(name);
  }

  /**
   * Runs one blocking fabric8 read on the executor, bounded by the caller's deadline: when it
   * passes, the future fails with TIMEOUT at once and the worker is interrupted (fabric8 then
   * abandons the HTTP exchange).
   */
  private <T> CompletableFuture<T> blocking(String what, CallContext ctx, Supplier<T> call) {
    return blocking(what, ctx, call, null);
  }

  /**
   * Runs one blocking fabric8 call on the executor, bounded by the caller's deadline. A write
   * ({@code late} given) is never interrupted: its request may already be at the API server, so
   * when it ends after its future was cancelled or timed out, {@code late} runs with its result
   * (null if it failed) to undo what landed after the caller gave up.
   */
  private <T> CompletableFuture<T> blocking(
      String what, CallContext ctx, Supplier<T> call, java.util.function.Consumer<T> late) {
    return KServeErrors.WIRE.call(
        what,
        () -> {
          CompletableFuture<T> f = new CompletableFuture<>();
          java.util.concurrent.Future<?> task =
              io.submit(
                  () -> {
                    T result = null;
                    try {
                      result = call.get();
                      f.complete(result);
                    } catch (RuntimeException | Error e) {
                      f.completeExceptionally(e);
                    }
                    if (late != null && (f.isCancelled() || isTimeout(f))) {
                      late.accept(result);
                    }
                  });
          Deadline.Watch watch =
              ctx.deadline()
                  .onExpiry(
                      () -> {
                        if (f.completeExceptionally(ctx.deadline().timeoutError(what))
                            && late == null) {
                          task.cancel(true);
                        }
                      });
          f.whenComplete(
              (v, e) -> {
                watch.cancel();
                if (f.isCancelled() && late == null) {
                  task.cancel(true);
                }
              });
          return f;
        });
  }

  private static boolean isTimeout(CompletableFuture<?> f) {
    if (!f.isCompletedExceptionally() || f.isCancelled()) {
      return false;
    }
    try {
      f.join();
      return false;
    } catch (java.util.concurrent.CompletionException e) {
      return e.getCause() instanceof ServingException s && s.category() == ErrorCategory.TIMEOUT;
    }
  }

  /**
   * Runs undo work on the session's pool, or on a thread of its own when the session is already
   * closed (the caller gave up and closed the client): undo must not be lost.
   */
  private void undo(Runnable work) {
    try {
      io.execute(work);
    } catch (java.util.concurrent.RejectedExecutionException closed) {
      Thread t = new Thread(work, "serve4j-kserve-undo");
      t.setDaemon(true);
      t.start();
    }
  }

  /** Deletes an InferenceService if this operation created it (its operation annotation). */
  private void deleteIfOurs(String name, String operation) {
    // an undo runs on the session's own pool: a stale interrupt meant for an abandoned read of
    // this thread must not abort it
    Thread.interrupted();
    try {
      GenericKubernetesResource r = one(name).get();
      Map<String, String> ann = r == null ? null : r.getMetadata().getAnnotations();
      if (ann != null && operation.equals(ann.get(Manifests.OPERATION))) {
        one(name).delete();
      }
    } catch (RuntimeException e) {
      // best effort: the caller already has the operation's own error
    }
  }

  private CompletableFuture<GenericKubernetesResource> read(String name, CallContext ctx) {
    return blocking("get InferenceService " + name, ctx, () -> one(name).get())
        .thenApply(
            r -> {
              if (r == null) {
                throw notFound(name);
              }
              return r;
            });
  }

  @Override
  public CompletableFuture<EndpointDescription> createEndpoint(EndpointSpec spec, CallContext ctx) {
    manifests.check(spec);
    String name = spec.name();
    GenericKubernetesResource body = manifests.create(spec, namespace);
    body.getMetadata().getAnnotations().put(Manifests.OPERATION, ctx.requestId());
    ctx.progress("creating InferenceService " + namespace + "/" + name, -1);
    CompletableFuture<GenericKubernetesResource> created =
        blocking(
            "create InferenceService " + name,
            ctx,
            () -> isvcs().resource(body).create(),
            late -> deleteIfOurs(name, ctx.requestId()));
    CompletableFuture<EndpointDescription> done =
        created.thenCompose(
            c -> {
              CompletableFuture<EndpointDescription> rolled =
                  waitReady(name, ctx).thenCompose(d -> canaryStep(spec, ctx, d));
              rolled.whenComplete(
                  (d, e) -> {
                    if (e != null) {
                      // leave nothing behind: the create is undone
                      undo(() -> deleteIfOurs(name, ctx.requestId()));
                    }
                  });
              return rolled;
            });
    // a cancel while the create is in flight reaches it, so that what lands late is undone
    done.whenComplete(
        (d, e) -> {
          if (done.isCancelled()) {
            created.cancel(true);
          }
        });
    return done;
  }

  /** Rolls out the canary of a two-deployment spec, after the stable one is ready. */
  private CompletableFuture<EndpointDescription> canaryStep(
      EndpointSpec spec, CallContext ctx, EndpointDescription afterStable) {
    if (spec.deployments().size() < 2) {
      return CompletableFuture.completedFuture(afterStable);
    }
    DeploymentSpec canary = spec.deployments().get(1);
    int percent = spec.traffic().getOrDefault(canary.name(), 0);
    ctx.progress("rolling out canary " + canary.name() + " at " + percent + "%", -1);
    return modify(
            spec.name(),
            ctx,
            r -> {
              manifests.annotate(r, spec);
              manifests.setPredictor(r, canary, percent);
            })
        .thenCompose(r -> waitReady(spec.name(), ctx));
  }

  private CompletableFuture<GenericKubernetesResource> modify(
      String name, CallContext ctx, java.util.function.Consumer<GenericKubernetesResource> change) {
    return modify(name, ctx, change, null);
  }

  /**
   * Reads, changes and writes back; {@code late} runs if the write ends after the caller gave up.
   */
  private CompletableFuture<GenericKubernetesResource> modify(
      String name,
      CallContext ctx,
      java.util.function.Consumer<GenericKubernetesResource> change,
      Runnable late) {
    return blocking(
        "update InferenceService " + name,
        ctx,
        () -> {
          GenericKubernetesResource r = one(name).get();
          if (r == null) {
            throw notFound(name);
          }
          change.accept(r);
          return isvcs().resource(r).update(); // optimistic: a concurrent edit is a 409 CONFLICT
        },
        late == null ? null : r -> late.run());
  }

  /** Waits for Ready on the current generation, failing typed on a failed rollout. */
  private CompletableFuture<EndpointDescription> waitReady(String name, CallContext ctx) {
    return Polling.until(
            () -> read(name, ctx),
            r -> {
              EndpointStatus s = Descriptions.state(r).status();
              return s == EndpointStatus.IN_SERVICE || s == EndpointStatus.FAILED;
            },
            r -> "InferenceService " + name + " is " + Descriptions.state(r).status(),
            pollInterval,
            ctx,
            scheduler)
        .thenApply(
            r -> {
              Descriptions.State st = Descriptions.state(r);
              if (st.status() == EndpointStatus.FAILED) {
                throw ServingException.builder(ErrorCategory.MODEL_LOAD)
                    .providerId(KserveProvider.ID)
                    .fromService()
                    .message(
                        "InferenceService "
                            + namespace
                            + "/"
                            + name
                            + " failed to roll out: "
                            + st.failureReason()
                            + (st.failureMessage() == null || st.failureMessage().isEmpty()
                                ? ""
                                : ": " + Redactor.redact(st.failureMessage())))
                    .build();
              }
              return Descriptions.describe(r);
            });
  }

  @Override
  public CompletableFuture<EndpointDescription> updateEndpoint(EndpointSpec spec, CallContext ctx) {
    manifests.check(spec);
    String name = spec.name();
    return read(name, ctx)
        .thenCompose(
            before -> {
              Object oldSpec = deepCopy(before.getAdditionalProperties().get("spec"));
              Map<String, String> oldAnn = before.getMetadata().getAnnotations();
              DeploymentSpec stable = spec.deployments().get(0);
              Runnable restore = () -> restore(name, oldSpec, oldAnn);
              CompletableFuture<EndpointDescription> rolled =
                  modify(
                          name,
                          ctx,
                          r -> {
                            manifests.annotate(r, spec);
                            manifests.setPredictor(r, stable, null);
                          },
                          restore)
                      .thenCompose(r -> waitReady(name, ctx))
                      .thenCompose(d -> canaryStep(spec, ctx, d));
              rolled.whenComplete(
                  (d, e) -> {
                    if (e != null) {
                      undo(restore);
                    }
                  });
              return rolled;
            });
  }

  @Override
  public CompletableFuture<EndpointDescription> updateTraffic(
      String endpoint, Map<String, Integer> traffic, Mirror mirror, CallContext ctx) {
    return read(endpoint, ctx)
        .thenCompose(
            r -> {
              List<Descriptions.Recorded> deps = Descriptions.recorded(r);
              for (String d : traffic.keySet()) {
                if (deps.stream().noneMatch(x -> x.name().equals(d))) {
                  throw ServingException.builder(ErrorCategory.INVALID_INPUT)
                      .providerId(KserveProvider.ID)
                      .message("endpoint '" + endpoint + "' has no deployment '" + d + "'")
                      .build();
                }
              }
              if (deps.size() < 2) {
                return CompletableFuture.completedFuture(Descriptions.describe(r));
              }
              int percent = traffic.getOrDefault(deps.get(1).name(), 0);
              Object oldSpec = deepCopy(r.getAdditionalProperties().get("spec"));
              Map<String, String> oldAnn = r.getMetadata().getAnnotations();
              Runnable restore = () -> restore(endpoint, oldSpec, oldAnn);
              CompletableFuture<EndpointDescription> shifted =
                  modify(
                          endpoint,
                          ctx,
                          x -> {
                            @SuppressWarnings("unchecked")
                            Map<String, Object> p =
                                (Map<String, Object>)
                                    ((Map<String, Object>) x.getAdditionalProperties().get("spec"))
                                        .get("predictor");
                            p.put("canaryTrafficPercent", percent);
                          },
                          restore)
                      .thenCompose(x -> waitReady(endpoint, ctx));
              shifted.whenComplete(
                  (d, e) -> {
                    if (e != null) {
                      undo(restore);
                    }
                  });
              return shifted;
            });
  }

  @Override
  public CompletableFuture<Void> deleteEndpoint(String endpoint, CallContext ctx) {
    return blocking("delete InferenceService " + endpoint, ctx, () -> one(endpoint).delete())
        .thenCompose(
            details -> {
              if (details == null || details.isEmpty()) {
                throw notFound(endpoint);
              }
              ctx.progress("deleting InferenceService " + namespace + "/" + endpoint, -1);
              return Polling.until(
                  () ->
                      blocking("get InferenceService " + endpoint, ctx, () -> one(endpoint).get()),
                  r -> r == null,
                  r -> "InferenceService " + endpoint + " is being deleted",
                  pollInterval,
                  ctx,
                  scheduler);
            })
        .thenApply(r -> null);
  }

  @Override
  public CompletableFuture<EndpointDescription> describeEndpoint(String endpoint, CallContext ctx) {
    return read(endpoint, ctx).thenApply(Descriptions::describe);
  }

  @Override
  public CompletableFuture<List<EndpointDescription>> listEndpoints(CallContext ctx) {
    return blocking(
        "list InferenceServices",
        ctx,
        () -> {
          var ns = isvcs().inNamespace(namespace);
          List<GenericKubernetesResource> items =
              listAll
                  ? ns.list().getItems()
                  : ns.withLabel(Manifests.MANAGED_BY, Manifests.SERVE4J).list().getItems();
          return items.stream().map(Descriptions::describe).toList();
        });
  }

  /** Puts back the spec and annotations an update read; best effort, retried on a conflict. */
  private void restore(String name, Object oldSpec, Map<String, String> oldAnn) {
    Thread.interrupted(); // as in deleteIfOurs
    for (int attempt = 0; attempt < 3; attempt++) {
      try {
        GenericKubernetesResource r = one(name).get();
        if (r == null) {
          return;
        }
        r.setAdditionalProperty("spec", deepCopy(oldSpec));
        r.getMetadata().setAnnotations(oldAnn);
        isvcs().resource(r).update();
        return;
      } catch (RuntimeException e) {
        // a conflict with the write being undone: read again
      }
    }
  }

  private static Object deepCopy(Object o) {
    try {
      com.fasterxml.jackson.databind.ObjectMapper m =
          new com.fasterxml.jackson.databind.ObjectMapper();
      return o == null ? null : m.readValue(m.writeValueAsBytes(o), Object.class);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private ServingException notFound(String name) {
    return ServingException.builder(ErrorCategory.NOT_FOUND)
        .providerId(KserveProvider.ID)
        .message("no InferenceService '" + name + "' in namespace '" + namespace + "'")
        .build();
  }
}
