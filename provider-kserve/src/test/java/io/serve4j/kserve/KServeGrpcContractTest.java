package io.serve4j.kserve;

/**
 * The shared contract suite with predictions over OIP v2 gRPC: the gRPC target derived from the
 * {@code status.url} the fake's controller writes, every prediction answered by serve4j-server's
 * gRPC port behind {@link FakeOipGrpc}.
 */
class KServeGrpcContractTest extends KServeContractTest {
  @Override
  FakeKServe newFake() {
    return FakeKServe.grpc(ROLLOUT);
  }
}
