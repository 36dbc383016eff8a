/**
 * The {@code kserve} provider: deploys models as KServe InferenceServices on any Kubernetes cluster
 * and predicts over the Open Inference Protocol v2.
 *
 * <pre>{@code
 * ServingClient kserve = Serve4j.client(URI.create("kserve://my-context/models"));
 * }</pre>
 */
package io.serve4j.kserve;
