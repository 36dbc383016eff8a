package io.serve4j.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.serve4j.InferenceRequest;
import io.serve4j.Tensor;
import io.serve4j.server.grpc.GRPCInferenceServiceGrpc;
import io.serve4j.server.grpc.InferTensorContents;
import io.serve4j.server.grpc.ModelInferRequest;
import io.serve4j.server.grpc.ModelInferResponse;
import io.serve4j.server.grpc.ModelMetadataRequest;
import io.serve4j.server.grpc.ModelMetadataResponse;
import io.serve4j.server.grpc.ModelReadyRequest;
import io.serve4j.server.grpc.ServerLiveRequest;
import io.serve4j.server.grpc.ServerMetadataRequest;
import io.serve4j.server.grpc.ServerReadyRequest;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * GRPCInferenceService against the real MLP, through a client stub generated from the same proto.
 */
class OipGrpcConformanceTest {
  private static MlpServer mlp;
  private static OipServer server;
  private static ManagedChannel channel;
  private static GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub;

  @BeforeAll
  static void start() {
    mlp = new MlpServer();
    server =
        OipServer.builder()
            .endpoint("mlp", mlp.endpoint)
            .port(0)
            .grpcPort(0)
            .maxRequestBytes(64 * 1024)
            .start();
    channel =
        NettyChannelBuilder.forAddress("127.0.0.1", server.grpcPort().getAsInt())
            .usePlaintext()
            .build();
    stub = GRPCInferenceServiceGrpc.newBlockingStub(channel);
  }

  @AfterAll
  static void stop() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.close();
    mlp.close();
  }

  private static final float[] X = {1, 2, 3, 4, -5, 6, 7, -8};

  private static float[] inProcess() {
    return mlp.endpoint
        .predict(InferenceRequest.of(Tensor.ofFloats("x", new long[] {2, 4}, X)))
        .output("y")
        .asFloats();
  }

  private static ModelInferRequest.InferInputTensor.Builder x() {
    return ModelInferRequest.InferInputTensor.newBuilder()
        .setName("x")
        .setDatatype("FP32")
        .addShape(2)
        .addShape(4);
  }

  private static float[] floats(ByteString raw) {
    ByteBuffer b = raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    float[] f = new float[b.remaining() / 4];
    b.asFloatBuffer().get(f);
    return f;
  }

  @Test
  void health_and_metadata() {
    assertThat(stub.serverLive(ServerLiveRequest.getDefaultInstance()).getLive()).isTrue();
    assertThat(stub.serverReady(ServerReadyRequest.getDefaultInstance()).getReady()).isTrue();
    assertThat(stub.modelReady(ModelReadyRequest.newBuilder().setName("mlp").build()).getReady())
        .isTrue();
    assertThat(stub.serverMetadata(ServerMetadataRequest.getDefaultInstance()).getName())
        .isEqualTo("serve4j");
    ModelMetadataResponse md =
        stub.modelMetadata(ModelMetadataRequest.newBuilder().setName("mlp").build());
    assertThat(md.getName()).isEqualTo("mlp");
    assertThat(md.getPlatform()).isEqualTo("onnxruntime_onnx");
    assertThat(md.getInputs(0).getName()).isEqualTo("x");
    assertThat(md.getInputs(0).getShapeList()).containsExactly(-1L, 4L);
    assertThat(md.getOutputs(0).getDatatype()).isEqualTo("FP32");
    assertThatThrownBy(
            () -> stub.modelMetadata(ModelMetadataRequest.newBuilder().setName("no").build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
  }

  @Test
  void modelInfer_rawInputContents_sameAsInProcess() {
    ByteBuffer raw = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN);
    for (float f : X) {
      raw.putFloat(f);
    }
    raw.flip();
    ModelInferResponse r =
        stub.modelInfer(
            ModelInferRequest.newBuilder()
                .setModelName("mlp")
                .setId("7")
                .addInputs(x())
                .addRawInputContents(ByteString.copyFrom(raw))
                .build());
    assertThat(r.getId()).isEqualTo("7");
    assertThat(r.getModelName()).isEqualTo("mlp");
    assertThat(r.getOutputs(0).getName()).isEqualTo("y");
    assertThat(r.getOutputs(0).getShapeList()).containsExactly(2L, 2L);
    assertThat(floats(r.getRawOutputContents(0))).containsExactly(inProcess());
  }

  @Test
  void modelInfer_typedContents_sameAsInProcess() {
    InferTensorContents.Builder c = InferTensorContents.newBuilder();
    for (float f : X) {
      c.addFp32Contents(f);
    }
    ModelInferResponse r =
        stub.modelInfer(
            ModelInferRequest.newBuilder()
                .setModelName("mlp")
                .addInputs(x().setContents(c))
                .build());
    assertThat(floats(r.getRawOutputContents(0))).containsExactly(inProcess());
  }

  @Test
  void modelInfer_errors_mapToGrpcStatuses() {
    // wrong element count
    assertThatThrownBy(
            () ->
                stub.modelInfer(
                    ModelInferRequest.newBuilder()
                        .setModelName("mlp")
                        .addInputs(x())
                        .addRawInputContents(ByteString.copyFrom(new byte[12]))
                        .build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
              assertThat(e.getStatus().getDescription()).contains("needs 32 bytes but has 12");
            });
    assertThatThrownBy(
            () ->
                stub.modelInfer(
                    ModelInferRequest.newBuilder().setModelName("nope").addInputs(x()).build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
    // over the 64 KiB limit
    assertThatThrownBy(
            () ->
                stub.modelInfer(
                    ModelInferRequest.newBuilder()
                        .setModelName("mlp")
                        .addInputs(x())
                        .addRawInputContents(ByteString.copyFrom(new byte[100_000]))
                        .build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED));
    // the channel still works
    assertThat(stub.serverLive(ServerLiveRequest.getDefaultInstance()).getLive()).isTrue();
  }
}
