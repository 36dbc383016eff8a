/**
 * An Open Inference Protocol v2 server over any serve4j {@link io.serve4j.Endpoint}: {@link
 * io.serve4j.server.OipServer}. {@code io.serve4j.server.grpc} holds the messages and stubs
 * generated from the protocol's {@code open_inference_grpc.proto} (a gRPC client can use them);
 * {@code io.serve4j.server.internal} is not API.
 */
package io.serve4j.server;
