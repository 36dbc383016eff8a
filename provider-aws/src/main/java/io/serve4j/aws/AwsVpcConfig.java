package io.serve4j.aws;

import java.util.List;
import java.util.Objects;

/**
 * The VPC that model containers run in (SageMaker {@code VpcConfig}).
 *
 * @param securityGroupIds security group ids, at least one
 * @param subnetIds subnet ids, at least one
 */
public record AwsVpcConfig(List<String> securityGroupIds, List<String> subnetIds) {
  /** Validates and copies. */
  public AwsVpcConfig {
    securityGroupIds = List.copyOf(Objects.requireNonNull(securityGroupIds, "securityGroupIds"));
    subnetIds = List.copyOf(Objects.requireNonNull(subnetIds, "subnetIds"));
    if (securityGroupIds.isEmpty() || subnetIds.isEmpty()) {
      throw new IllegalArgumentException("a VPC config needs security groups and subnets");
    }
  }
}
