package io.serve4j.kserve;

import com.google.protobuf.ByteString;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Deadline;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerTransportFilter;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.serve4j.server.grpc.GRPCInferenceServiceGrpc;
import io.serve4j.server.grpc.ModelInferRequest;
import io.serve4j.server.grpc.ModelInferResponse;
import io.serve4j.testkit.Fault;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The gRPC front of {@link FakeKServe}, where KServe's ingress would be: an OIP v2 {@code
 * GRPCInferenceService} on loopback that forwards each ModelInfer to a real serve4j-server's gRPC
 * port (its deadline propagated), after a {@link ServerInterceptor} has recorded the request id and
 * the fake's next fault has been applied: RESOURCE_EXHAUSTED with a {@code retry-after} trailer,
 * INTERNAL, UNAVAILABLE, a slow answer, an answer whose raw contents do not fit its shape, or any
 * status set with {@link #failNext(Status)}. Counts the open transports (connections), so a test
 * can see a client close its channel.
 */
final class FakeOipGrpc implements AutoCloseable {
  private static final Context.Key<String> REQUEST_ID = Context.key("x-request-id");
  private static final Metadata.Key<String> REQUEST_ID_HEADER =
      Metadata.Key.of("x-request-id", Metadata.ASCII_STRING_MARSHALLER);

  private final Server server;
  private final ManagedChannel backend;
  private final AtomicInteger openTransports = new AtomicInteger();
  private final FakeKServe fake;
  private final Supplier<Fault> nextFault;
  private volatile Status failNext;

  FakeOipGrpc(FakeKServe fake, int backendPort, Supplier<Fault> nextFault) {
    this.fake = fake;
    this.nextFault = nextFault;
    backend = NettyChannelBuilder.forAddress("127.0.0.1", backendPort).usePlaintext().build();
    ServerInterceptor requestIds =
        new ServerInterceptor() {
          @Override
          public <Q, A> ServerCall.Listener<Q> interceptCall(
              ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
            Context ctx = Context.current().withValue(REQUEST_ID, headers.get(REQUEST_ID_HEADER));
            return Contexts.interceptCall(ctx, call, headers, next);
          }
        };
    try {
      server =
          NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
              .addService(ServerInterceptors.intercept(new Front(), requestIds))
              .addTransportFilter(
                  new ServerTransportFilter() {
                    @Override
                    public io.grpc.Attributes transportReady(io.grpc.Attributes a) {
                      openTransports.incrementAndGet();
                      return a;
                    }

                    @Override
                    public void transportTerminated(io.grpc.Attributes a) {
                      openTransports.decrementAndGet();
                    }
                  })
              .build()
              .start();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    // one call with a deadline now, so that the server's lazily started threads (its deadline
    // timer) exist before a test counts the serve4j threads a client leaves behind
    GRPCInferenceServiceGrpc.newBlockingStub(backend)
        .withDeadlineAfter(30, TimeUnit.SECONDS)
        .modelInfer(
            io.serve4j.server.grpc.ProtoTensors.writeRequest(
                "relu", io.serve4j.testkit.ContractModels.reluRequest(1, 2)));
  }

  int port() {
    return server.getPort();
  }

  int openTransports() {
    return openTransports.get();
  }

  /** The next ModelInfer is answered with this status (before any fault of the fake). */
  void failNext(Status status) {
    failNext = status;
  }

  private final class Front extends GRPCInferenceServiceGrpc.GRPCInferenceServiceImplBase {
    @Override
    public void modelInfer(ModelInferRequest request, StreamObserver<ModelInferResponse> out) {
      fake.predictionArrived(request.getModelName(), REQUEST_ID.get());
      Status injected = failNext;
      if (injected != null) {
        failNext = null;
        out.onError(injected.asRuntimeException());
        return;
      }
      Fault f = nextFault.get();
      if (f != null) {
        switch (f.kind()) {
          case THROTTLE -> {
            Metadata t = new Metadata();
            t.put(
                Metadata.Key.of("retry-after", Metadata.ASCII_STRING_MARSHALLER),
                String.valueOf(f.duration().toSeconds()));
            out.onError(
                Status.RESOURCE_EXHAUSTED
                    .withDescription("too many requests")
                    .asRuntimeException(t));
            return;
          }
          case SERVER_ERROR -> {
            out.onError(Status.INTERNAL.withDescription("model crashed").asRuntimeException());
            return;
          }
          case UNAVAILABLE -> {
            out.onError(
                Status.UNAVAILABLE.withDescription("no replica ready").asRuntimeException());
            return;
          }
          case SLOW -> {
            try {
              Thread.sleep(f.duration().toMillis());
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
          case MALFORMED_BODY -> {
            // FP32 [1, 2] needs 8 bytes
            out.onNext(
                ModelInferResponse.newBuilder()
                    .setModelName("relu")
                    .addOutputs(
                        ModelInferResponse.InferOutputTensor.newBuilder()
                            .setName("y")
                            .setDatatype("FP32")
                            .addShape(1)
                            .addShape(2))
                    .addRawOutputContents(ByteString.copyFrom(new byte[3]))
                    .build());
            out.onCompleted();
            return;
          }
          default -> throw new IllegalStateException("not injectable over gRPC: " + f);
        }
      }
      if (!"relu".equals(request.getModelName())) {
        out.onError(
            Status.NOT_FOUND
                .withDescription("model '" + request.getModelName() + "' is not loaded")
                .asRuntimeException());
        return;
      }
      GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub =
          GRPCInferenceServiceGrpc.newBlockingStub(backend);
      Deadline deadline = Context.current().getDeadline();
      if (deadline != null) {
        stub = stub.withDeadline(deadline);
      }
      try {
        out.onNext(stub.modelInfer(request));
        out.onCompleted();
      } catch (StatusRuntimeException e) {
        out.onError(e);
      }
    }
  }

  @Override
  public void close() {
    server.shutdownNow();
    backend.shutdownNow();
    try {
      server.awaitTermination(5, TimeUnit.SECONDS);
      backend.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
