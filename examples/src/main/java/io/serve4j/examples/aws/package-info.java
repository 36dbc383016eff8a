/** Using serve4j on Amazon SageMaker: {@link io.serve4j.examples.aws.AwsQuickstart}. */
package io.serve4j.examples.aws;
