/**
 * Implementation of the {@code aws} provider: SageMaker, SageMaker Runtime, Application Auto
 * Scaling, S3 and STS calls, the SageMaker model archive around core's Triton repository writer
 * ({@code io.serve4j.spi.formats}), the signature kept in the model environment, the instance-type
 * offerings and the single error mapper. Not an API.
 */
package io.serve4j.aws.internal;
