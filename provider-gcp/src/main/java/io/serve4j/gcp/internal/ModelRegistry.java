package io.serve4j.gcp.internal;

import static io.serve4j.gcp.internal.VertexCalls.callContext;
import static io.serve4j.gcp.internal.VertexCalls.unary;

import com.google.cloud.aiplatform.v1.DeleteModelRequest;
import com.google.cloud.aiplatform.v1.DeleteModelVersionRequest;
import com.google.cloud.aiplatform.v1.GetModelRequest;
import com.google.cloud.aiplatform.v1.UploadModelRequest;
import io.serve4j.DeploymentSpec;
import io.serve4j.Model;
import io.serve4j.NotFoundException;
import io.serve4j.gcp.GcpOptions;
import io.serve4j.spi.CallContext;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Puts model versions into the Vertex AI Model Registry: {@code MODEL_ID@ALIAS} is looked up and,
 * if missing, its artifacts are staged and it is uploaded with its serving container (Triton for
 * ONNX, a prebuilt image otherwise).
 */
final class ModelRegistry implements AutoCloseable {
  private final VertexClients vertex;
  private final VertexNames names;
  private final VertexOperations operations;
  private final GcpOptions options;
  private final Staging staging;
  private final ServingContainers containers;
  private final ExecutorService stagingPool;

  ModelRegistry(
      VertexClients vertex, VertexNames names, VertexOperations operations, GcpOptions options) {
    this.vertex = vertex;
    this.names = names;
    this.operations = operations;
    this.options = options;
    this.staging = new Staging(options);
    this.containers = new ServingContainers(options);
    AtomicInteger n = new AtomicInteger();
    this.stagingPool =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "serve4j-gcp-staging-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * A model version in the registry.
   *
   * @param ref {@code .../models/ID@VERSION}
   * @param uploaded whether this operation uploaded it
   * @param newModel whether the upload created the model (not just a version of it)
   */
  record Ensured(String ref, boolean uploaded, boolean newModel) {}

  /**
   * Makes sure the model version exists in the Model Registry: {@code MODEL_ID@ALIAS} is looked up,
   * and uploaded (as a new version of {@code MODEL_ID} when that model exists) if missing; an
   * upload is undone if the operation fails or is cancelled later, and not started if it was
   * cancelled already.
   *
   * @return the model version
   */
  CompletableFuture<Ensured> ensure(DeploymentSpec d, Rollback rollback) {
    CallContext ctx = rollback.context();
    Model model = d.model();
    String id = VertexNames.modelId(model.name());
    String alias = VertexNames.versionAlias(model, d.batching().orElse(null));
    String base = names.modelName(id);
    return unary(
            vertex
                .models
                .getModelCallable()
                .futureCall(
                    GetModelRequest.newBuilder().setName(base + "@" + alias).build(),
                    callContext(ctx)))
        .thenApply(m -> Optional.of(new Ensured(base + "@" + m.getVersionId(), false, false)))
        .exceptionally(
            e -> {
              if (GcpErrors.map(e, ctx.requestId()) instanceof NotFoundException) {
                return Optional.empty();
              }
              throw new CompletionException(e);
            })
        .thenCompose(
            found ->
                found.isPresent()
                    ? CompletableFuture.completedFuture(found.get())
                    : upload(d, id, alias, base, rollback));
  }

  /**
   * Deletes a model version this session uploaded: the whole model if the upload created it.
   *
   * @param m the version
   * @param ctx the call context
   * @return done
   */
  CompletableFuture<?> discard(Ensured m, CallContext ctx) {
    String ref = m.ref();
    String base = ref.substring(0, ref.indexOf('@'));
    return m.newModel()
        ? operations.await(
            vertex
                .models
                .deleteModelOperationCallable()
                .futureCall(DeleteModelRequest.newBuilder().setName(base).build()),
            ctx,
            "delete model " + base)
        : operations.await(
            vertex
                .models
                .deleteModelVersionOperationCallable()
                .futureCall(DeleteModelVersionRequest.newBuilder().setName(ref).build()),
            ctx,
            "delete model version " + ref);
  }

  /**
   * Deletes a serve4j-managed model version no longer deployed (after its endpoint is deleted): the
   * version, or the whole model when it is the model's only (default) version. Vertex AI refuses
   * while the version is deployed elsewhere; then it stays. Failures are ignored.
   *
   * @param ref {@code .../models/ID@VERSION}
   * @param ctx the call context
   * @return done
   */
  CompletableFuture<Void> release(String ref, CallContext ctx) {
    if (ref.indexOf('@') < 0) {
      return CompletableFuture.completedFuture(null);
    }
    return unary(
            vertex
                .models
                .getModelCallable()
                .futureCall(GetModelRequest.newBuilder().setName(ref).build(), callContext(ctx)))
        .thenCompose(
            m ->
                "true".equals(m.getLabelsMap().get(VertexNames.MANAGED_LABEL))
                    ? discard(new Ensured(ref, true, false), ctx)
                        .exceptionally(e -> null)
                        .thenCompose(
                            x ->
                                unary(
                                        vertex
                                            .models
                                            .getModelCallable()
                                            .futureCall(
                                                GetModelRequest.newBuilder().setName(ref).build(),
                                                callContext(ctx)))
                                    .thenCompose(
                                        still -> discard(new Ensured(ref, true, true), ctx)))
                    : CompletableFuture.completedFuture(null))
        .handle((x, e) -> null);
  }

  private CompletableFuture<Ensured> upload(
      DeploymentSpec d, String id, String alias, String base, Rollback rollback) {
    CallContext ctx = rollback.context();
    Model model = d.model();
    CompletableFuture<Boolean> baseExists =
        unary(
                vertex
                    .models
                    .getModelCallable()
                    .futureCall(
                        GetModelRequest.newBuilder().setName(base).build(), callContext(ctx)))
            .thenApply(m -> true)
            .exceptionally(
                e -> {
                  if (GcpErrors.map(e, ctx.requestId()) instanceof NotFoundException) {
                    return false;
                  }
                  throw new CompletionException(e);
                });
    String tritonName = model.name();
    return baseExists.thenCompose(
        exists -> {
          rollback.check();
          ctx.progress("staging model " + model.name() + ":" + model.version(), -1);
          return CompletableFuture.supplyAsync(
                  () ->
                      staging.stage(model, id + "/" + alias, tritonName, d.batching().orElse(null)),
                  stagingPool)
              .thenCompose(
                  artifactUri -> {
                    com.google.cloud.aiplatform.v1.Model.Builder m =
                        com.google.cloud.aiplatform.v1.Model.newBuilder()
                            .setDisplayName(model.name())
                            .addVersionAliases(alias)
                            .putAllLabels(VertexNames.labels(model.tags()))
                            .putLabels(VertexNames.MANAGED_LABEL, "true")
                            .putLabels("serve4j-version", VertexNames.label(model.version()))
                            .setContainerSpec(
                                containers.containerSpec(
                                    model,
                                    d.accelerator().kind(),
                                    "deployment '" + d.name() + "'"));
                    if (artifactUri != null) {
                      m.setArtifactUri(artifactUri);
                    }
                    UploadModelRequest.Builder req =
                        UploadModelRequest.newBuilder().setParent(names.parent()).setModel(m);
                    if (exists) {
                      req.setParentModel(base);
                    } else {
                      req.setModelId(id);
                    }
                    rollback.check();
                    ctx.progress("uploading model " + model.name() + " to Vertex AI", -1);
                    return operations.await(
                        vertex.models.uploadModelOperationCallable().futureCall(req.build()),
                        ctx,
                        "upload model " + model.name());
                  })
              .thenApply(
                  r -> {
                    String name = r.getModel();
                    int at = name.indexOf('@');
                    String plain = at < 0 ? name : name.substring(0, at);
                    Ensured up = new Ensured(plain + "@" + r.getModelVersionId(), true, !exists);
                    rollback.onFailureLast(c -> discard(up, c));
                    return up;
                  });
        });
  }

  @Override
  public void close() {
    try {
      staging.close();
    } finally {
      stagingPool.shutdownNow();
    }
  }
}
