package io.serve4j.aws.internal;

import static io.serve4j.aws.internal.AwsCalls.checkCancelled;
import static io.serve4j.aws.internal.AwsCalls.timeout;

import io.serve4j.Accelerator;
import io.serve4j.BatchJobDescription;
import io.serve4j.BatchJobSpec;
import io.serve4j.BatchJobStatus;
import io.serve4j.ModelFormat;
import io.serve4j.aws.AwsOptions;
import io.serve4j.spi.BatchJobs;
import io.serve4j.spi.CallContext;
import io.serve4j.spi.Polling;
import io.serve4j.spi.ProviderContext;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import software.amazon.awssdk.services.sagemaker.SageMakerAsyncClient;
import software.amazon.awssdk.services.sagemaker.model.BatchStrategy;
import software.amazon.awssdk.services.sagemaker.model.DescribeTransformJobResponse;
import software.amazon.awssdk.services.sagemaker.model.S3DataType;
import software.amazon.awssdk.services.sagemaker.model.SplitType;
import software.amazon.awssdk.services.sagemaker.model.TransformJobStatus;

/**
 * Batch transform: the model staged and created, CreateTransformJob, the job waited on, stopped
 * when cancelled, and its model deleted afterwards.
 */
public final class SageMakerBatchJobs implements BatchJobs {
  private final SageMakerModels models;
  private final AwsOptions options;
  private final ProviderContext context;
  private final SageMakerAsyncClient sm;
  private final SageMakerAsyncClient smOnce;
  private final S3Staging staging;
  private final AwsClients clients;

  /**
   * Creates the part over the session's clients.
   *
   * @param clients the SDK clients
   * @param models the models part
   */
  public SageMakerBatchJobs(AwsClients clients, SageMakerModels models) {
    this.clients = clients;
    this.options = clients.options;
    this.context = clients.context;
    this.sm = clients.sm;
    this.smOnce = clients.smOnce;
    this.staging = clients.staging;
    this.models = models;
  }

  @Override
  public CompletableFuture<BatchJobDescription> runBatchJob(BatchJobSpec spec, CallContext ctx) {
    String role;
    String instanceType;
    String image;
    try {
      role = models.role();
      AwsNames.requireS3(spec.input(), "batch input");
      AwsNames.requireS3(spec.output(), "batch output");
      Accelerator acc = spec.accelerator() != null ? spec.accelerator() : Accelerator.defaultCpu();
      instanceType = batchInstanceType(acc);
      image = models.image(spec.model(), acc);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    String job = spec.name();
    String modelName = AwsNames.trim(job, 50) + "-" + AwsNames.suffix();
    String contentType =
        spec.contentType() != null
            ? spec.contentType()
            : spec.model().format() == ModelFormat.ONNX
                ? InvocationCodec.JSON
                : "application/octet-stream";
    boolean lines = spec.splitType() == BatchJobSpec.SplitType.LINE;
    Accelerator acc = spec.accelerator() != null ? spec.accelerator() : Accelerator.defaultCpu();
    AtomicBoolean madeModel = new AtomicBoolean();
    AtomicBoolean madeJob = new AtomicBoolean();
    CompletableFuture<BatchJobDescription> run =
        staging
            .stage(spec.model(), null, acc.kind(), ctx)
            .thenCompose(
                data -> {
                  checkCancelled(ctx);
                  return models
                      .createModel(modelName, spec.model(), image, data, role, ctx)
                      .thenApply(
                          x -> {
                            madeModel.set(true);
                            return x;
                          });
                })
            .thenCompose(
                x -> {
                  checkCancelled(ctx);
                  return AwsErrors.WIRE.call(
                      "CreateTransformJob " + job,
                      () ->
                          sm.createTransformJob(
                              r ->
                                  r.transformJobName(job)
                                      .modelName(modelName)
                                      .batchStrategy(
                                          lines
                                              ? BatchStrategy.MULTI_RECORD
                                              : BatchStrategy.SINGLE_RECORD)
                                      .transformInput(
                                          in ->
                                              in.contentType(contentType)
                                                  .splitType(
                                                      lines ? SplitType.LINE : SplitType.NONE)
                                                  .dataSource(
                                                      ds ->
                                                          ds.s3DataSource(
                                                              s3ds ->
                                                                  s3ds.s3DataType(
                                                                          S3DataType.S3_PREFIX)
                                                                      .s3Uri(
                                                                          spec.input()
                                                                              .toString()))))
                                      .transformOutput(
                                          out -> {
                                            out.s3OutputPath(spec.output().toString())
                                                .accept(contentType);
                                            if (lines) {
                                              out.assembleWith("Line");
                                            }
                                            options.kmsKeyId().ifPresent(out::kmsKeyId);
                                          })
                                      .transformResources(
                                          res ->
                                              res.instanceType(instanceType)
                                                  .instanceCount(spec.instances()))
                                      .tags(clients.tags(Map.of()))
                                      .overrideConfiguration(timeout(ctx))));
                })
            .thenCompose(
                x -> {
                  madeJob.set(true);
                  checkCancelled(ctx);
                  return CompletableFuture.completedFuture(x);
                })
            .thenCompose(
                x ->
                    Polling.until(
                        () -> describeJobRaw(sm, job, ctx),
                        j -> isTerminal(j.transformJobStatus()),
                        j -> "transform job " + job + " is " + j.transformJobStatusAsString(),
                        options.pollInterval(),
                        ctx,
                        context.scheduler()))
            .thenApply(SageMakerBatchJobs::toBatch);
    // The operation ends only after its clean-up: a job that did not end by itself (cancelled,
    // failed, out of time) is stopped and waited on, and the model it ran goes.
    return run.handle(
            (v, e) ->
                cleanUp(job, modelName, e != null && madeJob.get(), madeModel.get())
                    .handle(
                        (x, ce) -> {
                          if (e != null) {
                            throw AwsErrors.map("CreateTransformJob " + job, e);
                          }
                          return v;
                        }))
        .thenCompose(f -> f);
  }

  /**
   * Stops a job (and waits until it has stopped) and deletes its model, with the clean-up budget;
   * best effort.
   */
  private CompletableFuture<Void> cleanUp(
      String job, String modelName, boolean stopJob, boolean deleteModel) {
    CallContext c = AwsCalls.cleanupContext();
    CompletableFuture<Void> stopped = CompletableFuture.completedFuture(null);
    if (stopJob) {
      stopped =
          AwsErrors.WIRE
              .call(
                  "StopTransformJob " + job,
                  () ->
                      sm.stopTransformJob(
                          r -> r.transformJobName(job).overrideConfiguration(timeout(c))))
              .thenCompose(
                  x ->
                      Polling.until(
                          () -> describeJobRaw(sm, job, c),
                          j -> isTerminal(j.transformJobStatus()),
                          j -> "transform job " + job + " is " + j.transformJobStatusAsString(),
                          options.pollInterval(),
                          c,
                          context.scheduler()))
              .handle((x, e) -> null);
    }
    if (!deleteModel) {
      return stopped;
    }
    return stopped
        .thenCompose(
            x ->
                AwsErrors.WIRE.call(
                    "DeleteModel " + modelName,
                    () ->
                        sm.deleteModel(
                            r -> r.modelName(modelName).overrideConfiguration(timeout(c)))))
        .handle((x, e) -> null);
  }

  @Override
  public CompletableFuture<BatchJobDescription> describeBatchJob(String name, CallContext ctx) {
    // Core retries describeBatchJob: no SDK retries underneath.
    return describeJobRaw(smOnce, name, ctx).thenApply(SageMakerBatchJobs::toBatch);
  }

  private static CompletableFuture<DescribeTransformJobResponse> describeJobRaw(
      SageMakerAsyncClient client, String job, CallContext ctx) {
    return AwsErrors.WIRE.call(
        "DescribeTransformJob " + job,
        () ->
            client.describeTransformJob(
                r -> r.transformJobName(job).overrideConfiguration(timeout(ctx))));
  }

  private static boolean isTerminal(TransformJobStatus s) {
    return s == TransformJobStatus.COMPLETED
        || s == TransformJobStatus.FAILED
        || s == TransformJobStatus.STOPPED;
  }

  private static BatchJobDescription toBatch(DescribeTransformJobResponse j) {
    BatchJobStatus status =
        switch (j.transformJobStatusAsString()) {
          case "Completed" -> BatchJobStatus.SUCCEEDED;
          case "Failed" -> BatchJobStatus.FAILED;
          case "Stopped", "Stopping" -> BatchJobStatus.CANCELLED;
          default -> BatchJobStatus.RUNNING;
        };
    Map<String, String> details = new LinkedHashMap<>();
    if (j.transformJobArn() != null) {
      details.put("transformJobArn", j.transformJobArn());
    }
    if (j.modelName() != null) {
      details.put("modelName", j.modelName());
    }
    URI output =
        j.transformOutput() != null && j.transformOutput().s3OutputPath() != null
            ? URI.create(j.transformOutput().s3OutputPath())
            : null;
    return new BatchJobDescription(
        j.transformJobName(), status, output, j.failureReason(), details);
  }

  private static String batchInstanceType(Accelerator acc) {
    String sku = AwsOfferings.resolve(acc).sku();
    // Batch transform has no burstable (t2/t3) instances.
    return sku.startsWith("ml.t2.") || sku.startsWith("ml.t3.") ? "ml.m5.large" : sku;
  }
}
