/**
 * Implementation of the Vertex AI provider: the role parts ({@code VertexParts} assembles {@code
 * VertexEndpoints}, {@code VertexPredictions}, {@code VertexBatchJobs}) and their helpers, the
 * error mapper, staging of Triton model repositories (written by core's {@code
 * io.serve4j.spi.formats}) to Cloud Storage, the endpoint manifest, the machine-type offerings and
 * the serving image table. Not an API.
 */
package io.serve4j.gcp.internal;
