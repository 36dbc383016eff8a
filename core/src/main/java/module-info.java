/**
 * serve4j's API ({@code io.serve4j}, {@code io.serve4j.resilience}), the Open Inference Protocol
 * codec ({@code io.serve4j.protocol}) and the provider SPI ({@code io.serve4j.spi}). Core's
 * plumbing in {@code io.serve4j.internal} is not exported. Providers are found with {@link
 * java.util.ServiceLoader}.
 */
module io.serve4j {
  // io.serve4j.protocol.OipJson reads and writes Jackson trees.
  requires transitive com.fasterxml.jackson.databind;
  // Implements CircuitBreakerPolicy; no resilience4j type is in the API.
  requires io.github.resilience4j.circuitbreaker;
  requires io.github.resilience4j.core;

  exports io.serve4j;
  exports io.serve4j.protocol;
  exports io.serve4j.resilience;
  exports io.serve4j.spi;
  exports io.serve4j.spi.formats;

  uses io.serve4j.spi.ServingProvider;
}
