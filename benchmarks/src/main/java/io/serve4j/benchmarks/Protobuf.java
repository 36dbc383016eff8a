package io.serve4j.benchmarks;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A minimal protocol-buffers writer: varints, 32-bit floats, length-delimited strings and nested
 * messages. Enough to write an ONNX {@code ModelProto} without protobuf-java.
 */
final class Protobuf {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  /** Field with a varint (int32, int64, enum). */
  Protobuf varint(int field, long value) {
    tag(field, 0);
    raw(value);
    return this;
  }

  /** Field with a 32-bit float. */
  Protobuf float32(int field, float value) {
    tag(field, 5);
    int bits = Float.floatToRawIntBits(value);
    for (int i = 0; i < 4; i++) {
      out.write(bits >>> (8 * i));
    }
    return this;
  }

  /** Field with a string. */
  Protobuf string(int field, String value) {
    return bytes(field, value.getBytes(StandardCharsets.UTF_8));
  }

  /** Field with bytes. */
  Protobuf bytes(int field, byte[] value) {
    tag(field, 2);
    raw(value.length);
    out.write(value, 0, value.length);
    return this;
  }

  /** Field with a nested message. */
  Protobuf message(int field, Protobuf value) {
    return bytes(field, value.toByteArray());
  }

  /** Packed repeated varints. */
  Protobuf packed(int field, long... values) {
    Protobuf p = new Protobuf();
    for (long v : values) {
      p.raw(v);
    }
    return bytes(field, p.toByteArray());
  }

  byte[] toByteArray() {
    return out.toByteArray();
  }

  private void tag(int field, int wireType) {
    raw(((long) field << 3) | wireType);
  }

  private void raw(long v) {
    while ((v & ~0x7FL) != 0) {
      out.write((int) ((v & 0x7F) | 0x80));
      v >>>= 7;
    }
    out.write((int) v);
  }
}
