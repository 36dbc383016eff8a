package io.serve4j.gcp.internal;

import static io.serve4j.gcp.internal.VertexCalls.callContext;
import static io.serve4j.gcp.internal.VertexCalls.unary;
import static io.serve4j.gcp.internal.VertexNames.invalid;

import com.google.cloud.aiplatform.v1.BatchDedicatedResources;
import com.google.cloud.aiplatform.v1.BatchPredictionJob;
import com.google.cloud.aiplatform.v1.BigQueryDestination;
import com.google.cloud.aiplatform.v1.BigQuerySource;
import com.google.cloud.aiplatform.v1.CancelBatchPredictionJobRequest;
import com.google.cloud.aiplatform.v1.CreateBatchPredictionJobRequest;
import com.google.cloud.aiplatform.v1.GcsDestination;
import com.google.cloud.aiplatform.v1.GcsSource;
import com.google.cloud.aiplatform.v1.GetBatchPredictionJobRequest;
import com.google.cloud.aiplatform.v1.JobState;
import com.google.cloud.aiplatform.v1.ListBatchPredictionJobsRequest;
import io.serve4j.AcceleratorResolution;
import io.serve4j.BatchJobDescription;
import io.serve4j.BatchJobSpec;
import io.serve4j.BatchJobStatus;
import io.serve4j.DeploymentSpec;
import io.serve4j.ErrorCategory;
import io.serve4j.ServingException;
import io.serve4j.gcp.GcpOptions;
import io.serve4j.gcp.GcpProvider;
import io.serve4j.spi.BatchJobs;
import io.serve4j.spi.CallContext;
import io.serve4j.spi.Polling;
import io.serve4j.spi.ProviderContext;
import java.net.URI;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Vertex AI batch prediction jobs: the model version is put into the Model Registry, the job is
 * created with its input and output (Cloud Storage or BigQuery) and polled until it ends; a
 * caller's cancellation cancels the remote job.
 */
final class VertexBatchJobs implements BatchJobs {
  private final VertexClients vertex;
  private final VertexNames names;
  private final ModelRegistry models;
  private final GcpOptions options;
  private final ProviderContext context;

  VertexBatchJobs(
      VertexClients vertex,
      VertexNames names,
      ModelRegistry models,
      GcpOptions options,
      ProviderContext context) {
    this.vertex = vertex;
    this.names = names;
    this.models = models;
    this.options = options;
    this.context = context;
  }

  @Override
  public CompletableFuture<BatchJobDescription> runBatchJob(BatchJobSpec spec, CallContext ctx) {
    return GcpErrors.WIRE.call(
        "runBatchJob",
        () -> {
          String what = "batch job '" + spec.name() + "'";
          if (ServingContainers.triton(spec.model())) {
            // https://cloud.google.com/vertex-ai/docs/predictions/get-batch-predictions
            throw ServingContainers.unsupported(
                what
                    + ": Vertex AI batch prediction sends the model's container {\"instances\":"
                    + " [...]} request bodies; Triton reads Open Inference Protocol bodies"
                    + " ({\"inputs\": [...]}) only, and the job's instanceConfig (instanceType,"
                    + " keyField, included/excludedFields) reshapes each instance but not the"
                    + " body. Score ONNX models with serve4j-batch against a deployed endpoint,"
                    + " or give Model.image(...) a container that reads instances");
          }
          AcceleratorResolution hw = DeploymentPlans.resolve(spec.accelerator(), what);
          new ServingContainers(options)
              .containerSpec(spec.model(), spec.accelerator().kind(), what);
          BatchPredictionJob.InputConfig input = batchInput(spec);
          BatchPredictionJob.OutputConfig output = batchOutput(spec);
          DeploymentSpec asDeployment =
              DeploymentSpec.builder()
                  .name("batch")
                  .model(spec.model())
                  .accelerator(spec.accelerator())
                  .build();
          Rollback rollback = new Rollback(ctx);
          CallContext steady = rollback.context();
          return rollback.run(
              () ->
                  models
                      .ensure(asDeployment, rollback)
                      .thenCompose(
                          model -> {
                            rollback.check();
                            BatchPredictionJob.Builder job =
                                BatchPredictionJob.newBuilder()
                                    .setDisplayName(spec.name())
                                    .setModel(model.ref())
                                    .setInputConfig(input)
                                    .setOutputConfig(output)
                                    .putLabels(VertexNames.MANAGED_LABEL, "true")
                                    .setDedicatedResources(
                                        BatchDedicatedResources.newBuilder()
                                            .setMachineSpec(
                                                DeploymentPlans.machineSpec(
                                                    hw, spec.accelerator().kind()))
                                            .setStartingReplicaCount(spec.instances())
                                            .setMaxReplicaCount(spec.instances()));
                            options.serviceAccount().ifPresent(job::setServiceAccount);
                            ctx.progress("submitting batch prediction job " + spec.name(), -1);
                            return unary(
                                    vertex
                                        .jobs
                                        .createBatchPredictionJobCallable()
                                        .futureCall(
                                            CreateBatchPredictionJobRequest.newBuilder()
                                                .setParent(names.parent())
                                                .setBatchPredictionJob(job)
                                                .build(),
                                            callContext(steady)))
                                .thenCompose(
                                    created -> {
                                      rollback.onFailure(c -> cancel(created.getName(), c));
                                      rollback.check();
                                      return awaitJob(created.getName(), ctx);
                                    })
                                // The model version uploaded for this job is not kept after it.
                                .thenCompose(
                                    done ->
                                        model.uploaded()
                                            ? models.discard(model, steady).handle((x, e) -> done)
                                            : CompletableFuture.completedFuture(done));
                          })
                      .thenApply(VertexBatchJobs::describeJob));
        });
  }

  private CompletableFuture<?> cancel(String job, CallContext ctx) {
    return unary(
        vertex
            .jobs
            .cancelBatchPredictionJobCallable()
            .futureCall(
                CancelBatchPredictionJobRequest.newBuilder().setName(job).build(),
                callContext(ctx)));
  }

  private CompletableFuture<BatchPredictionJob> awaitJob(String name, CallContext ctx) {
    return Polling.until(
        () ->
            unary(
                vertex
                    .jobs
                    .getBatchPredictionJobCallable()
                    .futureCall(
                        GetBatchPredictionJobRequest.newBuilder().setName(name).build(),
                        callContext(ctx))),
        j -> describeJob(j).status().isTerminal(),
        j -> "batch prediction job " + name + " is " + j.getState(),
        options.pollInterval(),
        ctx,
        context.scheduler());
  }

  @Override
  public CompletableFuture<BatchJobDescription> describeBatchJob(String name, CallContext ctx) {
    return GcpErrors.WIRE.call(
        "describeBatchJob",
        () ->
            unary(
                    vertex
                        .jobs
                        .listBatchPredictionJobsCallable()
                        .futureCall(
                            ListBatchPredictionJobsRequest.newBuilder()
                                .setParent(names.parent())
                                .setFilter("display_name=\"" + name.replace("\"", "") + "\"")
                                .build(),
                            callContext(ctx)))
                .thenApply(
                    r ->
                        r.getBatchPredictionJobsList().stream()
                            .filter(j -> j.getDisplayName().equals(name))
                            .max(
                                Comparator.comparingLong(
                                    (BatchPredictionJob j) -> j.getCreateTime().getSeconds()))
                            .map(VertexBatchJobs::describeJob)
                            .orElseThrow(
                                () ->
                                    ServingException.builder(ErrorCategory.NOT_FOUND)
                                        .fromService()
                                        .providerId(GcpProvider.ID)
                                        .message("no batch prediction job named '" + name + "'")
                                        .build())));
  }

  static BatchJobDescription describeJob(BatchPredictionJob j) {
    BatchJobStatus status =
        switch (j.getState()) {
          case JOB_STATE_SUCCEEDED, JOB_STATE_PARTIALLY_SUCCEEDED -> BatchJobStatus.SUCCEEDED;
          case JOB_STATE_FAILED, JOB_STATE_EXPIRED -> BatchJobStatus.FAILED;
          case JOB_STATE_CANCELLED -> BatchJobStatus.CANCELLED;
          case JOB_STATE_RUNNING, JOB_STATE_CANCELLING, JOB_STATE_UPDATING, JOB_STATE_PAUSED ->
              BatchJobStatus.RUNNING;
          default -> BatchJobStatus.PENDING;
        };
    URI output = null;
    if (!j.getOutputInfo().getGcsOutputDirectory().isEmpty()) {
      output = URI.create(j.getOutputInfo().getGcsOutputDirectory());
    } else if (!j.getOutputInfo().getBigqueryOutputDataset().isEmpty()) {
      output = URI.create(j.getOutputInfo().getBigqueryOutputDataset());
    } else if (j.getOutputConfig().hasGcsDestination()) {
      output = URI.create(j.getOutputConfig().getGcsDestination().getOutputUriPrefix());
    } else if (j.getOutputConfig().hasBigqueryDestination()) {
      output = URI.create(j.getOutputConfig().getBigqueryDestination().getOutputUri());
    }
    Map<String, String> details = new LinkedHashMap<>();
    details.put("resourceName", j.getName());
    details.put("state", j.getState().name());
    details.put("model", j.getModel());
    if (j.getState() == JobState.JOB_STATE_PARTIALLY_SUCCEEDED) {
      details.put("partialFailures", String.valueOf(j.getPartialFailuresCount()));
    }
    String failure =
        status == BatchJobStatus.FAILED
            ? (j.hasError() ? j.getError().getMessage() : j.getState().name())
            : null;
    return new BatchJobDescription(j.getDisplayName(), status, output, failure, details);
  }

  private static BatchPredictionJob.InputConfig batchInput(BatchJobSpec spec) {
    URI in = spec.input();
    BatchPredictionJob.InputConfig.Builder b = BatchPredictionJob.InputConfig.newBuilder();
    if ("bq".equals(in.getScheme())) {
      return b.setInstancesFormat("bigquery")
          .setBigquerySource(BigQuerySource.newBuilder().setInputUri(in.toString()))
          .build();
    }
    if (!"gs".equals(in.getScheme())) {
      throw invalid(
          "Vertex AI batch prediction reads gs:// files or bq://PROJECT.DATASET.TABLE, not " + in);
    }
    String format =
        switch (spec.contentType().toLowerCase(Locale.ROOT)) {
          case "application/jsonlines", "application/jsonl", "application/json" -> "jsonl";
          case "text/csv" -> "csv";
          case "application/x-tfrecord" -> "tf-record";
          case "text/plain" -> "file-list";
          default ->
              throw invalid(
                  "Vertex AI batch prediction reads jsonl, csv, tf-record or file-list input, not "
                      + spec.contentType());
        };
    return b.setInstancesFormat(format)
        .setGcsSource(GcsSource.newBuilder().addUris(in.toString()))
        .build();
  }

  private static BatchPredictionJob.OutputConfig batchOutput(BatchJobSpec spec) {
    URI out = spec.output();
    BatchPredictionJob.OutputConfig.Builder b = BatchPredictionJob.OutputConfig.newBuilder();
    if ("bq".equals(out.getScheme())) {
      return b.setPredictionsFormat("bigquery")
          .setBigqueryDestination(BigQueryDestination.newBuilder().setOutputUri(out.toString()))
          .build();
    }
    if (!"gs".equals(out.getScheme())) {
      throw invalid("Vertex AI batch prediction writes to gs:// or bq://PROJECT, not " + out);
    }
    return b.setPredictionsFormat("jsonl")
        .setGcsDestination(GcsDestination.newBuilder().setOutputUriPrefix(out.toString()))
        .build();
  }
}
