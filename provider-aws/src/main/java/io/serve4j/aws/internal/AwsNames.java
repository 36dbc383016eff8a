package io.serve4j.aws.internal;

import io.serve4j.ErrorCategory;
import java.net.URI;
import java.util.concurrent.ThreadLocalRandom;

/** Names serve4j gives SageMaker resources, and the S3 URIs it accepts. */
final class AwsNames {
  private AwsNames() {}

  static void requireS3(URI uri, String what) {
    if (!"s3".equals(uri.getScheme())) {
      throw AwsErrors.clientError(
          ErrorCategory.INVALID_INPUT, what + " must be an s3:// URI, got " + uri);
    }
  }

  static String suffix() {
    return Long.toString(System.currentTimeMillis(), 36)
        + Integer.toString(ThreadLocalRandom.current().nextInt(36 * 36 * 36), 36);
  }

  static String safe(String name) {
    return name.replaceAll("[^A-Za-z0-9-]", "-");
  }

  static String trim(String name, int max) {
    String s = name.length() <= max ? name : name.substring(0, max);
    while (s.endsWith("-")) {
      s = s.substring(0, s.length() - 1);
    }
    return s;
  }
}
