package io.serve4j.spi.formats;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.serve4j.DataType;
import io.serve4j.ModelSignature;
import io.serve4j.TensorSpec;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SignatureJsonTest {
  private static final ModelSignature RELU =
      new ModelSignature(
          List.of(TensorSpec.of("x", DataType.FP32, -1, 2)),
          List.of(TensorSpec.of("y", DataType.FP32, -1, 2)));

  @Test
  void write_isTheOpenInferenceProtocolTensorMetadata() {
    assertThat(SignatureJson.write(RELU))
        .isEqualTo(
            "{\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[-1,2]}],"
                + "\"outputs\":[{\"name\":\"y\",\"datatype\":\"FP32\",\"shape\":[-1,2]}]}");
  }

  @Test
  void roundTrip_keepsEveryDataTypeShapeAndOrder() {
    List<TensorSpec> in = new ArrayList<>();
    int i = 0;
    for (DataType t : DataType.values()) {
      in.add(TensorSpec.of("in" + i++ + "/é:0", t, -1, i, 0));
    }
    ModelSignature sig =
        new ModelSignature(
            in,
            List.of(
                TensorSpec.of("scalar", DataType.FP64), TensorSpec.of("b", DataType.BYTES, -1)));
    assertThat(SignatureJson.read(SignatureJson.write(sig))).contains(sig);
    assertThat(SignatureJson.read(SignatureJson.toNode(sig))).contains(sig);
    ModelSignature empty = new ModelSignature(List.of(), List.of());
    assertThat(SignatureJson.read(SignatureJson.write(empty))).contains(empty);
  }

  @Test
  void read_acceptsTheCompactFormEarlierVersionsKeptOnSageMaker() {
    assertThat(
            SignatureJson.read(
                "{\"i\":[{\"n\":\"x\",\"t\":\"FP32\",\"s\":[-1,2]}],"
                    + "\"o\":[{\"n\":\"y\",\"t\":\"FP32\",\"s\":[-1,2]}]}"))
        .contains(RELU);
  }

  @Test
  void read_acceptsDatatypesInAnyCase() {
    assertThat(
            SignatureJson.read(
                "{\"inputs\":[{\"name\":\"x\",\"datatype\":\"fp32\",\"shape\":[-1,2]}],"
                    + "\"outputs\":[{\"name\":\"y\",\"datatype\":\"Fp32\",\"shape\":[-1,2]}]}"))
        .contains(RELU);
  }

  @Test
  void read_absentOrMalformed_isEmpty() {
    for (String bad :
        new String[] {
          null,
          "",
          "  ",
          "not json",
          "[]",
          "{}",
          "{\"inputs\":{}}",
          "{\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP128\",\"shape\":[1]}]}",
          "{\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[-2]}]}",
          "{\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[1.5]}]}",
          "{\"inputs\":[{\"datatype\":\"FP32\",\"shape\":[1]}]}",
          "{\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[1]},"
              + "{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[1]}]}"
        }) {
      assertThat(SignatureJson.read(bad)).as(String.valueOf(bad)).isEmpty();
    }
    assertThat(SignatureJson.read((com.fasterxml.jackson.databind.JsonNode) null)).isEmpty();
  }

  @Test
  void toNode_canBeNestedInAProvidersDocument() throws Exception {
    ObjectNode doc = new ObjectMapper().createObjectNode();
    doc.set("signature", SignatureJson.toNode(RELU));
    assertThat(SignatureJson.read(new ObjectMapper().readTree(doc.toString()).get("signature")))
        .contains(RELU);
  }
}
