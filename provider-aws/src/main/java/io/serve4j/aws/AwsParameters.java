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

  /**
   * A response parameter of an asynchronous inference ({@code Endpoint.submit}): the {@code s3://}
   * URI SageMaker wrote the result to. The result stays there after it was read.
   */
  public static final String OUTPUT_LOCATION = "aws.output_location";

  private AwsParameters() {}
}
