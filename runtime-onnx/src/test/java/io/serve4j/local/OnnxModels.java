package io.serve4j.local;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Builds tiny ONNX models byte by byte (protobuf wire format), for element types the ONNX backend
 * test cases do not cover: an Identity node from input {@code in} to output {@code out}.
 */
final class OnnxModels {
  private OnnxModels() {}

  /**
   * An Identity model.
   *
   * @param elemType ONNX TensorProto.DataType code (1 FLOAT, 2 UINT8, 3 INT8, 5 INT16, 6 INT32, 7
   *     INT64, 8 STRING, 9 BOOL, 10 FLOAT16, 11 DOUBLE, 12 UINT32)
   * @param inDim the input's one dimension: a number, or a symbolic name
   * @param outDim the output's one dimension: a number, or a symbolic name
   * @return the model bytes
   */
  static byte[] identity(int elemType, String inDim, String outDim) {
    byte[] node =
        concat(string(1, "in"), string(2, "out"), string(3, "identity"), string(4, "Identity"));
    byte[] graph =
        concat(
            message(1, node),
            string(2, "g"),
            message(11, valueInfo("in", elemType, inDim)),
            message(12, valueInfo("out", elemType, outDim)));
    byte[] opset = concat(string(1, ""), varint(2, 13));
    return concat(varint(1, 7), string(2, "serve4j-test"), message(7, graph), message(8, opset));
  }

  /**
   * A Cast from a FLOAT input {@code in} of dimension {@code n} to output {@code out} of another
   * element type (16 is BFLOAT16).
   *
   * @param toType the output's ONNX element type code
   * @return the model bytes
   */
  static byte[] castTo(int toType) {
    byte[] to = concat(string(1, "to"), varint(3, toType), varint(20, 2));
    byte[] node =
        concat(
            string(1, "in"),
            string(2, "out"),
            string(3, "cast"),
            string(4, "Cast"),
            message(5, to));
    return model(
        concat(
            message(1, node),
            string(2, "g"),
            message(11, valueInfo("in", 1, "n")),
            message(12, valueInfo("out", toType, "n"))));
  }

  /**
   * A model without inputs: an Identity from a FLOAT initializer {@code w} of two elements to
   * output {@code out}.
   *
   * @return the model bytes
   */
  static byte[] noInputs() {
    byte[] raw = new byte[8]; // two float zeros
    byte[] w = concat(varint(1, 2), varint(2, 1), string(8, "w"), message(9, raw));
    byte[] node =
        concat(string(1, "w"), string(2, "out"), string(3, "identity"), string(4, "Identity"));
    return model(
        concat(
            message(1, node),
            string(2, "g"),
            message(5, w),
            message(12, valueInfo("out", 1, "2"))));
  }

  /**
   * An Add of two FLOAT inputs {@code a} and {@code b} of independent dynamic dimensions: a request
   * whose lengths differ (and are not 1) passes serve4j's checks and fails in ONNX Runtime.
   *
   * @return the model bytes
   */
  static byte[] add() {
    byte[] node =
        concat(
            string(1, "a"), string(1, "b"), string(2, "sum"), string(3, "add"), string(4, "Add"));
    return model(
        concat(
            message(1, node),
            string(2, "g"),
            message(11, valueInfo("a", 1, "n")),
            message(11, valueInfo("b", 1, "m")),
            message(12, valueInfo("sum", 1, "k"))));
  }

  private static byte[] model(byte[] graph) {
    byte[] opset = concat(string(1, ""), varint(2, 13));
    return concat(varint(1, 7), string(2, "serve4j-test"), message(7, graph), message(8, opset));
  }

  private static byte[] valueInfo(String name, int elemType, String dim) {
    byte[] dimension =
        dim.chars().allMatch(Character::isDigit) ? varint(1, Long.parseLong(dim)) : string(2, dim);
    byte[] shape = message(1, dimension);
    byte[] tensor = concat(varint(1, elemType), message(2, shape));
    byte[] type = message(1, tensor);
    return concat(string(1, name), message(2, type));
  }

  private static byte[] varint(int field, long value) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    writeVarint(out, (long) field << 3);
    writeVarint(out, value);
    return out.toByteArray();
  }

  private static byte[] string(int field, String value) {
    return message(field, value.getBytes(StandardCharsets.UTF_8));
  }

  private static byte[] message(int field, byte[] body) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    writeVarint(out, ((long) field << 3) | 2);
    writeVarint(out, body.length);
    out.writeBytes(body);
    return out.toByteArray();
  }

  private static void writeVarint(ByteArrayOutputStream out, long v) {
    while ((v & ~0x7fL) != 0) {
      out.write((int) ((v & 0x7f) | 0x80));
      v >>>= 7;
    }
    out.write((int) v);
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }
}
