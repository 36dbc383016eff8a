package io.serve4j.aws;

import java.net.URI;
import java.util.Objects;

/**
 * Endpoint data capture (SageMaker {@code DataCaptureConfig}): a sample of requests and responses
 * written to S3.
 *
 * @param destination an {@code s3://} prefix
 * @param samplingPercent 1..100 percent of requests captured
 */
public record AwsDataCapture(URI destination, int samplingPercent) {
  /** Validates. */
  public AwsDataCapture {
    Objects.requireNonNull(destination, "destination");
    if (!"s3".equals(destination.getScheme())) {
      throw new IllegalArgumentException(
          "data capture destination must be s3://, got " + destination);
    }
    if (samplingPercent < 1 || samplingPercent > 100) {
      throw new IllegalArgumentException("sampling percent must be 1..100, got " + samplingPercent);
    }
  }
}
