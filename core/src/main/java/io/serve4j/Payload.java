package io.serve4j;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * A raw request or response body with its content type, for custom containers that do not speak the
 * Open Inference Protocol.
 */
public final class Payload {
  private final byte[] bytes;
  private final String contentType;

  private Payload(byte[] bytes, String contentType) {
    this.bytes = bytes;
    this.contentType = Objects.requireNonNull(contentType, "contentType");
  }

  /**
   * Creates a payload; the bytes are copied.
   *
   * @param bytes the body
   * @param contentType e.g. {@code application/json}, {@code text/csv}
   * @return the payload
   */
  public static Payload of(byte[] bytes, String contentType) {
    return new Payload(bytes.clone(), contentType);
  }

  /**
   * Creates a UTF-8 text payload.
   *
   * @param text the body
   * @param contentType e.g. {@code text/csv}
   * @return the payload
   */
  public static Payload ofText(String text, String contentType) {
    return new Payload(text.getBytes(StandardCharsets.UTF_8), contentType);
  }

  /**
   * Returns a copy of the body.
   *
   * @return the bytes
   */
  public byte[] bytes() {
    return bytes.clone();
  }

  /**
   * Returns the body decoded as UTF-8.
   *
   * @return the text
   */
  public String asText() {
    return new String(bytes, StandardCharsets.UTF_8);
  }

  /**
   * Returns the size of the body.
   *
   * @return byte count
   */
  public int size() {
    return bytes.length;
  }

  /**
   * Returns the content type.
   *
   * @return the content type
   */
  public String contentType() {
    return contentType;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Payload p
        && Arrays.equals(bytes, p.bytes)
        && contentType.equals(p.contentType);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(bytes) + contentType.hashCode();
  }

  @Override
  public String toString() {
    return "Payload[" + contentType + ", " + bytes.length + " bytes]";
  }
}
