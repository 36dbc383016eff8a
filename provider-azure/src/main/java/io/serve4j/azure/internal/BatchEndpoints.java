package io.serve4j.azure.internal;

import static io.serve4j.azure.internal.Workspace.BATCH;

import com.azure.core.http.HttpMethod;
import com.fasterxml.jackson.databind.JsonNode;
import io.serve4j.BatchJobDescription;
import io.serve4j.BatchJobSpec;
import io.serve4j.ErrorCategory;
import io.serve4j.ServingException;
import io.serve4j.azure.AzureProvider;
import io.serve4j.spi.BatchJobs;
import io.serve4j.spi.CallContext;
import io.serve4j.spi.Polling;
import io.serve4j.spi.Wire;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Batch jobs on Azure ML batch endpoints: registers the model, creates a batch endpoint and its
 * deployment on the configured compute cluster, invokes it, and polls the job it started
 * (cancelling the remote job when the caller cancels or the deadline passes).
 */
public final class BatchEndpoints implements BatchJobs {
  private final Workspace ws;

  /** serve4j's job name to Azure's job name, for describe. */
  private final Map<String, String> batchJobs = new ConcurrentHashMap<>();

  /**
   * Creates the batch part of a workspace.
   *
   * @param ws the workspace
   */
  public BatchEndpoints(Workspace ws) {
    this.ws = ws;
  }

  @Override
  public CompletableFuture<BatchJobDescription> runBatchJob(BatchJobSpec spec, CallContext ctx) {
    String what = "batch job '" + spec.name() + "'";
    return AzureErrors.WIRE.call(
        what,
        () -> {
          String compute =
              ws.options
                  .batchCompute()
                  .orElseThrow(
                      () ->
                          ServingException.builder(ErrorCategory.INVALID_INPUT)
                              .providerId(AzureProvider.ID)
                              .message(
                                  what
                                      + ": batch deployments run on a compute cluster; set"
                                      + " AzureOptions.batchCompute")
                              .build());
          if (ws.options.batchCodeId().isEmpty() || ws.options.environment().isEmpty()) {
            // Azure ML's no-code batch deployment is for MLflow models only; without a scoring
            // script and an environment the deployment would be created and the job fail later.
            throw ServingException.builder(ErrorCategory.INVALID_INPUT)
                .providerId(AzureProvider.ID)
                .message(
                    what
                        + ": Azure ML runs a "
                        + spec.model().format()
                        + " model in a batch deployment only with a scoring script (no-code batch"
                        + " deployment is for MLflow models); set AzureOptions.batchCode(codeId,"
                        + " scoringScript) and AzureOptions.environment")
                .build();
          }
          String input = spec.input().toString();
          if (!input.startsWith("azureml:") && !input.startsWith("https://")) {
            throw ServingException.builder(ErrorCategory.INVALID_INPUT)
                .providerId(AzureProvider.ID)
                .message(what + ": input must be an azureml:// or https:// URI, was " + input)
                .build();
          }
          String endpoint = Bodies.batchEndpointName(spec.name());
          String deployment = "serve4j";
          String endpointPath = BATCH + "/" + endpoint;
          String computeId = ws.arm.workspaceId() + "/computes/" + compute;
          return UndoLog.run(
              ctx,
              undo ->
                  ws.location()
                      .thenCompose(
                          loc ->
                              ws.models
                                  .register(spec.model(), ctx)
                                  .thenCompose(
                                      registered -> {
                                        undo.add(
                                            () ->
                                                ws.arm.deleteAndWait(
                                                    endpointPath,
                                                    UndoLog.context(),
                                                    "undo: delete batch endpoint '"
                                                        + endpoint
                                                        + "'"));
                                        return ws.arm
                                            .putAndWait(
                                                endpointPath,
                                                Bodies.batchEndpoint(loc, null),
                                                ctx,
                                                "batch endpoint '" + endpoint + "'",
                                                ErrorCategory.INTERNAL)
                                            .thenCompose(
                                                x ->
                                                    ws.arm.putAndWait(
                                                        endpointPath + "/deployments/" + deployment,
                                                        Bodies.batchDeployment(
                                                            loc,
                                                            spec,
                                                            registered,
                                                            computeId,
                                                            ws.options),
                                                        ctx,
                                                        "batch deployment of '" + endpoint + "'",
                                                        ErrorCategory.MODEL_LOAD))
                                            .thenCompose(
                                                x ->
                                                    ws.arm.putAndWait(
                                                        endpointPath,
                                                        Bodies.batchEndpoint(loc, deployment),
                                                        ctx,
                                                        "batch endpoint '" + endpoint + "'",
                                                        ErrorCategory.INTERNAL));
                                      }))
                      .thenCompose(e -> invoke(spec, e, endpoint, ctx))
                      .thenCompose(
                          done ->
                              // The job ended: its batch endpoint is deleted, not left behind.
                              ws.arm
                                  .deleteAndWait(
                                      endpointPath,
                                      UndoLog.context(),
                                      "delete batch endpoint '" + endpoint + "'")
                                  .thenApply(x -> done)));
        });
  }

  /** Starts the job on the batch endpoint and waits for it; a job started after a cancel stops. */
  private CompletableFuture<BatchJobDescription> invoke(
      BatchJobSpec spec, JsonNode batchEndpoint, String endpoint, CallContext ctx) {
    if (ctx.isCancelled()) {
      return CompletableFuture.failedFuture(
          new CancellationException("batch job '" + spec.name() + "' was cancelled"));
    }
    String uri = batchEndpoint.path("properties").path("scoringUri").asText();
    ctx.progress("invoking batch endpoint " + endpoint, -1);
    CompletableFuture<String> invoked =
        ws.aadScoring
            .send(HttpMethod.POST, uri, Bodies.batchInvocation(spec))
            .thenApply(r -> jobName(r.json()));
    // A separate stage, so that it runs even if the caller cancelled meanwhile:
    // a job started after cancellation is cancelled at once.
    invoked.thenAccept(
        job -> {
          batchJobs.put(spec.name(), job);
          if (ctx.isCancelled()) {
            cancelJob(job);
          }
        });
    return invoked.thenCompose(job -> waitForJob(spec, job, ctx));
  }

  private static String jobName(JsonNode job) {
    String name = job.path("name").asText();
    if (name.isEmpty()) {
      String id = job.path("id").asText();
      name = id.substring(id.lastIndexOf('/') + 1);
    }
    return name;
  }

  private void cancelJob(String job) {
    ws.arm.post("jobs/" + job + "/cancel", null); // best effort: stop the remote job
  }

  private CompletableFuture<BatchJobDescription> waitForJob(
      BatchJobSpec spec, String job, CallContext ctx) {
    CompletableFuture<Rest.Response> polled =
        Polling.until(
            () -> ws.arm.get("jobs/" + job),
            r -> Bodies.batchStatus(r.json()).isTerminal(),
            r -> "job " + job + " is " + r.json().path("properties").path("status").asText(),
            ws.options.pollInterval(),
            ctx,
            ws.context.scheduler());
    polled.whenComplete(
        (r, e) -> {
          if (e != null) {
            Throwable t = Wire.unwrap(e);
            boolean stop =
                t instanceof CancellationException
                    || (t instanceof ServingException s && s.category() == ErrorCategory.TIMEOUT);
            if (stop) {
              cancelJob(job);
            }
          }
        });
    return polled.thenApply(r -> Bodies.batchJob(spec.name(), job, spec.output(), r.json()));
  }

  @Override
  public CompletableFuture<BatchJobDescription> describeBatchJob(String name, CallContext ctx) {
    String job = batchJobs.getOrDefault(name, name);
    return AzureErrors.WIRE.call(
        "describe batch job '" + name + "'",
        () ->
            ws.armOnce
                .within(ctx.deadline())
                .get("jobs/" + job)
                .thenApply(r -> Bodies.batchJob(name, job, null, r.json())));
  }

  @Override
  public String toString() {
    return "BatchEndpoints[" + ws + "]";
  }
}
