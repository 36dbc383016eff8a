/**
 * The provider SPI: implement {@link io.serve4j.spi.ServingProvider} and {@link
 * io.serve4j.spi.ProviderClient}, register with {@link java.util.ServiceLoader}. Core does
 * validation, capability checks, deadlines and listeners once for every provider.
 *
 * <p>Helpers for providers live here too: {@link io.serve4j.spi.HardwareOfferings} reads a
 * provider's table of {@link io.serve4j.HardwareOffering}s and resolves portable accelerators
 * against it, and {@code io.serve4j.spi.formats} writes the serving formats several clouds share
 * (Triton model repositories, the signature JSON).
 */
package io.serve4j.spi;
