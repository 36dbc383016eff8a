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
 * channel of its own per server ({@link ServerOverhead#channel}) with a blocking stub (and the
 * calls {@link #infer} etc. through the stub {@code -Dbench.server.stub} names), and the request in
 * both encodings.
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
  final ManagedChannel ch;

  /**
   * The four gRPC calls the c=1 modes time, through the stub {@code -Dbench.server.stub} names:
   * {@code future} (the default: {@code futureStub.modelInfer(r).get()}; with the channel's {@code
   * directExecutor} the answer completes the future on the client's event loop, which wakes the
   * caller once) or {@code blocking} (the blocking stub: its caller runs the call's callbacks
   * itself, queued by the event loop, and was woken 1.3-1.7 times a call against 1.0, GrpcThreads'
   * per-thread switches; in all about 1.4 more context switches and 3-9 us more a call on this
   * 2-core VM, for the floor and serve4j alike). Either is what any grpc-java client may use; the
   * same one serves every mode.
   */
  final Infer infer;

  final Infer inferInline;
  final Infer inferFloor;
  final Infer inferFloorPredict;

  /** The stub the c=1 modes use: {@code future} or {@code blocking}. */
  static final String STUB = System.getProperty("bench.server.stub", "future");

  /** One unary ModelInfer call. */
  interface Infer {
    ModelInferResponse call(ModelInferRequest r) throws Exception;
  }

  static Infer infer(ManagedChannel channel) {
    switch (STUB) {
      case "future" -> {
        GRPCInferenceServiceGrpc.GRPCInferenceServiceFutureStub f =
            GRPCInferenceServiceGrpc.newFutureStub(channel);
        return r -> f.modelInfer(r).get();
      }
      case "blocking" -> {
        GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub b =
            GRPCInferenceServiceGrpc.newBlockingStub(channel);
        return b::modelInfer;
      }
      default ->
          throw new IllegalArgumentException(
              "bench.server.stub must be future or blocking, not " + STUB);
    }
  }

  private final ManagedChannel chInline;
  final ManagedChannel chFloor;
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
    this.infer = infer(ch);
    this.inferInline = infer(chInline);
    this.inferFloor = infer(chFloor);
    this.inferFloorPredict = infer(chFloorPredict);
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
