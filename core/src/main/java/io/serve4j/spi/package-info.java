/**
 * The provider SPI: implement {@link io.serve4j.spi.ServingProvider} (id, options type,
 * capabilities, {@link io.serve4j.spi.ErrorMapper}) and the roles its {@link
 * io.serve4j.spi.ProviderSession} yields ({@link io.serve4j.spi.EndpointLifecycle}, {@link
 * io.serve4j.spi.Inference}, optional {@link io.serve4j.spi.BatchJobs} and {@link
 * io.serve4j.spi.QueuedInference}), register with {@link java.util.ServiceLoader}. Core does
 * validation, capability checks, deadlines, retries, listeners, the endpoint-description cache,
 * error mapping and cancellation ({@link io.serve4j.spi.Wire}) once for every provider; the HTTP /
 * gRPC status table ({@link io.serve4j.spi.StatusCategories}) and the redaction of service text
 * ({@link io.serve4j.spi.Redactor}) live here too.
 *
 * <p>Helpers for providers live here too: {@link io.serve4j.spi.HardwareOfferings} reads a
 * provider's table of {@link io.serve4j.HardwareOffering}s and resolves portable accelerators
 * against it, {@link io.serve4j.spi.CancellableFutures} chains two asynchronous steps of a call so
 * that cancelling the call cancels the step in flight, and {@code io.serve4j.spi.formats} writes
 * the serving formats several clouds share (Triton model repositories, the signature JSON).
 */
package io.serve4j.spi;
