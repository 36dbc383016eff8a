/**
 * The {@code aws} provider: serve4j on Amazon SageMaker real-time and asynchronous endpoints and
 * batch transform.
 *
 * <pre>{@code
 * try (ServingClient aws = Serve4j.client(AwsOptions.builder()
 *     .region(Region.US_EAST_1)
 *     .executionRoleArn("arn:aws:iam::123456789012:role/SageMakerRole")
 *     .stagingBucket("my-models")
 *     .build())) {
 *   Endpoint e = aws.deploy(EndpointSpec.of("fraud", Model.onnx("fraud", Path.of("fraud.onnx"))))
 *       .await();
 *   InferenceResponse r = e.predict(request);
 * }
 * }</pre>
 *
 * <p>{@link io.serve4j.aws.AwsOptions} holds the settings; {@link io.serve4j.aws.AwsProvider} is
 * found by {@link java.util.ServiceLoader} under the id and URI scheme {@code aws} ({@code
 * aws://us-east-1}).
 */
package io.serve4j.aws;
