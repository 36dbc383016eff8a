/**
 * Using serve4j on Amazon SageMaker: {@link io.serve4j.examples.aws.AwsQuickstart} (real-time
 * endpoints, traffic split, batch transform) and {@link io.serve4j.examples.aws.AwsAsyncInference}
 * (an asynchronous endpoint).
 */
package io.serve4j.examples.aws;
