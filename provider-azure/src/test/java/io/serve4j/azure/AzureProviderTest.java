package io.serve4j.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import io.serve4j.Capability;
import io.serve4j.InvalidInputException;
import io.serve4j.Serve4j;
import java.net.URI;
import java.time.Duration;
import java.time.OffsetDateTime;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

class AzureProviderTest {
  private final AzureProvider provider = new AzureProvider();

  @Test
  void provider_isFoundByServiceLoaderUnderItsId() {
    assertThat(Serve4j.providers()).contains("azure");
    assertThat(provider.id()).isEqualTo("azure");
    assertThat(provider.optionsType()).isEqualTo(AzureOptions.class);
  }

  @Test
  void capabilities_areExactlyWhatIsImplemented() {
    assertThat(provider.capabilities())
        .containsExactlyInAnyOrder(
            Capability.TRAFFIC_SPLIT,
            Capability.SHADOW,
            Capability.AUTOSCALING,
            Capability.GPU,
            Capability.BATCH_JOBS,
            Capability.RAW_PAYLOAD,
            Capability.STREAMING);
  }

  @Test
  void optionsFrom_uriWithSubscriptionGroupAndWorkspace() {
    AzureOptions o =
        (AzureOptions) provider.optionsFrom(URI.create("azure://0000-sub/ml-rg/ml-workspace"));
    assertThat(o.subscriptionId()).isEqualTo("0000-sub");
    assertThat(o.resourceGroup()).isEqualTo("ml-rg");
    assertThat(o.workspace()).isEqualTo("ml-workspace");
    assertThat(o.armEndpoint()).isEqualTo(AzureOptions.PUBLIC_CLOUD_ARM);
    assertThat(o.armScope()).isEqualTo("https://management.azure.com/.default");
    assertThat(o.scoringAuthMode()).isEqualTo(ScoringAuthMode.KEY);
    assertThat(o.credential()).isEmpty();
  }

  @Test
  void optionsFrom_uriMissingTheWorkspace_throwsInvalidInputShowingTheShape() {
    assertThatThrownBy(() -> provider.optionsFrom(URI.create("azure://sub/rg")))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("azure://subscription/resource-group/workspace");
  }

  @Test
  void options_withoutWorkspace_throwsInvalidInputNamingIt() {
    assertThatThrownBy(() -> AzureOptions.builder().subscriptionId("s").resourceGroup("rg").build())
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("workspace");
  }

  @Test
  void options_sovereignCloud_derivesTheArmScope() {
    AzureOptions o =
        AzureOptions.builder()
            .subscriptionId("s")
            .resourceGroup("rg")
            .workspace("ws")
            .armEndpoint(URI.create("https://management.chinacloudapi.cn"))
            .build();
    assertThat(o.armScope()).isEqualTo("https://management.chinacloudapi.cn/.default");
  }

  @Test
  void options_toBuilder_roundTrips() {
    AzureOptions o =
        AzureOptions.builder()
            .subscriptionId("s")
            .resourceGroup("rg")
            .workspace("ws")
            .scoringAuthMode(ScoringAuthMode.AAD_TOKEN)
            .pollInterval(Duration.ofSeconds(3))
            .location("westeurope")
            .batchCompute("cluster")
            .requestTimeout(Duration.ofSeconds(90))
            .maxConcurrentRequestsPerInstance(4)
            .build();
    AzureOptions copy = o.toBuilder().build();
    assertThat(copy.scoringAuthMode()).isEqualTo(ScoringAuthMode.AAD_TOKEN);
    assertThat(copy.pollInterval()).isEqualTo(Duration.ofSeconds(3));
    assertThat(copy.location()).contains("westeurope");
    assertThat(copy.batchCompute()).contains("cluster");
    assertThat(copy.requestTimeout()).isEqualTo(Duration.ofSeconds(90));
    assertThat(copy.maxConcurrentRequestsPerInstance()).isEqualTo(4);
  }

  @Test
  void options_requestTimeoutOverAzuresLimit_isRefused() {
    assertThatThrownBy(
            () ->
                AzureOptions.builder()
                    .subscriptionId("s")
                    .resourceGroup("rg")
                    .workspace("ws")
                    .requestTimeout(Duration.ofMinutes(5))
                    .build())
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("180");
  }

  @Test
  void options_toString_neverShowsTheCredentialsSecrets() {
    TokenCredential secretive =
        new TokenCredential() {
          @Override
          public Mono<AccessToken> getToken(com.azure.core.credential.TokenRequestContext r) {
            return Mono.just(new AccessToken("tok-SECRET", OffsetDateTime.now().plusHours(1)));
          }

          @Override
          public String toString() {
            return "client-secret=SECRET";
          }
        };
    AzureOptions o =
        AzureOptions.builder()
            .subscriptionId("s")
            .resourceGroup("rg")
            .workspace("ws")
            .credential(secretive)
            .build();
    assertThat(o.toString()).doesNotContain("SECRET").contains("ws");
  }

  @Test
  void scoringAuthMode_mapsArmValuesBothWays() {
    for (ScoringAuthMode m : ScoringAuthMode.values()) {
      assertThat(ScoringAuthMode.fromArm(m.armValue())).isEqualTo(m);
    }
    assertThat(ScoringAuthMode.fromArm("amltoken")).isEqualTo(ScoringAuthMode.AML_TOKEN);
  }
}
