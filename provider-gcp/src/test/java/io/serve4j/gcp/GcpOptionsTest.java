package io.serve4j.gcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.api.gax.core.FixedCredentialsProvider;
import com.google.auth.oauth2.AccessToken;
import com.google.auth.oauth2.GoogleCredentials;
import io.serve4j.Capability;
import io.serve4j.InvalidInputException;
import io.serve4j.spi.ServingProvider;
import java.net.URI;
import java.time.Duration;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class GcpOptionsTest {
  @Test
  void location_setsRegionalApiHost() {
    GcpOptions o = GcpOptions.builder().project("p").location("europe-west4").build();
    assertThat(o.apiEndpoint()).isEqualTo("europe-west4-aiplatform.googleapis.com:443");
    assertThat(GcpOptions.builder().project("p").build().apiEndpoint())
        .isEqualTo("us-central1-aiplatform.googleapis.com:443");
    assertThat(
            GcpOptions.builder().project("p").endpointOverride("localhost:1").build().apiEndpoint())
        .isEqualTo("localhost:1");
  }

  @Test
  void fromUri_readsProjectLocationAndBucket() {
    GcpOptions o = GcpOptions.fromUri(URI.create("gcp://my-project/asia-east1?bucket=models-1"));
    assertThat(o.project()).isEqualTo("my-project");
    assertThat(o.location()).isEqualTo("asia-east1");
    assertThat(o.stagingBucket()).contains("models-1");
    assertThat(GcpOptions.fromUri(URI.create("gcp://p")).location()).isEqualTo("us-central1");
  }

  @Test
  void fromUri_readsTheTritonImage() {
    GcpOptions o =
        GcpOptions.fromUri(
            URI.create(
                "gcp://p/us-central1?bucket=bkt1&tritonImage=us-docker.pkg.dev/p/s/tritonserver:24.08-py3"));
    assertThat(o.tritonImage()).contains("us-docker.pkg.dev/p/s/tritonserver:24.08-py3");
    assertThat(o.stagingBucket()).contains("bkt1");
    assertThat(GcpOptions.fromUri(URI.create("gcp://p")).tritonImage()).isEmpty();
  }

  @Test
  void prebuiltImages_comeFromTheMultiRegionRepositoryNearestTheLocation() {
    assertThat(io.serve4j.gcp.internal.ServingImages.region("europe-west4")).isEqualTo("europe");
    assertThat(io.serve4j.gcp.internal.ServingImages.region("me-west1")).isEqualTo("europe");
    assertThat(io.serve4j.gcp.internal.ServingImages.region("asia-northeast1")).isEqualTo("asia");
    assertThat(io.serve4j.gcp.internal.ServingImages.region("australia-southeast1"))
        .isEqualTo("asia");
    assertThat(io.serve4j.gcp.internal.ServingImages.region("us-central1")).isEqualTo("us");
    assertThat(io.serve4j.gcp.internal.ServingImages.region("northamerica-northeast1"))
        .isEqualTo("us");
    // every row names its source page and what that page showed
    assertThat(io.serve4j.gcp.internal.ServingImages.standard().rows())
        .allSatisfy(
            r -> {
              assertThat(r.source()).startsWith("https://cloud.google.com/vertex-ai/docs/");
              assertThat(r.checked()).isNotBlank();
              assertThat(r.image()).doesNotStartWith("nvcr.io");
            });
  }

  @Test
  void fromUri_whenMalformed_throwsInvalidInput() {
    assertThatThrownBy(() -> GcpOptions.fromUri(URI.create("gcp://p/us-central1/extra")))
        .isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> GcpOptions.fromUri(URI.create("gcp://p/us-central1?colour=red")))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("colour");
  }

  @Test
  void build_withoutProject_orWithBucketUrl_throwsInvalidInput() {
    assertThatThrownBy(() -> GcpOptions.builder().build())
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("project");
    assertThatThrownBy(() -> GcpOptions.builder().project("p").stagingBucket("gs://b/x").build())
        .isInstanceOf(InvalidInputException.class);
  }

  @Test
  void toString_neverPrintsCredentials() {
    GoogleCredentials secret = GoogleCredentials.create(new AccessToken("ya29.SECRET-TOKEN", null));
    GcpOptions o =
        GcpOptions.builder()
            .project("p")
            .credentialsProvider(FixedCredentialsProvider.create(secret))
            .build();
    assertThat(o.toString()).doesNotContain("SECRET").contains("credentials=custom");
    assertThat(o.toBuilder().pollInterval(Duration.ofSeconds(1)).build().project()).isEqualTo("p");
  }

  @Test
  void serviceLoader_findsGcpProvider_withoutShadow() {
    ServingProvider p =
        ServiceLoader.load(ServingProvider.class).stream()
            .map(ServiceLoader.Provider::get)
            .filter(x -> x.id().equals("gcp"))
            .findFirst()
            .orElseThrow();
    assertThat(p.capabilities())
        .contains(Capability.TRAFFIC_SPLIT, Capability.TPU, Capability.BATCH_JOBS)
        .doesNotContain(Capability.SHADOW, Capability.ASYNC_INFERENCE, Capability.STREAMING);
    assertThat(p.optionsFrom(URI.create("gcp://proj/us-east1"))).isInstanceOf(GcpOptions.class);
  }
}
