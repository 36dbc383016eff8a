package io.serve4j.kserve.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.Metadata;
import io.grpc.Status;
import io.serve4j.EndpointDescription;
import io.serve4j.EndpointSpec;
import io.serve4j.EndpointStatus;
import io.serve4j.ErrorCategory;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.ServingException;
import io.serve4j.Tensor;
import io.serve4j.kserve.KServeOptions;
import io.serve4j.server.grpc.InferParameter;
import io.serve4j.server.grpc.InferTensorContents;
import io.serve4j.server.grpc.ModelInferRequest;
import io.serve4j.server.grpc.ModelInferResponse;
import io.serve4j.server.grpc.ProtoTensors;
import io.serve4j.testkit.ContractModels;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The gRPC wire of the KServe provider: target rule, messages, status table, manifests. */
class OipGrpcTest {
  private static EndpointDescription at(String url) {
    EndpointDescription.Builder b =
        EndpointDescription.builder().name("fraud").status(EndpointStatus.IN_SERVICE);
    if (url != null) {
      b.url(URI.create(url));
    }
    return b.build();
  }

  @Test
  void target_isTheStatusUrlsHostAndPort_80or443ByScheme_tlsForHttps() {
    assertThat(OipGrpc.target("fraud", at("http://fraud.models.example.com"), null))
        .isEqualTo(
            new OipGrpc.Target("fraud.models.example.com", 80, "fraud.models.example.com", false));
    assertThat(OipGrpc.target("fraud", at("https://fraud.models.example.com"), null))
        .isEqualTo(
            new OipGrpc.Target("fraud.models.example.com", 443, "fraud.models.example.com", true));
    assertThat(OipGrpc.target("fraud", at("http://10.0.0.7:31080"), null))
        .isEqualTo(new OipGrpc.Target("10.0.0.7", 31080, "10.0.0.7:31080", false));
  }

  @Test
  void target_override_keepsTheServiceHostAsAuthority() {
    assertThat(OipGrpc.target("fraud", at("https://fraud.models.example.com"), "localhost:9000"))
        .isEqualTo(new OipGrpc.Target("localhost", 9000, "fraud.models.example.com", false));
    assertThat(OipGrpc.target("fraud", at(null), "[::1]:9000"))
        .isEqualTo(new OipGrpc.Target("::1", 9000, "[::1]:9000", false));
  }

  @Test
  void target_withoutStatusUrl_isUnavailable() {
    assertThatThrownBy(() -> OipGrpc.target("fraud", at(null), null))
        .isInstanceOf(ServingException.class)
        .hasMessageContaining("grpcTarget")
        .satisfies(
            e ->
                assertThat(((ServingException) e).category()).isEqualTo(ErrorCategory.UNAVAILABLE));
  }

  @Test
  void request_sendsRawLittleEndianContents_andRequestedOutputs() {
    InferenceRequest r =
        InferenceRequest.builder()
            .id("42")
            .input(Tensor.ofFloats("x", new long[] {1, 2}, new float[] {1.5f, -2f}))
            .output("y")
            .parameter("priority", 3)
            .build();
    ModelInferRequest m = ProtoTensors.writeRequest("relu", r);
    assertThat(m.getModelName()).isEqualTo("relu");
    assertThat(m.getId()).isEqualTo("42");
    assertThat(m.getInputs(0).getDatatype()).isEqualTo("FP32");
    assertThat(m.getInputs(0).getShapeList()).containsExactly(1L, 2L);
    assertThat(m.getInputs(0).hasContents()).isFalse();
    ByteBuffer raw = m.getRawInputContents(0).asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    assertThat(raw.getFloat(0)).isEqualTo(1.5f);
    assertThat(raw.getFloat(4)).isEqualTo(-2f);
    assertThat(m.getOutputs(0).getName()).isEqualTo("y");
    assertThat(m.getParametersMap().get("priority").getInt64Param()).isEqualTo(3);
  }

  @Test
  void response_readsRawAndTypedContents() {
    ByteBuffer y = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(0f).putFloat(4f);
    ModelInferResponse raw =
        ModelInferResponse.newBuilder()
            .setModelName("relu")
            .setModelVersion("1")
            .setId("42")
            .addOutputs(output("y", "FP32"))
            .addRawOutputContents(ByteString.copyFrom(y.array()))
            .build();
    InferenceResponse r = OipGrpc.response(raw);
    assertThat(r.output("y").asFloats()).containsExactly(0f, 4f);
    assertThat(r.modelName()).contains("relu");
    assertThat(r.id()).contains("42");
    ModelInferResponse typed =
        ModelInferResponse.newBuilder()
            .addOutputs(
                output("y", "FP32")
                    .setContents(
                        InferTensorContents.newBuilder().addFp32Contents(0f).addFp32Contents(4f)))
            .build();
    assertThat(OipGrpc.response(typed).output("y").asFloats()).containsExactly(0f, 4f);
  }

  @Test
  void response_thatDoesNotDescribeItsTensors_isMalformed_serviceSide() {
    for (ModelInferResponse bad :
        List.of(
            // 3 bytes for FP32 [1, 2]
            ModelInferResponse.newBuilder()
                .addOutputs(output("y", "FP32"))
                .addRawOutputContents(ByteString.copyFrom(new byte[3]))
                .build(),
            // an unknown datatype
            ModelInferResponse.newBuilder()
                .addOutputs(output("y", "FLOAT"))
                .addRawOutputContents(ByteString.copyFrom(new byte[8]))
                .build(),
            // two raw contents for one output
            ModelInferResponse.newBuilder()
                .addOutputs(output("y", "FP32"))
                .addRawOutputContents(ByteString.copyFrom(new byte[8]))
                .addRawOutputContents(ByteString.copyFrom(new byte[8]))
                .build())) {
      assertThatThrownBy(() -> OipGrpc.response(bad))
          .isInstanceOf(ServingException.class)
          .hasMessageContaining("malformed")
          .satisfies(
              e -> {
                ServingException se = (ServingException) e;
                assertThat(se.category()).isEqualTo(ErrorCategory.INTERNAL);
                assertThat(se.origin()).isEqualTo(ServingException.Origin.SERVICE);
              });
    }
  }

  @Test
  void response_readsTypedContentsOfEveryIntegerType_asTheServerReadsRequests() {
    ModelInferResponse typed =
        ModelInferResponse.newBuilder()
            .addOutputs(
                output("y", "INT8")
                    .setContents(
                        InferTensorContents.newBuilder().addIntContents(-3).addIntContents(7)))
            .addOutputs(
                output("z", "UINT64")
                    .setContents(
                        InferTensorContents.newBuilder().addUint64Contents(1).addUint64Contents(2)))
            .build();
    InferenceResponse r = OipGrpc.response(typed);
    assertThat(r.output("y").asLongs()).containsExactly(-3L, 7L);
    assertThat(r.output("z").dataType()).isEqualTo(io.serve4j.DataType.UINT64);
  }

  @Test
  void response_parameters_overTheLongRangeAreMalformed_withoutAValueSkipped() {
    ModelInferResponse over =
        ModelInferResponse.newBuilder()
            .putParameters("n", InferParameter.newBuilder().setUint64Param(-1L).build())
            .build();
    assertThatThrownBy(() -> OipGrpc.response(over))
        .isInstanceOf(ServingException.class)
        .hasMessageContaining("malformed")
        .hasMessageContaining("18446744073709551615");
    ModelInferResponse empty =
        ModelInferResponse.newBuilder()
            .putParameters("none", InferParameter.getDefaultInstance())
            .putParameters("n", InferParameter.newBuilder().setUint64Param(5).build())
            .build();
    assertThat(OipGrpc.response(empty).parameters()).isEqualTo(Map.of("n", 5L));
  }

  private static ModelInferResponse.InferOutputTensor.Builder output(String name, String type) {
    return ModelInferResponse.InferOutputTensor.newBuilder()
        .setName(name)
        .setDatatype(type)
        .addShape(1)
        .addShape(2);
  }

  @Test
  void statuses_mapToTheRestPathsCategories() {
    Map<Status.Code, ErrorCategory> table =
        Map.of(
            Status.Code.INVALID_ARGUMENT, ErrorCategory.INVALID_INPUT,
            Status.Code.NOT_FOUND, ErrorCategory.NOT_FOUND,
            Status.Code.RESOURCE_EXHAUSTED, ErrorCategory.THROTTLED,
            Status.Code.UNAVAILABLE, ErrorCategory.UNAVAILABLE,
            Status.Code.DEADLINE_EXCEEDED, ErrorCategory.TIMEOUT,
            Status.Code.UNIMPLEMENTED, ErrorCategory.UNSUPPORTED_CAPABILITY,
            Status.Code.UNAUTHENTICATED, ErrorCategory.UNAUTHENTICATED,
            Status.Code.PERMISSION_DENIED, ErrorCategory.PERMISSION_DENIED,
            Status.Code.INTERNAL, ErrorCategory.INTERNAL,
            Status.Code.FAILED_PRECONDITION, ErrorCategory.CONFLICT);
    table.forEach(
        (code, category) -> {
          ServingException e =
              KServeErrors.map(
                  "predict on endpoint 'x'",
                  Status.fromCode(code).withDescription("d").asRuntimeException());
          assertThat(e.category()).as(code.name()).isEqualTo(category);
          assertThat(e.getMessage()).contains(code.name());
        });
  }

  @Test
  void status_readsRetryAfterAndRequestIdTrailers_andRedacts() {
    Metadata t = new Metadata();
    t.put(Metadata.Key.of("retry-after", Metadata.ASCII_STRING_MARSHALLER), "2");
    t.put(OipGrpc.REQUEST_ID, "req-7");
    ServingException e =
        KServeErrors.map(
            "predict",
            Status.RESOURCE_EXHAUSTED
                .withDescription("slow down, token=Bearer abc.def.ghi")
                .asRuntimeException(t));
    assertThat(e.retryAfter()).contains(Duration.ofSeconds(2));
    assertThat(e.requestId()).contains("req-7");
    assertThat(e.statusCode()).hasValue(Status.Code.RESOURCE_EXHAUSTED.value());
    assertThat(e.getMessage()).doesNotContain("abc.def.ghi");
  }

  @Test
  void noConnection_isUnavailable_clientSide() {
    ServingException e =
        KServeErrors.map(
            "predict",
            Status.UNAVAILABLE
                .withCause(new java.net.ConnectException("Connection refused"))
                .asRuntimeException());
    assertThat(e.category()).isEqualTo(ErrorCategory.UNAVAILABLE);
    assertThat(e.origin()).isEqualTo(ServingException.Origin.CLIENT);
  }

  @Test
  @SuppressWarnings("unchecked")
  void manifests_withGrpc_nameThePredictorPortH2c() {
    Manifests grpc =
        new Manifests(KServeOptions.builder().protocol(KServeOptions.Protocol.GRPC).build());
    EndpointSpec onnx =
        EndpointSpec.of("relu", ContractModels.relu(URI.create("s3://models/triton-repo")));
    Map<String, Object> model =
        (Map<String, Object>) grpc.predictor(onnx.deployments().get(0)).get("model");
    assertThat((List<Map<String, Object>>) model.get("ports"))
        .containsExactly(Map.of("name", "h2c", "containerPort", 9000, "protocol", "TCP"));
    Map<String, Object> rest =
        (Map<String, Object>)
            new Manifests(KServeOptions.builder().build())
                .predictor(onnx.deployments().get(0))
                .get("model");
    assertThat(rest).doesNotContainKey("ports");
  }
}
