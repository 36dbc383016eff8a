package io.serve4j.aws;

/**
 * Request parameter keys that the {@code aws} provider sends as SageMaker request headers instead
 * of inside the body.
 *
 * <pre>{@code
 * InferenceRequest r = request.toBuilder()
 *     .parameter(AwsParameters.CUSTOM_ATTRIBUTES, "trace=abc")
 *     .build();
 * }</pre>
 */
public final class AwsParameters {
  /**
   * A string sent as {@code X-Amzn-SageMaker-Custom-Attributes}; the container's answer to it comes
   * back as the response parameter of the same name.
   */
  public static final String CUSTOM_ATTRIBUTES = "aws.custom_attributes";

  private AwsParameters() {}
}
