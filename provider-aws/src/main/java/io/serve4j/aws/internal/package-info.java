/**
 * Implementation of the {@code aws} provider: SageMaker, SageMaker Runtime, Application Auto
 * Scaling, S3 and STS calls, Triton model packaging and the single error mapper. Not an API.
 */
package io.serve4j.aws.internal;
