package io.serve4j.spring.boot;

import io.serve4j.EndpointSpec;
import io.serve4j.Serve4j;
import io.serve4j.ServingClient;
import io.serve4j.testkit.ContractModels;
import io.serve4j.testkit.memory.MemoryBackend;
import io.serve4j.testkit.memory.MemoryOptions;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * A fake cloud for the client named {@code cloud}: the in-memory reference provider over a shared
 * {@link MemoryBackend} that holds the ReLU endpoint {@code relu} and lets a test inject faults
 * into its predictions, describes and lists, and count what reached it. The client is still built
 * from the {@code serve4j.clients.cloud.*} properties; the customizer only passes typed options.
 */
@Configuration(proxyBeanMethods = false)
class FakeCloud {
  @Bean
  MemoryBackend fakeCloudBackend() {
    MemoryBackend backend = new MemoryBackend();
    try (ServingClient c = Serve4j.client(options(backend))) {
      c.deploy(EndpointSpec.of("relu", ContractModels.reluOnClasspath())).await();
    }
    return backend;
  }

  @Bean
  Serve4jClientCustomizer fakeCloudOptions(MemoryBackend fakeCloudBackend) {
    return (name, builder) -> {
      if (name.equals("cloud")) {
        builder.options(options(fakeCloudBackend));
      }
    };
  }

  static MemoryOptions options(MemoryBackend backend) {
    return MemoryOptions.builder()
        .backend(backend)
        .predictor((deployment, request) -> ContractModels.reluAnswer(request))
        .build();
  }
}
