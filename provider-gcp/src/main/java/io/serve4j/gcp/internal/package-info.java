/**
 * Implementation of the Vertex AI provider: the provider client, the error mapper, Triton model
 * repositories, staging to Cloud Storage and the serving image table. Not an API.
 */
package io.serve4j.gcp.internal;
