package io.serve4j.azure.internal;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.http.HttpClient;
import com.azure.core.http.netty.NettyAsyncHttpClientBuilder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.serve4j.azure.AzureOptions;
import java.net.URI;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import reactor.core.publisher.Mono;

/** The real azure-core HTTP stack pointed at a local HTTPS fake, with a static credential. */
final class TestSupport {
  private TestSupport() {}

  /** Counts token requests per scope, to prove the bearer policy asked for the right one. */
  static final class StaticCredential implements TokenCredential {
    final AtomicInteger armRequests = new AtomicInteger();
    final AtomicInteger mlRequests = new AtomicInteger();

    @Override
    public Mono<AccessToken> getToken(com.azure.core.credential.TokenRequestContext request) {
      List<String> scopes = request.getScopes();
      String token;
      if (scopes.contains(ScoringAuth.ML_SCOPE)) {
        mlRequests.incrementAndGet();
        token = FakeAzureMl.ML_TOKEN;
      } else if (scopes.stream().anyMatch(s -> s.contains("storage.azure.com"))) {
        token = "blob-token";
      } else {
        armRequests.incrementAndGet();
        token = FakeAzureMl.ARM_TOKEN;
      }
      return Mono.just(new AccessToken(token, OffsetDateTime.now().plusHours(1)));
    }
  }

  /** Netty client trusting WireMock's self-signed certificate (tests only). */
  static HttpClient insecureHttpClient() {
    SslContext ssl;
    try {
      ssl =
          SslContextBuilder.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE).build();
    } catch (SSLException e) {
      throw new IllegalStateException(e);
    }
    reactor.netty.http.client.HttpClient netty =
        reactor.netty.http.client.HttpClient.create()
            .secure(
                spec ->
                    spec.sslContext(ssl)
                        .handlerConfigurator(
                            h -> {
                              SSLEngine engine = h.engine();
                              SSLParameters params = engine.getSSLParameters();
                              params.setEndpointIdentificationAlgorithm(null);
                              engine.setSSLParameters(params);
                            }));
    return new NettyAsyncHttpClientBuilder(netty).build();
  }

  /** The code asset (scoring script) and environment batch jobs are given in these tests. */
  static final String BATCH_CODE = "azureml:onnx-batch-score:1";

  static final String BATCH_SCRIPT = "batch_score.py";
  static final String BATCH_ENV = "azureml:onnx-batch-env:1";

  static AzureOptions.Builder options(URI base, TokenCredential credential, HttpClient http) {
    return AzureOptions.builder()
        .subscriptionId(FakeAzureMl.SUB)
        .resourceGroup(FakeAzureMl.RG)
        .workspace(FakeAzureMl.WS)
        .credential(credential)
        .httpClient(http)
        .armEndpoint(base)
        .blobEndpoint(URI.create(base + "/fakeaccount"))
        .pollInterval(Duration.ofMillis(50))
        .retryDelay(Duration.ofMillis(20))
        .batchCompute("cpu-cluster")
        .batchCode(BATCH_CODE, BATCH_SCRIPT);
  }
}
