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
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Issue #13 items 11 and 12: what the codec refuses, each with a typed, named error. */
class OipJsonStrictnessTest {
  private static final String X =
      "{\"name\":\"x\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":[1]}";

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static void refused(String json, String... messageParts) {
    assertThatThrownBy(() -> OipJson.readRequest(utf8(json)))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("malformed inference request")
        .hasMessageContainingAll(messageParts);
  }

  @Test
  void shapeWhoseCountOverflows_isInvalidInputNotArithmetic() {
    refused(
        "{\"inputs\":[{\"name\":\"x\",\"shape\":[3,9223372036854775807],\"datatype\":\"FP32\","
            + "\"data\":[]}]}",
        "'x'");
    refused(
        "{\"inputs\":[{\"name\":\"x\",\"shape\":[4611686018427387904],\"datatype\":\"FP32\","
            + "\"data\":[]}]}",
        "'x'");
    assertThatThrownBy(
            () ->
                OipJson.readResponse(
                    utf8(
                        "{\"outputs\":[{\"name\":\"y\",\"shape\":[3,9223372036854775807],"
                            + "\"datatype\":\"INT8\",\"data\":[]}]}")))
        .isInstanceOf(InternalException.class)
        .hasMessageContaining("'y'");
  }

  @Test
  void hugeClaimedShapeWithLittleData_isRefusedWithoutAllocatingForTheShape() {
    // 2^28 FP64 elements would be 2 GiB: refused by count, not by an attempt to allocate.
    refused(
        "{\"inputs\":[{\"name\":\"x\",\"shape\":[268435456],\"datatype\":\"FP64\",\"data\":[1,2]}]}",
        "needs 268435456 elements but 'data' has 2");
  }

  @ParameterizedTest
  @ValueSource(strings = {" x", "{}", "[]", " 1", "}", " {\"inputs\":[]}"})
  void trailingContent_isRefused(String trailer) {
    assertThatThrownBy(() -> OipJson.readRequest(utf8("{\"inputs\":[" + X + "]}" + trailer)))
        .isInstanceOf(InvalidInputException.class);
  }

  @Test
  void trailingWhitespace_isFine() {
    assertThat(OipJson.readRequest(utf8("{\"inputs\":[" + X + "]}\n  ")).inputs()).hasSize(1);
  }

  @Test
  void duplicateKeys_atAnyDepth_areRefused() {
    refused("{\"inputs\":[" + X + "],\"inputs\":[" + X + "]}", "inputs");
    refused(
        "{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":[1],"
            + "\"data\":[2]}]}",
        "data");
    refused("{\"id\":\"a\",\"id\":\"b\",\"inputs\":[" + X + "]}", "id");
    refused("{\"parameters\":{\"k\":1,\"k\":2},\"inputs\":[" + X + "]}", "k");
  }

  @Test
  void wrongTypedKnownFields_areRefused() {
    refused("{\"inputs\":[" + X + "],\"outputs\":65536}", "outputs");
    refused("{\"inputs\":[" + X + "],\"outputs\":[\"y\"]}", "outputs");
    refused("{\"inputs\":[" + X + "],\"outputs\":[{\"name\":7}]}", "name");
    refused("{\"id\":7,\"inputs\":[" + X + "]}", "'id'");
    refused("{\"inputs\":{}}", "inputs");
    refused("{\"inputs\":[7]}", "tensor must be a JSON object");
    refused("{\"parameters\":[1],\"inputs\":[" + X + "]}", "parameters");
    refused(
        "{\"inputs\":[{\"name\":\"x\",\"shape\":\"1\",\"datatype\":\"FP32\",\"data\":[1]}]}",
        "shape");
    refused(
        "{\"inputs\":[{\"name\":\"x\",\"shape\":[1.0],\"datatype\":\"FP32\",\"data\":[1]}]}",
        "bad dimension");
    refused(
        "{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":[{\"v\":1}]}]}",
        "non-number");
    assertThatThrownBy(
            () ->
                OipJson.readResponse(
                    utf8("{\"model_version\":1,\"outputs\":[" + X.replace("x", "y") + "]}")))
        .isInstanceOf(InternalException.class)
        .hasMessageContaining("model_version");
    // null is absent for the optional fields
    assertThat(
            OipJson.readRequest(
                    utf8(
                        "{\"id\":null,\"parameters\":null,\"outputs\":null,\"inputs\":["
                            + X
                            + "]}"))
                .id())
        .isEmpty();
  }

  @Test
  void outputParameters_areRefusedRatherThanDropped() {
    refused(
        "{\"inputs\":["
            + X
            + "],\"outputs\":[{\"name\":\"y\",\"parameters\":{\"classification\":3}}]}",
        "output parameters");
    assertThat(
            OipJson.readRequest(
                    utf8(
                        "{\"inputs\":["
                            + X
                            + "],\"outputs\":[{\"name\":\"y\",\"parameters\":{}}]}"))
                .outputs())
        .containsExactly("y");
  }

  @Test
  void loneSurrogates_areRefusedWhereverAStringIsRead() {
    refused(
        "{\"inputs\":[{\"name\":\"s\",\"shape\":[1],\"datatype\":\"BYTES\",\"data\":[\"a\\ud800\"]}]}",
        "'s'",
        "surrogate");
    refused("{\"id\":\"\\udc00\",\"inputs\":[" + X + "]}", "surrogate");
    refused("{\"parameters\":{\"k\":\"\\ud800\"},\"inputs\":[" + X + "]}", "surrogate");
    refused(
        "{\"inputs\":[{\"name\":\"\\ud800\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":[1]}]}",
        "surrogate");
    // A proper pair, escaped or not, reads as the character.
    Tensor t =
        OipJson.readRequest(
                utf8(
                    "{\"inputs\":[{\"name\":\"s\",\"shape\":[2],\"datatype\":\"BYTES\","
                        + "\"data\":[\"\\ud83d\\ude00\",\"\uD83D\uDE00\"]}]}"))
            .inputs()
            .get(0);
    assertThat(t.asStrings()).containsExactly("\ud83d\ude00", "\ud83d\ude00");
  }

  @Test
  void writing_aNameWithALoneSurrogate_isInvalidInput() {
    Tensor t = Tensor.ofFloats("a\ud800", new long[] {1}, new float[] {1});
    assertThatThrownBy(() -> OipJson.writeRequest(InferenceRequest.of(t)))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("surrogate");
  }

  @Test
  void numbersThatBecomeInfinite_areRefused() {
    refused(
        "{\"inputs\":[{\"name\":\"f\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":[1e39]}]}",
        "'f'",
        "1e39",
        "FP32 range");
    refused(
        "{\"inputs\":[{\"name\":\"h\",\"shape\":[1],\"datatype\":\"FP16\",\"data\":[70000]}]}",
        "FP16 range");
    refused(
        "{\"inputs\":[{\"name\":\"d\",\"shape\":[1],\"datatype\":\"FP64\",\"data\":[1e400]}]}",
        "FP64 range");
    // The largest values and explicit infinities are fine; underflow rounds to zero.
    Tensor t =
        OipJson.readRequest(
                utf8(
                    "{\"inputs\":[{\"name\":\"f\",\"shape\":[4],\"datatype\":\"FP32\","
                        + "\"data\":[3.4028235e38,\"Infinity\",\"-inf\",1e-50]}]}"))
            .inputs()
            .get(0);
    assertThat(t.asFloats())
        .containsExactly(Float.MAX_VALUE, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f);
    Tensor h =
        OipJson.readRequest(
                utf8(
                    "{\"inputs\":[{\"name\":\"h\",\"shape\":[1],\"datatype\":\"FP16\","
                        + "\"data\":[65504]}]}"))
            .inputs()
            .get(0);
    assertThat(h.asFloats()).containsExactly(65504f);
  }

  @Test
  void parametersThatWouldNotSurviveARoundTrip_areRefused() {
    refused("{\"parameters\":{\"p\":1e400},\"inputs\":[" + X + "]}", "'p'", "double range");
    refused(
        "{\"parameters\":{\"p\":18446744073709551616},\"inputs\":[" + X + "]}",
        "'p'",
        "long range");
    refused("{\"parameters\":{\"p\":null},\"inputs\":[" + X + "]}", "'p'");
    refused("{\"parameters\":{\"p\":{}},\"inputs\":[" + X + "]}", "'p'");
    Tensor x = Tensor.ofFloats("x", new long[] {1}, new float[] {1});
    for (Object bad :
        List.of(
            Double.NaN,
            Double.POSITIVE_INFINITY,
            Float.NEGATIVE_INFINITY,
            BigInteger.TWO.pow(64))) {
      InferenceRequest r = InferenceRequest.builder().input(x).parameter("p", bad).build();
      assertThatThrownBy(() -> OipJson.writeRequest(r))
          .isInstanceOf(InvalidInputException.class)
          .hasMessageContaining("'p'");
    }
    InferenceRequest ok =
        InferenceRequest.builder()
            .input(x)
            .parameter("i", 7)
            .parameter("l", Long.MIN_VALUE)
            .parameter("d", 0.1)
            .parameter("b", true)
            .parameter("s", "t")
            .build();
    assertThat(OipJson.readRequest(OipJson.writeRequest(ok)).parameters())
        .containsEntry("i", 7L)
        .containsEntry("l", Long.MIN_VALUE)
        .containsEntry("d", 0.1)
        .containsEntry("b", true)
        .containsEntry("s", "t");
  }

  @Test
  void unknownBytesEncoding_isRefused() {
    refused(
        "{\"inputs\":[{\"name\":\"b\",\"shape\":[1],\"datatype\":\"BYTES\",\"data\":[\"00\"],"
            + "\"parameters\":{\""
            + OipJson.BYTES_ENCODING
            + "\":\"hex\"}}]}",
        "hex");
    refused(
        "{\"inputs\":[{\"name\":\"b\",\"shape\":[1],\"datatype\":\"BYTES\",\"data\":[\"!!\"],"
            + "\"parameters\":{\""
            + OipJson.BYTES_ENCODING
            + "\":\"base64\"}}]}",
        "base64");
  }

  @Test
  void fieldsInAnyOrder_readTheSame() {
    String reordered =
        "{\"inputs\":[{\"data\":[[1,2],[3,4]],\"parameters\":{},\"datatype\":\"INT64\","
            + "\"shape\":[2,2],\"name\":\"x\"},"
            + "{\"data\":[\"AP8=\"],\"parameters\":{\""
            + OipJson.BYTES_ENCODING
            + "\":\"base64\"},\"name\":\"b\",\"shape\":[1],\"datatype\":\"BYTES\"},"
            + "{\"name\":\"h\",\"datatype\":\"FP16\",\"data\":[0.5,-2],\"shape\":[2]}]}";
    InferenceRequest r = OipJson.readRequest(utf8(reordered));
    assertThat(r.input("x").orElseThrow().asLongs()).containsExactly(1, 2, 3, 4);
    assertThat(r.input("b").orElseThrow().asByteStrings().get(0)).containsExactly(0, (byte) 0xff);
    assertThat(r.input("h").orElseThrow().asFloats()).containsExactly(0.5f, -2f);
    assertThat(r.input("h").orElseThrow().dataType()).isEqualTo(DataType.FP16);
    assertThat(OipJson.readRequest(OipJson.writeRequest(r)).inputs()).isEqualTo(r.inputs());
  }

  @Test
  void tooManyElements_isRefusedAsSoonAsSeen() {
    refused(
        "{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"INT8\",\"data\":[1,2]}]}",
        "needs 1 elements but 'data' has more");
  }

  @Test
  void serverErrorAndMissingOutputs_areInternalFromTheService() {
    assertThatThrownBy(() -> OipJson.readResponse(utf8("{\"error\":\"boom\",\"outputs\":[]}")))
        .isInstanceOf(InternalException.class)
        .hasMessageContaining("boom")
        .satisfies(
            e ->
                assertThat(((ServingException) e).origin())
                    .isEqualTo(ServingException.Origin.SERVICE));
    assertThatThrownBy(() -> OipJson.readResponse(utf8("{\"model_name\":\"m\"}")))
        .isInstanceOf(InternalException.class)
        .hasMessageContaining("outputs");
    assertThatThrownBy(() -> OipJson.readResponse(null)).isInstanceOf(InternalException.class);
    assertThatThrownBy(() -> OipJson.readRequest(null)).isInstanceOf(InvalidInputException.class);
  }

  @Test
  void readTensorFromATree_stillWorksForProviders() {
    InferenceResponse r =
        InferenceResponse.builder()
            .output(Tensor.ofInts("y", new long[] {2}, new int[] {3, -4}))
            .build();
    Tensor back = OipJson.readTensor(OipJson.tensor(r.outputs().get(0)));
    assertThat(back).isEqualTo(r.outputs().get(0));
    assertThatThrownBy(
            () -> OipJson.readTensor(OipJson.tensor(r.outputs().get(0)).put("datatype", "NOPE")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("NOPE");
  }
}
