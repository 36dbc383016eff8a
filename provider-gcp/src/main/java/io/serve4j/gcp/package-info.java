/**
 * The Vertex AI provider, id {@code gcp}: {@link io.serve4j.gcp.GcpOptions} and {@link
 * io.serve4j.gcp.GcpProvider}.
 *
 * <pre>{@code
 * try (ServingClient vertex = Serve4j.client(URI.create("gcp://my-project/us-central1"))) {
 *   Endpoint e = vertex.deploy(EndpointSpec.of("fraud", model)).await();
 * }
 * }</pre>
 */
package io.serve4j.gcp;
