/**
 * The {@code kserve} provider: KServe InferenceServices on any Kubernetes cluster through the
 * fabric8 client. {@code io.serve4j.kserve} holds its options; {@code io.serve4j.kserve.internal}
 * is not exported.
 */
module io.serve4j.kserve {
  requires transitive io.serve4j;
  // KServeOptions takes a caller-built KubernetesClient.
  requires transitive kubernetes.client.api;
  requires kubernetes.model.core;
  requires kubernetes.model.common;
  requires com.fasterxml.jackson.databind;
  requires java.net.http;
  // gRPC predictions: serve4j-server's OIP stubs and codec (ProtoTensors), grpc-java's client
  requires io.serve4j.server;
  requires io.grpc;
  requires io.grpc.stub;
  requires io.grpc.netty.shaded;
  requires com.google.protobuf;

  exports io.serve4j.kserve;

  provides io.serve4j.spi.ServingProvider with
      io.serve4j.kserve.KserveProvider;
}
