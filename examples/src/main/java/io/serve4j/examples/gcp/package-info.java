/** Vertex AI examples: {@link io.serve4j.examples.gcp.VertexQuickstart}. */
package io.serve4j.examples.gcp;
