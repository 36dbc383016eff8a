package io.serve4j.gcp.internal;

import com.google.api.gax.longrunning.OperationTimedPollAlgorithm;
import com.google.api.gax.retrying.RetrySettings;
import com.google.api.gax.rpc.ClientSettings;
import com.google.api.gax.rpc.OperationCallSettings;
import com.google.api.gax.rpc.UnaryCallSettings;
import com.google.cloud.aiplatform.v1.EndpointServiceClient;
import com.google.cloud.aiplatform.v1.EndpointServiceSettings;
import com.google.cloud.aiplatform.v1.JobServiceClient;
import com.google.cloud.aiplatform.v1.JobServiceSettings;
import com.google.cloud.aiplatform.v1.ModelServiceClient;
import com.google.cloud.aiplatform.v1.ModelServiceSettings;
import com.google.cloud.aiplatform.v1.PredictionServiceClient;
import com.google.cloud.aiplatform.v1.PredictionServiceSettings;
import io.serve4j.ErrorCategory;
import io.serve4j.ServingException;
import io.serve4j.gcp.GcpOptions;
import io.serve4j.gcp.GcpProvider;
import java.io.IOException;
import java.time.Duration;
import java.util.Set;

/**
 * The four Vertex AI clients serve4j uses, all on the regional host of the options, with their
 * long-running operations polled every {@link GcpOptions#pollInterval()} and no gax total polling
 * timeout of their own: the caller's deadline decides how long to wait.
 *
 * <p>The calls core retries (Predict, RawPredict, and the get / list calls behind describe and
 * list) and the DeleteEndpoint request are set to one attempt with no retryable codes, so gax never
 * retries them and core's retry policy is the only one; google-cloud-aiplatform ships them without
 * retries today, and this keeps it so if a later client adds a retry policy. Polling of
 * long-running operations is gax's.
 */
final class VertexClients implements AutoCloseable {
  /** gax gives up polling after this; long enough that the caller's deadline always comes first. */
  private static final Duration NO_GAX_LIMIT = Duration.ofDays(30);

  final EndpointServiceClient endpoints;
  final ModelServiceClient models;
  final PredictionServiceClient predictions;
  final JobServiceClient jobs;

  private VertexClients(
      EndpointServiceClient endpoints,
      ModelServiceClient models,
      PredictionServiceClient predictions,
      JobServiceClient jobs) {
    this.endpoints = endpoints;
    this.models = models;
    this.predictions = predictions;
    this.jobs = jobs;
  }

  static VertexClients create(GcpOptions options) {
    EndpointServiceClient e = null;
    ModelServiceClient m = null;
    PredictionServiceClient p = null;
    try {
      RetrySettings polling = polling(options.pollInterval());
      EndpointServiceSettings.Builder es = common(EndpointServiceSettings.newBuilder(), options);
      poll(es.createEndpointOperationSettings(), polling);
      poll(es.deleteEndpointOperationSettings(), polling);
      poll(es.deployModelOperationSettings(), polling);
      poll(es.undeployModelOperationSettings(), polling);
      poll(es.mutateDeployedModelOperationSettings(), polling);
      oneAttempt(es.getEndpointSettings());
      oneAttempt(es.listEndpointsSettings());
      // The delete request itself is one wire attempt too (the contract's rule for delete).
      oneAttempt(es.deleteEndpointSettings());
      e = EndpointServiceClient.create(es.build());
      ModelServiceSettings.Builder ms = common(ModelServiceSettings.newBuilder(), options);
      poll(ms.uploadModelOperationSettings(), polling);
      oneAttempt(ms.getModelSettings());
      m = ModelServiceClient.create(ms.build());
      p = PredictionServiceClient.create(predictionSettings(options).build());
      JobServiceSettings.Builder js = common(JobServiceSettings.newBuilder(), options);
      oneAttempt(js.getBatchPredictionJobSettings());
      oneAttempt(js.listBatchPredictionJobsSettings());
      JobServiceClient j = JobServiceClient.create(js.build());
      return new VertexClients(e, m, p, j);
    } catch (IOException | RuntimeException ex) {
      closeQuietly(e);
      closeQuietly(m);
      closeQuietly(p);
      throw ServingException.builder(ErrorCategory.UNAUTHENTICATED)
          .providerId(GcpProvider.ID)
          .cause(ex)
          .message(
              "could not open the Vertex AI clients for "
                  + options.apiEndpoint()
                  + " (are Application Default Credentials set up? `gcloud auth"
                  + " application-default login`): "
                  + ex.getMessage())
          .build();
    }
  }

  /**
   * The prediction client's settings: Predict and RawPredict make one attempt, whatever the status.
   *
   * @param options the options
   * @return the settings builder
   */
  static PredictionServiceSettings.Builder predictionSettings(GcpOptions options) {
    PredictionServiceSettings.Builder ps = common(PredictionServiceSettings.newBuilder(), options);
    oneAttempt(ps.predictSettings());
    oneAttempt(ps.rawPredictSettings());
    return ps;
  }

  /** No gax retries for a call core retries: no retryable codes, at most one attempt. */
  private static void oneAttempt(UnaryCallSettings.Builder<?, ?> settings) {
    settings.setRetryableCodes(Set.of());
    settings.setRetrySettings(settings.getRetrySettings().toBuilder().setMaxAttempts(1).build());
  }

  private static <B extends ClientSettings.Builder<?, B>> B common(B b, GcpOptions options) {
    b.setEndpoint(options.apiEndpoint());
    options.credentialsProvider().ifPresent(b::setCredentialsProvider);
    options.transportChannelProvider().ifPresent(b::setTransportChannelProvider);
    return b;
  }

  private static RetrySettings polling(Duration interval) {
    return RetrySettings.newBuilder()
        .setInitialRetryDelayDuration(interval)
        .setRetryDelayMultiplier(1.0)
        .setMaxRetryDelayDuration(interval)
        .setInitialRpcTimeoutDuration(Duration.ZERO)
        .setRpcTimeoutMultiplier(1.0)
        .setMaxRpcTimeoutDuration(Duration.ZERO)
        .setTotalTimeoutDuration(NO_GAX_LIMIT)
        .build();
  }

  private static void poll(OperationCallSettings.Builder<?, ?, ?> settings, RetrySettings r) {
    settings.setPollingAlgorithm(OperationTimedPollAlgorithm.create(r));
  }

  private static void closeQuietly(AutoCloseable c) {
    if (c != null) {
      try {
        c.close();
      } catch (Exception ignored) {
        // best effort
      }
    }
  }

  @Override
  public void close() {
    closeQuietly(endpoints);
    closeQuietly(models);
    closeQuietly(predictions);
    closeQuietly(jobs);
  }
}
