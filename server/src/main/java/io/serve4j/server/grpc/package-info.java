/**
 * The Open Inference Protocol v2 gRPC messages and {@code GRPCInferenceService} stubs, generated at
 * build time from {@code open_inference_grpc.proto}, and {@link
 * io.serve4j.server.grpc.ProtoTensors}, the codec between them and serve4j's tensors that
 * serve4j-server and the {@code kserve} provider share (not a supported API).
 */
package io.serve4j.server.grpc;
