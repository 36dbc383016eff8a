package io.serve4j.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.serve4j.DataType;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.InternalException;
import io.serve4j.InvalidInputException;
import io.serve4j.ServingException;
import io.serve4j.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class OipJsonTest {
  @ParameterizedTest
  @EnumSource(DataType.class)
  void request_roundTripsEveryDataType(DataType type) {
    Tensor t = io.serve4j.TensorTest.sample(type, new long[] {2, 3}).withName("in");
    InferenceRequest request =
        InferenceRequest.builder().id("r1").input(t).output("out").parameter("p", 3L).build();
    InferenceRequest back = OipJson.readRequest(OipJson.writeRequest(request));
    assertThat(back.id()).contains("r1");
    assertThat(back.inputs()).containsExactly(t);
    assertThat(back.outputs()).containsExactly("out");
    assertThat(back.parameters()).containsEntry("p", 3L);
  }

  @Test
  void response_roundTrips() {
    InferenceResponse r =
        InferenceResponse.builder()
            .id("42")
            .modelName("m")
            .modelVersion("3")
            .output(Tensor.ofFloats("y", new long[] {1, 2}, new float[] {0.5f, -1f}))
            .output(Tensor.ofLongs("ids", new long[] {0}, new long[0]))
            .build();
    assertThat(OipJson.readResponse(OipJson.writeResponse(r))).isEqualTo(r);
  }

  @Test
  void specExampleRequest_asPublished_isRejectedNamingTheInconsistentInput() throws IOException {
    byte[] json = resource("spec-example-request.json");
    assertThatThrownBy(() -> OipJson.readRequest(json))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("input1")
        .hasMessageContaining("needs 3 elements")
        .hasMessageContaining("has 1");
  }

  @Test
  void specExampleRequest_corrected_parsesAndReserialises() throws IOException {
    String fixed =
        new String(resource("spec-example-request.json"), StandardCharsets.UTF_8)
            .replace("\"data\" : [ true ]", "\"data\" : [ true, false, true ]");
    InferenceRequest r = OipJson.readRequest(fixed.getBytes(StandardCharsets.UTF_8));
    assertThat(r.id()).contains("42");
    Tensor in0 = r.input("input0").orElseThrow();
    assertThat(in0.dataType()).isEqualTo(DataType.UINT32);
    assertThat(in0.asLongs()).containsExactly(1, 2, 3, 4);
    assertThat(r.input("input1").orElseThrow().asBooleans()).containsExactly(true, false, true);
    assertThat(r.outputs()).containsExactly("output0");
    assertThat(OipJson.readRequest(OipJson.writeRequest(r)).inputs()).isEqualTo(r.inputs());
  }

  @Test
  void specExampleResponse_asPublished_isATypedMalformedBodyError() throws IOException {
    byte[] json = resource("spec-example-response.json");
    assertThatThrownBy(() -> OipJson.readResponse(json))
        .isInstanceOf(InternalException.class)
        .hasMessageContaining("malformed inference response")
        .satisfies(
            e ->
                assertThat(((ServingException) e).origin())
                    .isEqualTo(ServingException.Origin.SERVICE));
  }

  @Test
  void specExampleResponse_corrected_parsesAndReserialises() throws IOException {
    String fixed =
        new String(resource("spec-example-response.json"), StandardCharsets.UTF_8)
            .replace("\"42\"\n", "\"42\",\n");
    InferenceResponse r = OipJson.readResponse(fixed.getBytes(StandardCharsets.UTF_8));
    Tensor out = r.output("output0");
    assertThat(out.shape().toArray()).containsExactly(3, 2);
    assertThat(out.asFloats()).containsExactly(1.0f, 1.1f, 2.0f, 2.1f, 3.0f, 3.1f);
    assertThat(OipJson.readResponse(OipJson.writeResponse(r))).isEqualTo(r);
  }

  @Test
  void nestedData_isAccepted() {
    String json =
        "{\"inputs\":[{\"name\":\"x\",\"shape\":[2,2],\"datatype\":\"FP64\",\"data\":[[1,2],[3,4]]}]}";
    assertThat(
            OipJson.readRequest(json.getBytes(StandardCharsets.UTF_8)).inputs().get(0).asDoubles())
        .containsExactly(1, 2, 3, 4);
  }

  @Test
  void binaryBytes_roundTripThroughBase64Parameter() {
    byte[] raw = {(byte) 0xff, (byte) 0xfe, 0};
    Tensor t = Tensor.ofByteStrings("b", new long[] {2}, List.of(raw, "ok".getBytes()));
    String json = new String(OipJson.writeRequest(InferenceRequest.of(t)), StandardCharsets.UTF_8);
    assertThat(json).contains(OipJson.BYTES_ENCODING);
    InferenceRequest back = OipJson.readRequest(json.getBytes(StandardCharsets.UTF_8));
    assertThat(back.inputs().get(0)).isEqualTo(t);
  }

  @Test
  void utf8Bytes_travelAsPlainStrings() {
    Tensor t = Tensor.ofStrings("s", new long[] {1}, List.of("héllo"));
    String json = new String(OipJson.writeRequest(InferenceRequest.of(t)), StandardCharsets.UTF_8);
    assertThat(json).contains("\"héllo\"").doesNotContain(OipJson.BYTES_ENCODING);
  }

  @Test
  void malformedRequests_areInvalidInputNamingTheProblem() {
    assertThatThrownBy(() -> OipJson.readRequest("not json".getBytes()))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("malformed inference request");
    assertThatThrownBy(
            () ->
                OipJson.readRequest(
                    "{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"FLOAT\",\"data\":[1]}]}"
                        .getBytes()))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("FLOAT");
    assertThatThrownBy(() -> OipJson.readRequest("{\"id\":\"1\"}".getBytes()))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("inputs");
    assertThatThrownBy(
            () ->
                OipJson.readRequest(
                    "{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"UINT8\",\"data\":[300]}]}"
                        .getBytes()))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("300");
  }

  @Test
  void errorObject_isReadBack() {
    assertThat(OipJson.readError(OipJson.writeError("bad shape"))).contains("bad shape");
    assertThat(OipJson.readError("{\"outputs\":[]}".getBytes())).isEmpty();
  }

  private static byte[] resource(String name) throws IOException {
    try (InputStream in = OipJsonTest.class.getResourceAsStream("/oip/" + name)) {
      return in.readAllBytes();
    }
  }
}
