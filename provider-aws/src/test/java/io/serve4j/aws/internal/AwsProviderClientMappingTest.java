package io.serve4j.aws.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.serve4j.EndpointStatus;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AwsProviderClientMappingTest {
  @Test
  void percentages_ofRelativeWeights_sumTo100() {
    Map<String, Float> w = new LinkedHashMap<>();
    w.put("a", 1f);
    w.put("b", 1f);
    w.put("c", 1f);
    Map<String, Integer> p = AwsProviderClient.percentages(w);
    assertThat(p.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(100);
    assertThat(p.values()).allSatisfy(v -> assertThat(v).isBetween(33, 34));
    assertThat(AwsProviderClient.percentages(Map.of("blue", 9f, "green", 1f)))
        .containsEntry("blue", 90)
        .containsEntry("green", 10);
    assertThat(AwsProviderClient.percentages(Map.of("only", 0f))).containsEntry("only", 0);
  }

  @Test
  void status_mapsEverySageMakerEndpointStatus() {
    assertThat(AwsProviderClient.status("Creating")).isEqualTo(EndpointStatus.CREATING);
    assertThat(AwsProviderClient.status("Updating")).isEqualTo(EndpointStatus.UPDATING);
    assertThat(AwsProviderClient.status("SystemUpdating")).isEqualTo(EndpointStatus.UPDATING);
    assertThat(AwsProviderClient.status("RollingBack")).isEqualTo(EndpointStatus.UPDATING);
    assertThat(AwsProviderClient.status("InService")).isEqualTo(EndpointStatus.IN_SERVICE);
    assertThat(AwsProviderClient.status("Deleting")).isEqualTo(EndpointStatus.DELETING);
    assertThat(AwsProviderClient.status("Failed")).isEqualTo(EndpointStatus.FAILED);
    assertThat(AwsProviderClient.status("OutOfService")).isEqualTo(EndpointStatus.FAILED);
    assertThat(AwsProviderClient.status("UpdateRollbackFailed")).isEqualTo(EndpointStatus.FAILED);
  }

  @Test
  void resourceNames_fitSageMakersPattern() {
    String suffix = AwsProviderClient.suffix();
    assertThat(suffix).matches("[0-9a-z]{8,12}");
    assertThat(AwsProviderClient.trim("a-very-long-endpoint-name-that-goes-on-and-on-and-on", 20))
        .isEqualTo("a-very-long-endpoint");
    assertThat(AwsProviderClient.trim("ends-with-", 10)).isEqualTo("ends-with");
    assertThat(AwsProviderClient.resourceId("fraud", "blue"))
        .isEqualTo("endpoint/fraud/variant/blue");
  }
}
