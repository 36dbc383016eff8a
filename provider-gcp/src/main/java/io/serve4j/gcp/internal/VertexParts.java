package io.serve4j.gcp.internal;

import io.serve4j.gcp.GcpOptions;
import io.serve4j.spi.BatchJobs;
import io.serve4j.spi.EndpointLifecycle;
import io.serve4j.spi.Inference;
import io.serve4j.spi.ProviderContext;
import io.serve4j.spi.StreamingInference;

/**
 * The Vertex AI role parts over one set of gapic clients: {@link #lifecycle()} ({@link
 * VertexEndpoints}), {@link #inference()} ({@link VertexPredictions}) and {@link #batchJobs()}
 * ({@link VertexBatchJobs}); {@link #close()} releases the clients, staging and its threads.
 */
public final class VertexParts implements AutoCloseable {
  private final VertexClients vertex;
  private final ModelRegistry models;
  private final VertexEndpoints endpoints;
  private final VertexPredictions predictions;
  private final VertexBatchJobs batchJobs;
  private final VertexStreams streams;

  private VertexParts(GcpOptions options, ProviderContext context, VertexClients vertex) {
    this.vertex = vertex;
    VertexNames names = new VertexNames(options);
    VertexOperations operations = new VertexOperations(options, context);
    EndpointDescriptions descriptions = new EndpointDescriptions(vertex, names, options);
    this.models = new ModelRegistry(vertex, names, operations, options);
    this.endpoints =
        new VertexEndpoints(
            vertex, names, operations, descriptions, models, new DeploymentPlans(options), options);
    this.predictions = new VertexPredictions(vertex, names, descriptions);
    this.batchJobs = new VertexBatchJobs(vertex, names, models, options, context);
    this.streams = new VertexStreams(vertex, names);
  }

  /**
   * Opens the Vertex AI clients and builds the parts over them.
   *
   * @param options the options
   * @param context core's facilities
   * @return the parts
   */
  public static VertexParts open(GcpOptions options, ProviderContext context) {
    return new VertexParts(options, context, VertexClients.create(options));
  }

  /**
   * Returns the endpoint lifecycle part.
   *
   * @return the lifecycle role
   */
  public EndpointLifecycle lifecycle() {
    return endpoints;
  }

  /**
   * Returns the real-time inference part.
   *
   * @return the inference role
   */
  public Inference inference() {
    return predictions;
  }

  /**
   * Returns the batch prediction job part.
   *
   * @return the batch role
   */
  public BatchJobs batchJobs() {
    return batchJobs;
  }

  /**
   * Returns the streaming inference part ({@code StreamRawPredict}).
   *
   * @return the streaming role
   */
  public StreamingInference streaming() {
    return streams;
  }

  @Override
  public void close() {
    try {
      vertex.close();
    } finally {
      models.close();
    }
  }
}
