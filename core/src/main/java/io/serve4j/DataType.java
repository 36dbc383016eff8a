package io.serve4j;

import java.util.Locale;

/**
 * The element types of the Open Inference Protocol v2 (KServe / Triton), which every provider maps
 * to its own.
 *
 * <p>Fixed-width types have a {@link #byteSize()}; {@link #BYTES} is variable-length: in a {@link
 * Tensor} buffer each element is a 4-byte little-endian length followed by that many bytes, the
 * layout of Triton's binary tensor extension.
 */
public enum DataType {
  /** Boolean, one byte per element (0 or 1). */
  BOOL(1),
  /** Unsigned 8-bit integer. */
  UINT8(1),
  /** Unsigned 16-bit integer. */
  UINT16(2),
  /** Unsigned 32-bit integer. */
  UINT32(4),
  /** Unsigned 64-bit integer. */
  UINT64(8),
  /** Signed 8-bit integer. */
  INT8(1),
  /** Signed 16-bit integer. */
  INT16(2),
  /** Signed 32-bit integer. */
  INT32(4),
  /** Signed 64-bit integer. */
  INT64(8),
  /** IEEE 754 half precision, stored as its 16 raw bits. */
  FP16(2),
  /** IEEE 754 single precision. */
  FP32(4),
  /** IEEE 754 double precision. */
  FP64(8),
  /** Variable-length byte strings (UTF-8 text or binary). */
  BYTES(-1);

  private final int byteSize;

  DataType(int byteSize) {
    this.byteSize = byteSize;
  }

  /**
   * Returns the size of one element in bytes, or {@code -1} for {@link #BYTES}.
   *
   * @return element size, or -1 when variable
   */
  public int byteSize() {
    return byteSize;
  }

  /**
   * Returns whether elements have a fixed size.
   *
   * @return false only for {@link #BYTES}
   */
  public boolean isFixedWidth() {
    return byteSize > 0;
  }

  /**
   * Returns the name the Open Inference Protocol uses, for example {@code "FP32"}.
   *
   * @return the protocol's datatype string
   */
  public String protocolName() {
    return name();
  }

  /**
   * Parses a protocol datatype string, case-insensitively.
   *
   * @param name for example {@code "FP32"} or {@code "int64"}
   * @return the data type
   * @throws InvalidInputException if the name is not an Open Inference Protocol datatype
   */
  public static DataType fromProtocolName(String name) {
    if (name != null) {
      try {
        return valueOf(name.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        // fall through to the typed error
      }
    }
    throw ServingException.builder(ErrorCategory.INVALID_INPUT)
        .message(
            "unknown datatype '"
                + name
                + "'; expected one of BOOL, UINT8, UINT16, UINT32, UINT64, INT8, INT16, INT32,"
                + " INT64, FP16, FP32, FP64, BYTES")
        .build();
  }
}
