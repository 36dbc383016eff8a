package io.serve4j.aws.internal;

import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.SdkHttpRequest;

/**
 * Takes {@code Expect: 100-continue} off S3 requests ({@code AwsOptions.s3ExpectContinue(false)}).
 * The S3 client adds the header to {@code PutObject} and {@code UploadPart} in its own interceptor;
 * a client's configured interceptors run after the service's, so this one sees the header and
 * removes it before the request is signed and sent.
 */
final class NoExpectContinue implements ExecutionInterceptor {
  @Override
  public SdkHttpRequest modifyHttpRequest(
      Context.ModifyHttpRequest context, ExecutionAttributes executionAttributes) {
    SdkHttpRequest request = context.httpRequest();
    if (request.firstMatchingHeader("Expect").isEmpty()) {
      return request;
    }
    return request.toBuilder().removeHeader("Expect").build();
  }
}
