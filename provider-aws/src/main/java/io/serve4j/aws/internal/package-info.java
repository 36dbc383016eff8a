/**
 * Implementation of the {@code aws} provider, one job per class; not an API.
 *
 * <ul>
 *   <li>{@link io.serve4j.aws.internal.AwsClients}: the SDK clients and their configuration;
 *   <li>{@link io.serve4j.aws.internal.SageMakerEndpoints}: the endpoint lifecycle (create, update,
 *       traffic, delete), over {@code EndpointPlan}, {@code SageMakerModels}, {@code
 *       EndpointConfigs}, {@code EndpointScaling} (Application Auto Scaling) and {@code
 *       EndpointDescriptions} (describe, list, waits);
 *   <li>{@link io.serve4j.aws.internal.SageMakerInvocations}: InvokeEndpoint, with {@code
 *       InvocationCodec} as the wire codec;
 *   <li>{@link io.serve4j.aws.internal.SageMakerAsyncInvocations}: InvokeEndpointAsync and its S3
 *       results, with {@code AsyncInferenceConfigs};
 *   <li>{@link io.serve4j.aws.internal.SageMakerBatchJobs}: batch transform jobs;
 *   <li>{@code S3Staging}, {@code ModelArchive}, {@code SignatureEnv}, {@code TritonImages}: model
 *       artifacts; {@link io.serve4j.aws.internal.AwsErrors}: the single error mapper; {@code
 *       AwsCalls}, {@code AwsNames}: deadlines and names; {@code AwsOfferings}: instance types.
 * </ul>
 */
package io.serve4j.aws.internal;
