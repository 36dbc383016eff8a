/**
 * Implementation of the {@code azure} provider. Not API: users must not depend on it.
 *
 * <ul>
 *   <li>{@link io.serve4j.azure.internal.Workspace}: the workspace's HTTP pipelines, model
 *       registry, scoring authorization and location, shared by the parts below;
 *   <li>{@link io.serve4j.azure.internal.OnlineEndpoints}: endpoint lifecycle (create, update,
 *       traffic, delete); {@code OnlineDeployments}: the deployments of an endpoint; {@code
 *       EndpointDescriptions}: describe and list;
 *   <li>{@link io.serve4j.azure.internal.Scoring}: predictions against the scoring URI;
 *   <li>{@link io.serve4j.azure.internal.BatchEndpoints}: batch jobs on batch endpoints;
 *   <li>{@code Arm}: control-plane URLs and long-running operations; {@code Rest}: HTTP exchanges;
 *       {@code Bodies}: request bodies and their mapping back; {@code Models}: model registration
 *       and artifact upload; {@code ScoringAuth}: endpoint keys and tokens; {@code AzureErrors}:
 *       the error mapper.
 * </ul>
 */
package io.serve4j.azure.internal;
