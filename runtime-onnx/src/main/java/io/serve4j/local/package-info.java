/**
 * The {@code local} provider: serve4j on ONNX Runtime, in-process, on the CPU or a GPU.
 *
 * <pre>{@code
 * try (ServingClient local = Serve4j.client("local")) {
 *   Endpoint e = local.deploy(EndpointSpec.of("relu", Model.onnx("relu", Path.of("relu.onnx"))))
 *       .await();
 *   InferenceResponse r = e.predict(InferenceRequest.of(
 *       Tensor.ofFloats("x", new long[] {1, 2}, new float[] {-1, 2})));
 * }
 * }</pre>
 *
 * <p>Tune it with {@link io.serve4j.local.LocalOptions}; observe how many runs reached ONNX Runtime
 * with {@link io.serve4j.local.LocalStatistics}.
 */
package io.serve4j.local;
