/**
 * The Open Inference Protocol v2 server. {@code io.serve4j.server} holds {@link
 * io.serve4j.server.OipServer}; {@code io.serve4j.server.grpc} the messages and stubs generated
 * from the protocol's proto (for gRPC clients) and {@code ProtoTensors}, their codec to serve4j's
 * tensors, shared with the {@code kserve} provider (not a supported API); {@code
 * io.serve4j.server.internal} is not exported.
 */
module io.serve4j.server {
  requires transitive io.serve4j;
  requires com.fasterxml.jackson.databind;
  requires io.netty.buffer;
  requires io.netty.codec;
  requires io.netty.codec.http;
  requires io.netty.codec.http2;
  requires io.netty.common;
  requires io.netty.handler;
  requires io.netty.transport;
  requires transitive io.grpc;
  requires transitive io.grpc.stub;
  requires io.grpc.protobuf;
  requires io.grpc.netty.shaded;
  requires transitive com.google.protobuf;
  requires transitive com.google.common;

  exports io.serve4j.server;
  exports io.serve4j.server.grpc;
}
