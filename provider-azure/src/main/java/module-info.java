/**
 * The {@code azure} provider: Azure Machine Learning managed online endpoints and batch endpoints.
 * {@code io.serve4j.azure} holds its options; {@code io.serve4j.azure.internal} is not exported.
 */
module io.serve4j.azure {
  requires transitive io.serve4j;
  // AzureOptions takes azure-core's TokenCredential and HttpClient.
  requires transitive com.azure.core;
  requires com.azure.core.management;
  requires com.azure.identity;
  requires com.azure.json;
  requires com.azure.storage.blob;
  requires reactor.core;

  exports io.serve4j.azure;

  provides io.serve4j.spi.ServingProvider with
      io.serve4j.azure.AzureProvider;
}
