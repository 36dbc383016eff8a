package io.serve4j;

import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * A client for one provider (the local ONNX runtime, SageMaker, Azure ML, Vertex AI, or the
 * in-memory reference). Obtain one from {@link Serve4j}.
 *
 * <pre>{@code
 * try (ServingClient client = Serve4j.client("local")) {
 *   Endpoint endpoint = client.deploy(EndpointSpec.of("relu", model)).await();
 *   InferenceResponse response = endpoint.predict(InferenceRequest.of(x));
 * }
 * }</pre>
 *
 * <p>Clients are thread-safe. {@link #close()} releases what the client created (native sessions,
 * HTTP clients it built) and never a vendor client or executor the caller passed in. After close,
 * every call fails with a non-retryable {@link UnavailableException} saying the client is closed
 * (thrown, or for {@code *Async} methods as the failed future), and so does every call or operation
 * still running when close() is called: it fails at once, also if it was waiting for a retry.
 */
public interface ServingClient extends AutoCloseable {
  /**
   * Returns the provider's id.
   *
   * @return e.g. {@code "local"}
   */
  String providerId();

  /**
   * Returns what the provider can do.
   *
   * @return the capabilities
   */
  Set<Capability> capabilities();

  /**
   * Creates an endpoint with its deployments. Capabilities the spec needs are checked first.
   *
   * @param spec what to deploy
   * @return the operation, completed with the endpoint once it is in service
   * @throws UnsupportedCapabilityException if the provider cannot do what the spec asks
   */
  Operation<Endpoint> deploy(EndpointSpec spec);

  /**
   * Returns a handle on an existing endpoint, without making a call.
   *
   * @param name the endpoint name
   * @return the handle
   */
  Endpoint endpoint(String name);

  /**
   * Lists the endpoints this provider can see.
   *
   * @return the endpoints
   */
  List<EndpointDescription> listEndpoints();

  /**
   * Lists endpoints asynchronously.
   *
   * @return a future of the endpoints
   */
  CompletableFuture<List<EndpointDescription>> listEndpointsAsync();

  /**
   * Starts a provider-side batch job.
   *
   * @param spec the job
   * @return the operation, completed when the job has finished
   * @throws UnsupportedCapabilityException if the provider has no batch jobs
   */
  Operation<BatchJobDescription> submitBatchJob(BatchJobSpec spec);

  /**
   * Describes a batch job.
   *
   * @param name the job name
   * @return the description
   * @throws NotFoundException if there is no such job
   */
  BatchJobDescription describeBatchJob(String name);

  /**
   * Closes the client; idempotent. Calls and operations still running fail at once with a
   * non-retryable {@link UnavailableException} ("... is closed"), and their provider work is
   * cancelled; a prediction an in-process runtime is computing on the caller's own thread finishes
   * first.
   */
  @Override
  void close();
}
