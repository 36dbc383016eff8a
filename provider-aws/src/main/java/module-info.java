/**
 * The {@code aws} provider: SageMaker real-time, asynchronous and batch transform. {@code
 * io.serve4j.aws} holds its options and parameters; {@code io.serve4j.aws.internal} is not
 * exported.
 */
module io.serve4j.aws {
  requires transitive io.serve4j;
  // AwsOptions takes the SDK's credentials provider, region and HTTP client.
  requires transitive software.amazon.awssdk.auth;
  requires transitive software.amazon.awssdk.regions;
  requires transitive software.amazon.awssdk.http;
  requires software.amazon.awssdk.awscore;
  requires software.amazon.awssdk.core;
  requires software.amazon.awssdk.http.nio.netty;
  requires software.amazon.awssdk.services.applicationautoscaling;
  requires software.amazon.awssdk.services.s3;
  requires software.amazon.awssdk.services.sagemaker;
  requires software.amazon.awssdk.services.sagemakerruntime;
  requires software.amazon.awssdk.services.sts;
  requires org.reactivestreams;

  exports io.serve4j.aws;

  provides io.serve4j.spi.ServingProvider with
      io.serve4j.aws.AwsProvider;
}
