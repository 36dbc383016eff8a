package io.serve4j.benchmarks;

import io.grpc.ManagedChannel;
import io.serve4j.Endpoint;
import io.serve4j.InferenceRequest;
import io.serve4j.protocol.OipJson;
import io.serve4j.server.OipServer;
import io.serve4j.server.grpc.GRPCInferenceServiceGrpc;
import io.serve4j.server.grpc.ModelInferRequest;
import io.serve4j.server.grpc.ModelInferResponse;
import java.util.concurrent.TimeUnit;

/**
 * The concurrency-1 set-up {@link ServerOverhead} and {@link GrpcServerCpu} share: serve4j's server
 * in its default configuration and with {@code workerThreads(0)} (both REST and gRPC on loopback),
 * the transport floor ({@link ServerOverhead.Floor}) answering serve4j's own answer bytes, a
 * channel of its own per server ({@link ServerOverhead#channel}) with a blocking stub, and the
 * request in both encodings.
 */
final class ServerFixture implements AutoCloseable {
  final InferenceRequest request;
  final byte[] json;
  final ModelInferRequest grpcRequest;
  final ServerOverhead.GrpcCheck check;
  final OipServer server;
  final OipServer inline;
  final ServerOverhead.Floor floor;

  /** The floor that also runs in-process predict of the request on its transport thread. */
  final ServerOverhead.Floor floorPredict;

  final GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub;
  final GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stubInline;
  final GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stubFloor;
  final GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stubFloorPredict;
  private final ManagedChannel ch;
  private final ManagedChannel chInline;
  private final ManagedChannel chFloor;
  private final ManagedChannel chFloorPredict;

  /**
   * Starts both servers and the floor.
   *
   * @param e the endpoint the in-process figure calls (and the {@code workerThreads(0)} server)
   * @param forDefault the endpoint the default server serves (e, or e wrapped to observe calls)
   * @param request the request
   */
  ServerFixture(Endpoint e, Endpoint forDefault, InferenceRequest request) throws Exception {
    this(e, e, forDefault, request);
  }

  /**
   * Starts both servers and the floor.
   *
   * @param e the endpoint the in-process figure calls
   * @param forInline the endpoint the {@code workerThreads(0)} server serves (e, or e wrapped)
   * @param forDefault the endpoint the default server serves (e, or e wrapped to observe calls)
   * @param request the request
   */
  ServerFixture(Endpoint e, Endpoint forInline, Endpoint forDefault, InferenceRequest request)
      throws Exception {
    this.request = request;
    this.json = OipJson.writeRequest(request);
    this.grpcRequest = ServerOverhead.grpcRequest(request);
    this.check = ServerOverhead.GrpcCheck.of(e.predict(request));
    this.server = OipServer.builder().endpoint("m", forDefault).port(0).grpcPort(0).start();
    this.inline =
        OipServer.builder().endpoint("m", forInline).port(0).grpcPort(0).workerThreads(0).start();
    this.ch = ServerOverhead.channel(server.grpcPort().getAsInt());
    this.chInline = ServerOverhead.channel(inline.grpcPort().getAsInt());
    this.stub = GRPCInferenceServiceGrpc.newBlockingStub(ch);
    this.stubInline = GRPCInferenceServiceGrpc.newBlockingStub(chInline);
    // the floor answers what serve4j answers, byte for byte
    byte[] restAnswer;
    try (ServerOverhead.RestClient once = new ServerOverhead.RestClient(inline.port())) {
      restAnswer = once.postForBody("/v2/models/m/infer", json);
    }
    ModelInferResponse grpcAnswer = stubInline.modelInfer(grpcRequest);
    this.floor = ServerOverhead.Floor.start(restAnswer, grpcAnswer);
    this.chFloor = ServerOverhead.channel(floor.grpcPort());
    this.stubFloor = GRPCInferenceServiceGrpc.newBlockingStub(chFloor);
    this.floorPredict =
        ServerOverhead.Floor.start(restAnswer, grpcAnswer, () -> e.predict(request));
    this.chFloorPredict = ServerOverhead.channel(floorPredict.grpcPort());
    this.stubFloorPredict = GRPCInferenceServiceGrpc.newBlockingStub(chFloorPredict);
  }

  @Override
  public void close() throws Exception {
    chFloor.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    chFloorPredict.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    floorPredict.close();
    ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    chInline.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    floor.close();
    inline.close();
    server.close();
  }
}
