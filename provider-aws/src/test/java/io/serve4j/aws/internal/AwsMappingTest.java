package io.serve4j.aws.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.serve4j.EndpointStatus;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AwsMappingTest {
  @Test
  void percentages_ofRelativeWeights_sumTo100() {
    Map<String, Float> w = new LinkedHashMap<>();
    w.put("a", 1f);
    w.put("b", 1f);
    w.put("c", 1f);
    Map<String, Integer> p = EndpointDescriptions.percentages(w);
    assertThat(p.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(100);
    assertThat(p.values()).allSatisfy(v -> assertThat(v).isBetween(33, 34));
    assertThat(EndpointDescriptions.percentages(Map.of("blue", 9f, "green", 1f)))
        .containsEntry("blue", 90)
        .containsEntry("green", 10);
    assertThat(EndpointDescriptions.percentages(Map.of("only", 0f))).containsEntry("only", 0);
  }

  @Test
  void status_mapsEverySageMakerEndpointStatus() {
    assertThat(EndpointDescriptions.status("Creating")).isEqualTo(EndpointStatus.CREATING);
    assertThat(EndpointDescriptions.status("Updating")).isEqualTo(EndpointStatus.UPDATING);
    assertThat(EndpointDescriptions.status("SystemUpdating")).isEqualTo(EndpointStatus.UPDATING);
    assertThat(EndpointDescriptions.status("RollingBack")).isEqualTo(EndpointStatus.UPDATING);
    assertThat(EndpointDescriptions.status("InService")).isEqualTo(EndpointStatus.IN_SERVICE);
    assertThat(EndpointDescriptions.status("Deleting")).isEqualTo(EndpointStatus.DELETING);
    assertThat(EndpointDescriptions.status("Failed")).isEqualTo(EndpointStatus.FAILED);
    assertThat(EndpointDescriptions.status("OutOfService")).isEqualTo(EndpointStatus.FAILED);
    assertThat(EndpointDescriptions.status("UpdateRollbackFailed"))
        .isEqualTo(EndpointStatus.FAILED);
  }

  @Test
  void resourceNames_fitSageMakersPattern() {
    String suffix = AwsNames.suffix();
    assertThat(suffix).matches("[0-9a-z]{8,12}");
    assertThat(AwsNames.trim("a-very-long-endpoint-name-that-goes-on-and-on-and-on", 20))
        .isEqualTo("a-very-long-endpoint");
    assertThat(AwsNames.trim("ends-with-", 10)).isEqualTo("ends-with");
    assertThat(EndpointScaling.resourceId("fraud", "blue"))
        .isEqualTo("endpoint/fraud/variant/blue");
  }
}
