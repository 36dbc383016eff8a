package io.serve4j.aws;

/** The AWS services the provider calls, for per-service endpoint overrides. */
public enum AwsService {
  /** SageMaker control plane (models, endpoint configs, endpoints, transform jobs). */
  SAGEMAKER,
  /** SageMaker Runtime ({@code InvokeEndpoint}). */
  SAGEMAKER_RUNTIME,
  /** Application Auto Scaling (variant autoscaling). */
  APPLICATION_AUTO_SCALING,
  /** S3 (model staging). */
  S3,
  /** STS (the account id for the default staging bucket). */
  STS
}
