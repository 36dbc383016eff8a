package io.serve4j.kserve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.serve4j.InvalidInputException;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import java.net.URI;
import org.junit.jupiter.api.Test;

class KServeOptionsTest {
  @Test
  void fromUri_contextAndNamespace() {
    KServeOptions o = KServeOptions.fromUri(URI.create("kserve://aks-prod/models"));
    assertThat(o.context()).contains("aks-prod");
    assertThat(o.namespace()).contains("models");
  }

  @Test
  void fromUri_withoutContext_usesTheCurrentOne() {
    KServeOptions o = KServeOptions.fromUri(URI.create("kserve:///models"));
    assertThat(o.context()).isEmpty();
    assertThat(o.namespace()).contains("models");
  }

  @Test
  void fromUri_bare_isTheDefaults() {
    KServeOptions o = KServeOptions.fromUri(URI.create("kserve:///"));
    assertThat(o.context()).isEmpty();
    assertThat(o.namespace()).isEmpty();
    assertThat(o.tritonRuntime()).isEqualTo("kserve-tritonserver");
    assertThat(o.gpuProductLabel()).isEmpty();
    assertThat(o.listAll()).isFalse();
  }

  @Test
  void fromUri_rejectsExtraPathQueryAndBadNamespaces() {
    for (String bad :
        new String[] {
          "kserve://ctx/ns/extra",
          "kserve://ctx/ns?x=1",
          "kserve://ctx/ns?protocol=http3",
          "kserve://ctx/Not_A_Namespace",
          "aws://x"
        }) {
      assertThatThrownBy(() -> KServeOptions.fromUri(URI.create(bad)))
          .as(bad)
          .isInstanceOf(InvalidInputException.class);
    }
  }

  @Test
  void fromUri_protocol_choosesGrpcOrRest() {
    assertThat(KServeOptions.fromUri(URI.create("kserve://aks/models?protocol=grpc")).protocol())
        .isEqualTo(KServeOptions.Protocol.GRPC);
    assertThat(KServeOptions.fromUri(URI.create("kserve:///models?protocol=REST")).protocol())
        .isEqualTo(KServeOptions.Protocol.REST);
    assertThat(KServeOptions.fromUri(URI.create("kserve:///models")).protocol())
        .isEqualTo(KServeOptions.Protocol.REST);
    KServeOptions grpc = KServeOptions.fromUri(URI.create("kserve://aks/models?protocol=grpc"));
    assertThat(grpc.toString()).contains("protocol=GRPC");
    assertThat(grpc).isEqualTo(grpc.toBuilder().build());
    assertThat(grpc).isNotEqualTo(grpc.toBuilder().protocol(KServeOptions.Protocol.REST).build());
  }

  @Test
  void builder_grpcTarget_mustBeHostAndPort() {
    assertThat(KServeOptions.builder().grpcTarget("localhost:9000").build().grpcTarget())
        .contains("localhost:9000");
    assertThat(KServeOptions.builder().grpcTarget("[::1]:9000").build().grpcTarget())
        .contains("[::1]:9000");
    for (String bad : new String[] {"localhost", "http://x:80", "x:", ":80", "a b:1"}) {
      assertThatThrownBy(() -> KServeOptions.builder().grpcTarget(bad).build())
          .as(bad)
          .isInstanceOf(InvalidInputException.class);
    }
  }

  @Test
  void builder_rejectsNonHttpPredictBaseUrl_andClientWithContext() {
    assertThatThrownBy(() -> KServeOptions.builder().predictBaseUrl(URI.create("ftp://x")).build())
        .isInstanceOf(InvalidInputException.class);
    try (FakeKServe f = new FakeKServe(java.time.Duration.ofMillis(10), r -> null)) {
      assertThatThrownBy(
              () -> KServeOptions.builder().kubernetesClient(f.client).context("c").build())
          .isInstanceOf(InvalidInputException.class);
      assertThat(f.options().build().toString()).contains("client=(caller's)");
    }
  }

  @Test
  void serve4jClient_fromKserveUri_findsTheProvider() {
    assertThat(Serve4j.providers()).contains("kserve");
    assertThat(new KserveProvider().optionsFrom(URI.create("kserve://c/ns")))
        .isEqualTo(KServeOptions.builder().context("c").namespace("ns").build());
  }

  @Test
  void toString_namesWhereButNoCredentials() {
    String s = KServeOptions.builder().context("prod").namespace("models").build().toString();
    assertThat(s).contains("prod").contains("models").doesNotContainIgnoringCase("token");
  }

  @Test
  void closingAClient_neverClosesTheCallersKubernetesClient() {
    try (FakeKServe f = new FakeKServe(java.time.Duration.ofMillis(10), r -> null)) {
      ServingClient c = Serve4j.client(f.options().build());
      c.listEndpoints();
      c.close();
      // the caller's client still works
      assertThat(
              f.client
                  .genericKubernetesResources(io.serve4j.kserve.internal.InferenceServices.ISVC)
                  .inNamespace(FakeKServe.NAMESPACE)
                  .list()
                  .getItems())
          .isNotNull();
    }
  }
}
