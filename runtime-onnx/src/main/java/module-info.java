/**
 * The {@code local} provider: models in this JVM on ONNX Runtime. {@code io.serve4j.local} holds
 * its options and statistics; {@code io.serve4j.local.internal} is not exported.
 */
module io.serve4j.local {
  requires transitive io.serve4j;
  requires com.microsoft.onnxruntime;

  exports io.serve4j.local;

  provides io.serve4j.spi.ServingProvider with
      io.serve4j.local.LocalProvider;
}
