/**
 * The provider SPI: implement {@link io.serve4j.spi.ServingProvider} and {@link
 * io.serve4j.spi.ProviderClient}, register with {@link java.util.ServiceLoader}. Core does
 * validation, capability checks, deadlines and listeners once for every provider.
 */
package io.serve4j.spi;
