/**
 * The {@code azure} provider: Azure Machine Learning managed online endpoints and batch endpoints
 * over the ARM REST API (api-version {@value io.serve4j.azure.AzureOptions#API_VERSION}), on the
 * Azure SDK for Java's own {@code azure-core} pipeline, {@code azure-identity} credentials and
 * {@code azure-storage-blob}.
 *
 * <pre>{@code
 * try (ServingClient azure = Serve4j.client(URI.create("azure://my-sub/my-rg/my-workspace"))) {
 *   Endpoint e = azure.deploy(EndpointSpec.of("fraud", Model.onnx("fraud", Path.of("fraud.onnx"))))
 *       .await();
 *   InferenceResponse r = e.predict(InferenceRequest.of(Tensor.ofFloats("x", shape, values)));
 * }
 * }</pre>
 *
 * <p>Configure with {@link io.serve4j.azure.AzureOptions}; the provider is found by {@link
 * java.util.ServiceLoader} under id {@code azure}.
 */
package io.serve4j.azure;
