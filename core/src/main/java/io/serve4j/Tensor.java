package io.serve4j;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * An immutable, named tensor over a read-only little-endian direct buffer, so that a runtime such
 * as ONNX Runtime can consume it without copying.
 *
 * <p>Build one from Java arrays, read it back as arrays:
 *
 * <pre>{@code
 * Tensor x = Tensor.ofFloats("x", new long[] {2, 3}, new float[] {1, 2, 3, 4, 5, 6});
 * float[] values = x.asFloats();
 * }</pre>
 *
 * <p>Elements are stored row-major. {@link DataType#BYTES} elements are stored as a 4-byte
 * little-endian length followed by the bytes. Instances are safe to share between threads.
 *
 * <p>Failures: the factories, {@link #withName}, {@link #sliceRows} and {@link #concatRows} throw
 * {@link InvalidInputException} for anything wrong with what they are given, {@code null} included
 * (a null name, shape, type, buffer or values), naming the tensor and its shape. Element counts and
 * byte sizes are computed with exact arithmetic: a shape whose size in bytes overflows a {@code
 * long}, exceeds the 2 GiB of one buffer, or differs from the data given is refused. Reading
 * elements as the wrong Java type ({@code asFloats()} on an INT32 tensor) is a programming error
 * and throws {@link IllegalStateException}.
 */
public final class Tensor {
  private final String name;
  private final DataType dataType;
  private final Shape shape;
  private final ByteBuffer data;

  private Tensor(String name, DataType dataType, Shape shape, ByteBuffer data) {
    this(name, dataType, shape, data, false);
  }

  /**
   * The constructor; {@code view} says {@code data} is already this tensor's own read-only
   * little-endian view (position 0, capacity = limit), kept as it is.
   */
  private Tensor(String name, DataType dataType, Shape shape, ByteBuffer data, boolean view) {
    this.name = requireName(name);
    if (dataType == null || shape == null) {
      throw invalid("tensor '" + name + "' needs a data type and a shape; got null");
    }
    this.dataType = dataType;
    this.shape = shape;
    if (shape.isDynamic()) {
      throw invalid("tensor '" + name + "' has a dynamic shape " + shape + "; give concrete dims");
    }
    long count = shape.elementCount();
    if (dataType.isFixedWidth()) {
      long expected;
      try {
        expected = Math.multiplyExact(count, dataType.byteSize());
      } catch (ArithmeticException e) {
        throw invalid(
            "tensor '"
                + name
                + "' of "
                + dataType
                + shape
                + " would need more than 2^63 - 1 bytes ("
                + count
                + " elements of "
                + dataType.byteSize()
                + ")");
      }
      if (data.remaining() != expected) {
        throw invalid(
            "tensor '"
                + name
                + "' of "
                + dataType
                + shape
                + " needs "
                + expected
                + " bytes but has "
                + data.remaining());
      }
    } else {
      checkBytesLayout(name, data, count);
    }
    this.data = view ? data : data.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
  }

  // ---------------------------------------------------------------- factories

  /**
   * Creates a tensor by copying raw little-endian element data into a new direct buffer.
   *
   * @param name tensor name
   * @param dataType element type
   * @param shape concrete shape
   * @param data the bytes from position to limit; not modified
   * @return the tensor
   * @throws InvalidInputException if an argument is null or the byte count does not match type and
   *     shape (computed exactly: a size that overflows a long is refused)
   */
  public static Tensor of(String name, DataType dataType, Shape shape, ByteBuffer data) {
    requireData(name, data);
    ByteBuffer copy = allocate(data.remaining());
    copy.put(data.duplicate()).flip();
    return new Tensor(name, dataType, shape, copy);
  }

  /**
   * Creates a tensor over a buffer without copying it. The caller must not change the buffer's
   * content afterwards; use this for buffers you just filled (runtimes, decoders).
   *
   * @param name tensor name
   * @param dataType element type
   * @param shape concrete shape
   * @param data little-endian element data from position to limit; direct buffers avoid a copy when
   *     a runtime consumes the tensor
   * @return the tensor
   * @throws InvalidInputException if an argument is null or the byte count does not match type and
   *     shape (computed exactly: a size that overflows a long is refused)
   */
  public static Tensor wrap(String name, DataType dataType, Shape shape, ByteBuffer data) {
    requireData(name, data);
    // One view of the caller's buffer, read-only and from position 0 (a slice and then a read-only
    // view of it before: two buffer objects per tensor on the prediction path).
    ByteBuffer view =
        data.position() == 0 && data.limit() == data.capacity()
            ? data.asReadOnlyBuffer()
            : data.slice().asReadOnlyBuffer();
    return new Tensor(name, dataType, shape, view.order(ByteOrder.LITTLE_ENDIAN), true);
  }

  /**
   * Creates an FP32 tensor.
   *
   * @param name tensor name
   * @param shape concrete dims
   * @param values row-major values
   * @return the tensor
   * @throws InvalidInputException if an argument is null, the shape is invalid, or the values do
   *     not fill it exactly
   */
  public static Tensor ofFloats(String name, long[] shape, float[] values) {
    Shape dims = shapeOf(name, shape, values);
    ByteBuffer b = allocate((long) values.length * 4);
    b.asFloatBuffer().put(values);
    return new Tensor(name, DataType.FP32, dims, b);
  }

  /**
   * Creates an FP16 tensor, rounding each value to half precision.
   *
   * @param name tensor name
   * @param shape concrete dims
   * @param values row-major values
   * @return the tensor
   * @throws InvalidInputException if an argument is null, the shape is invalid, or the values do
   *     not fill it exactly
   */
  public static Tensor ofHalfFloats(String name, long[] shape, float[] values) {
    Shape dims = shapeOf(name, shape, values);
    ByteBuffer b = allocate((long) values.length * 2);
    for (int i = 0; i < values.length; i++) {
      b.putShort(i * 2, Half.fromFloat(values[i]));
    }
    return new Tensor(name, DataType.FP16, dims, b);
  }

  /**
   * Creates an FP64 tensor.
   *
   * @param name tensor name
   * @param shape concrete dims
   * @param values row-major values
   * @return the tensor
   * @throws InvalidInputException if an argument is null, the shape is invalid, or the values do
   *     not fill it exactly
   */
  public static Tensor ofDoubles(String name, long[] shape, double[] values) {
    Shape dims = shapeOf(name, shape, values);
    ByteBuffer b = allocate((long) values.length * 8);
    b.asDoubleBuffer().put(values);
    return new Tensor(name, DataType.FP64, dims, b);
  }

  /**
   * Creates an INT32 tensor.
   *
   * @param name tensor name
   * @param shape concrete dims
   * @param values row-major values
   * @return the tensor
   * @throws InvalidInputException if an argument is null, the shape is invalid, or the values do
   *     not fill it exactly
   */
  public static Tensor ofInts(String name, long[] shape, int[] values) {
    return ofInts(name, DataType.INT32, shape, values);
  }

  /**
   * Creates an INT32 or UINT32 tensor (UINT32 values are the ints' bit patterns).
   *
   * @param name tensor name
   * @param dataType INT32 or UINT32
   * @param shape concrete dims
   * @param values row-major values
   * @return the tensor
   * @throws InvalidInputException if an argument is null, the shape is invalid, or the values do
   *     not fill it exactly
   */
  public static Tensor ofInts(String name, DataType dataType, long[] shape, int[] values) {
    Shape dims = shapeOf(name, shape, values);
    requireWidth(name, dataType, 4, "ofInts");
    ByteBuffer b = allocate((long) values.length * 4);
    b.asIntBuffer().put(values);
    return new Tensor(name, dataType, dims, b);
  }

  /**
   * Creates an INT64 tensor.
   *
   * @param name tensor name
   * @param shape concrete dims
   * @param values row-major values
   * @return the tensor
   * @throws InvalidInputException if an argument is null, the shape is invalid, or the values do
   *     not fill it exactly
   */
  public static Tensor ofLongs(String name, long[] shape, long[] values) {
    return ofLongs(name, DataType.INT64, shape, values);
  }

  /**
   * Creates an INT64 or UINT64 tensor.
   *
   * @param name tensor name
   * @param dataType INT64 or UINT64
   * @param shape concrete dims
   * @param values row-major values
   * @return the tensor
   * @throws InvalidInputException if an argument is null, the shape is invalid, or the values do
   *     not fill it exactly
   */
  public static Tensor ofLongs(String name, DataType dataType, long[] shape, long[] values) {
    Shape dims = shapeOf(name, shape, values);
    requireWidth(name, dataType, 8, "ofLongs");
    ByteBuffer b = allocate((long) values.length * 8);
    b.asLongBuffer().put(values);
    return new Tensor(name, dataType, dims, b);
  }

  /**
   * Creates an INT16, UINT16 or FP16 (raw bits) tensor.
   *
   * @param name tensor name
   * @param dataType INT16, UINT16 or FP16
   * @param shape concrete dims
   * @param values row-major values
   * @return the tensor
   * @throws InvalidInputException if an argument is null, the shape is invalid, or the values do
   *     not fill it exactly
   */
  public static Tensor ofShorts(String name, DataType dataType, long[] shape, short[] values) {
    Shape dims = shapeOf(name, shape, values);
    requireWidth(name, dataType, 2, "ofShorts");
    ByteBuffer b = allocate((long) values.length * 2);
    b.asShortBuffer().put(values);
    return new Tensor(name, dataType, dims, b);
  }

  /**
   * Creates an INT8, UINT8 or BOOL tensor from raw bytes.
   *
   * @param name tensor name
   * @param dataType INT8, UINT8 or BOOL
   * @param shape concrete dims
   * @param values row-major values
   * @return the tensor
   * @throws InvalidInputException if an argument is null, the shape is invalid, or the values do
   *     not fill it exactly
   */
  public static Tensor ofBytes(String name, DataType dataType, long[] shape, byte[] values) {
    Shape dims = shapeOf(name, shape, values);
    requireWidth(name, dataType, 1, "ofBytes");
    ByteBuffer b = allocate(values.length);
    b.put(values).flip();
    return new Tensor(name, dataType, dims, b);
  }

  /**
   * Creates a BOOL tensor.
   *
   * @param name tensor name
   * @param shape concrete dims
   * @param values row-major values
   * @return the tensor
   * @throws InvalidInputException if an argument is null, the shape is invalid, or the values do
   *     not fill it exactly
   */
  public static Tensor ofBooleans(String name, long[] shape, boolean[] values) {
    Shape dims = shapeOf(name, shape, values);
    ByteBuffer b = allocate(values.length);
    for (int i = 0; i < values.length; i++) {
      b.put(i, (byte) (values[i] ? 1 : 0));
    }
    return new Tensor(name, DataType.BOOL, dims, b);
  }

  /**
   * Creates a BYTES tensor from strings, encoded as UTF-8.
   *
   * @param name tensor name
   * @param shape concrete dims
   * @param values row-major values
   * @return the tensor
   * @throws InvalidInputException if an argument or element is null, the shape is invalid, the
   *     values do not fill it exactly, or a string holds a lone surrogate (it has no UTF-8 form)
   */
  public static Tensor ofStrings(String name, long[] shape, List<String> values) {
    shapeOf(name, shape, values);
    List<byte[]> bytes = new ArrayList<>(values.size());
    CharsetEncoder utf8 =
        StandardCharsets.UTF_8
            .newEncoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    for (int i = 0; i < values.size(); i++) {
      String s = values.get(i);
      if (s == null) {
        throw invalid("BYTES tensor '" + name + "' element " + i + " is null");
      }
      try {
        ByteBuffer encoded = utf8.encode(CharBuffer.wrap(s));
        byte[] b = new byte[encoded.remaining()];
        encoded.get(b);
        bytes.add(b);
      } catch (CharacterCodingException e) {
        throw invalid(
            "BYTES tensor '"
                + name
                + "' element "
                + i
                + " is not well-formed Unicode (a lone surrogate) and has no UTF-8 form");
      }
    }
    return ofByteStrings(name, shape, bytes);
  }

  /**
   * Creates a BYTES tensor from arbitrary byte strings.
   *
   * @param name tensor name
   * @param shape concrete dims
   * @param values row-major values; copied
   * @return the tensor
   * @throws InvalidInputException if an argument is null, the shape is invalid, or the values do
   *     not fill it exactly
   */
  public static Tensor ofByteStrings(String name, long[] shape, List<byte[]> values) {
    Shape dims = shapeOf(name, shape, values);
    long size = 0;
    for (int i = 0; i < values.size(); i++) {
      byte[] v = values.get(i);
      if (v == null) {
        throw invalid("BYTES tensor '" + name + "' element " + i + " is null");
      }
      size += 4 + v.length;
    }
    ByteBuffer b = allocate(size);
    for (byte[] v : values) {
      b.putInt(v.length).put(v);
    }
    b.flip();
    return new Tensor(name, DataType.BYTES, dims, b);
  }

  // ---------------------------------------------------------------- accessors

  /**
   * Returns the tensor's name.
   *
   * @return the name
   */
  public String name() {
    return name;
  }

  /**
   * Returns the element type.
   *
   * @return the data type
   */
  public DataType dataType() {
    return dataType;
  }

  /**
   * Returns the concrete shape.
   *
   * @return the shape
   */
  public Shape shape() {
    return shape;
  }

  /**
   * Returns the number of elements.
   *
   * @return the element count
   */
  public long elementCount() {
    return shape.elementCount();
  }

  /**
   * Returns the size of the data in bytes.
   *
   * @return byte count
   */
  public int byteSize() {
    return data.capacity();
  }

  /**
   * Returns a read-only, little-endian view of the data, positioned at 0. The view is direct when
   * the tensor was built by this class or wrapped over a direct buffer.
   *
   * @return a new view; the caller may move its position freely
   */
  public ByteBuffer buffer() {
    return data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
  }

  /**
   * Returns a tensor with the same data under another name, without copying.
   *
   * @param newName the name
   * @return the renamed tensor
   * @throws InvalidInputException if the name is null
   */
  public Tensor withName(String newName) {
    return name.equals(newName) ? this : new Tensor(newName, dataType, shape, data);
  }

  /**
   * Reads FP32 (or FP16, widened) elements.
   *
   * @return a new array
   * @throws IllegalStateException if the type is neither FP32 nor FP16
   */
  public float[] asFloats() {
    if (dataType == DataType.FP16) {
      float[] out = new float[count()];
      for (int i = 0; i < out.length; i++) {
        out[i] = Half.toFloat(data.getShort(i * 2));
      }
      return out;
    }
    requireType(DataType.FP32);
    float[] out = new float[count()];
    buffer().asFloatBuffer().get(out);
    return out;
  }

  /**
   * Reads FP64 elements, or FP32 / FP16 widened.
   *
   * @return a new array
   * @throws IllegalStateException if the type is not a floating-point type
   */
  public double[] asDoubles() {
    if (dataType == DataType.FP32 || dataType == DataType.FP16) {
      float[] f = asFloats();
      double[] out = new double[f.length];
      for (int i = 0; i < f.length; i++) {
        out[i] = f[i];
      }
      return out;
    }
    requireType(DataType.FP64);
    double[] out = new double[count()];
    buffer().asDoubleBuffer().get(out);
    return out;
  }

  /**
   * Reads INT32 or UINT32 elements (UINT32 as bit patterns).
   *
   * @return a new array
   * @throws IllegalStateException for other types
   */
  public int[] asInts() {
    requireType(DataType.INT32, DataType.UINT32);
    int[] out = new int[count()];
    buffer().asIntBuffer().get(out);
    return out;
  }

  /**
   * Reads INT64 or UINT64 elements, or any narrower integer type widened (unsigned types
   * zero-extended).
   *
   * @return a new array
   * @throws IllegalStateException for floating-point, BOOL and BYTES
   */
  public long[] asLongs() {
    long[] out = new long[count()];
    switch (dataType) {
      case INT64, UINT64 -> buffer().asLongBuffer().get(out);
      case INT32 -> {
        for (int i = 0; i < out.length; i++) out[i] = data.getInt(i * 4);
      }
      case UINT32 -> {
        for (int i = 0; i < out.length; i++) out[i] = Integer.toUnsignedLong(data.getInt(i * 4));
      }
      case INT16 -> {
        for (int i = 0; i < out.length; i++) out[i] = data.getShort(i * 2);
      }
      case UINT16 -> {
        for (int i = 0; i < out.length; i++) out[i] = Short.toUnsignedLong(data.getShort(i * 2));
      }
      case INT8 -> {
        for (int i = 0; i < out.length; i++) out[i] = data.get(i);
      }
      case UINT8 -> {
        for (int i = 0; i < out.length; i++) out[i] = Byte.toUnsignedLong(data.get(i));
      }
      default ->
          throw new IllegalStateException(
              "tensor '" + name + "' is " + dataType + ", not an integer type");
    }
    return out;
  }

  /**
   * Reads INT16, UINT16 or FP16 (raw bits) elements.
   *
   * @return a new array
   * @throws IllegalStateException for other types
   */
  public short[] asShorts() {
    requireType(DataType.INT16, DataType.UINT16, DataType.FP16);
    short[] out = new short[count()];
    buffer().asShortBuffer().get(out);
    return out;
  }

  /**
   * Reads INT8, UINT8 or BOOL elements as raw bytes.
   *
   * @return a new array
   * @throws IllegalStateException for other types
   */
  public byte[] asBytes() {
    requireType(DataType.INT8, DataType.UINT8, DataType.BOOL);
    byte[] out = new byte[count()];
    buffer().get(out);
    return out;
  }

  /**
   * Reads BOOL elements.
   *
   * @return a new array
   * @throws IllegalStateException for other types
   */
  public boolean[] asBooleans() {
    requireType(DataType.BOOL);
    boolean[] out = new boolean[count()];
    for (int i = 0; i < out.length; i++) {
      out[i] = data.get(i) != 0;
    }
    return out;
  }

  /**
   * Reads BYTES elements.
   *
   * @return a new list of new arrays
   * @throws IllegalStateException for other types
   */
  public List<byte[]> asByteStrings() {
    requireType(DataType.BYTES);
    List<byte[]> out = new ArrayList<>(count());
    ByteBuffer b = buffer();
    while (b.hasRemaining()) {
      byte[] v = new byte[b.getInt()];
      b.get(v);
      out.add(v);
    }
    return out;
  }

  /**
   * Reads BYTES elements decoded as UTF-8.
   *
   * @return a new list
   * @throws IllegalStateException for other types, or if an element is not valid UTF-8
   */
  public List<String> asStrings() {
    List<byte[]> raw = asByteStrings();
    List<String> out = new ArrayList<>(raw.size());
    for (byte[] v : raw) {
      String s = decodeUtf8(v);
      if (s == null) {
        throw new IllegalStateException("tensor '" + name + "' holds bytes that are not UTF-8");
      }
      out.add(s);
    }
    return out;
  }

  /**
   * Returns rows {@code [from, to)} along the first dimension. Fixed-width tensors share the data
   * without copying.
   *
   * @param from first row, inclusive
   * @param to last row, exclusive
   * @return the slice
   * @throws InvalidInputException if the range is outside the first dimension
   */
  public Tensor sliceRows(long from, long to) {
    if (shape.rank() == 0 || from < 0 || to > shape.dim(0) || from > to) {
      throw invalid(
          "rows [" + from + ", " + to + ") outside tensor '" + name + "' of shape " + shape);
    }
    Shape out = shape.withFirstDimension(to - from);
    if (dataType.isFixedWidth()) {
      long rowBytes = shape.dim(0) == 0 ? 0 : data.capacity() / shape.dim(0);
      ByteBuffer view =
          data.duplicate().position((int) (from * rowBytes)).limit((int) (to * rowBytes));
      return new Tensor(name, dataType, out, view.slice());
    }
    long perRow = shape.dim(0) == 0 ? 0 : shape.elementCount() / shape.dim(0);
    List<byte[]> all = asByteStrings();
    return ofByteStrings(
        name, out.toArray(), all.subList((int) (from * perRow), (int) (to * perRow)));
  }

  /**
   * Concatenates tensors of the same type and trailing dimensions along the first dimension.
   *
   * @param name name of the result
   * @param parts at least one tensor
   * @return a new tensor
   * @throws InvalidInputException if the name or a part is null, there are no parts, the parts
   *     differ in type or trailing dimensions, or the result would exceed one buffer's 2 GiB
   */
  public static Tensor concatRows(String name, List<Tensor> parts) {
    requireName(name);
    if (parts == null || parts.isEmpty()) {
      throw invalid("nothing to concatenate into '" + name + "'");
    }
    for (int i = 0; i < parts.size(); i++) {
      if (parts.get(i) == null) {
        throw invalid("part " + i + " of '" + name + "' is null");
      }
    }
    Tensor first = parts.get(0);
    if (parts.size() == 1) {
      return first.withName(name);
    }
    long rows = 0;
    long bytes = 0;
    for (Tensor t : parts) {
      if (t.dataType != first.dataType
          || t.shape.rank() != first.shape.rank()
          || t.shape.rank() == 0
          || !trailingEqual(t.shape, first.shape)) {
        throw invalid(
            "cannot concatenate "
                + t.dataType
                + t.shape
                + " with "
                + first.dataType
                + first.shape
                + " for '"
                + name
                + "'");
      }
      try {
        rows = Math.addExact(rows, t.shape.dim(0));
      } catch (ArithmeticException e) {
        throw invalid("concatenating into '" + name + "' gives more than 2^63 - 1 rows");
      }
      bytes += t.data.capacity();
    }
    ByteBuffer out = allocate(bytes);
    for (Tensor t : parts) {
      out.put(t.data.duplicate().position(0));
    }
    out.flip();
    return new Tensor(name, first.dataType, first.shape.withFirstDimension(rows), out);
  }

  private static boolean trailingEqual(Shape a, Shape b) {
    for (int i = 1; i < a.rank(); i++) {
      if (a.dim(i) != b.dim(i)) {
        return false;
      }
    }
    return true;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Tensor t
        && name.equals(t.name)
        && dataType == t.dataType
        && shape.equals(t.shape)
        && buffer().equals(t.buffer());
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, dataType, shape, buffer());
  }

  @Override
  public String toString() {
    return "Tensor[" + name + ": " + dataType + shape + "]";
  }

  // ---------------------------------------------------------------- helpers

  private int count() {
    long n = shape.elementCount();
    if (n > Integer.MAX_VALUE) {
      throw new IllegalStateException("tensor '" + name + "' is too large for a Java array");
    }
    return (int) n;
  }

  private void requireType(DataType... allowed) {
    for (DataType t : allowed) {
      if (t == dataType) {
        return;
      }
    }
    throw new IllegalStateException(
        "tensor '" + name + "' is " + dataType + ", not " + List.of(allowed));
  }

  private static void requireWidth(String name, DataType type, int width, String method) {
    if (type == null || type.byteSize() != width) {
      throw invalid(method + " cannot build tensor '" + name + "' of type " + type);
    }
  }

  private static String requireName(String name) {
    if (name == null) {
      throw invalid("a tensor needs a name; got null");
    }
    return name;
  }

  private static void requireData(String name, ByteBuffer data) {
    if (data == null) {
      throw invalid("tensor '" + requireName(name) + "' has no data buffer (null)");
    }
  }

  /** Checks a factory's arguments before anything is allocated. */
  private static Shape shapeOf(String name, long[] dims, Object values) {
    requireName(name);
    if (dims == null) {
      throw invalid("tensor '" + name + "' has no shape (null)");
    }
    if (values == null) {
      throw invalid("tensor '" + name + "' has no values (null)");
    }
    try {
      return Shape.of(dims);
    } catch (InvalidInputException e) {
      throw invalid("tensor '" + name + "': " + e.getMessage());
    }
  }

  static ByteBuffer allocate(long size) {
    if (size > Integer.MAX_VALUE) {
      throw invalid("tensor of " + size + " bytes exceeds the 2 GiB limit of one buffer");
    }
    return ByteBuffer.allocateDirect((int) size).order(ByteOrder.LITTLE_ENDIAN);
  }

  private static void checkBytesLayout(String name, ByteBuffer data, long count) {
    ByteBuffer b = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    for (long i = 0; i < count; i++) {
      if (b.remaining() < 4) {
        throw invalid("BYTES tensor '" + name + "' ends before element " + i);
      }
      int len = b.getInt();
      if (len < 0 || len > b.remaining()) {
        throw invalid("BYTES tensor '" + name + "' element " + i + " has a bad length " + len);
      }
      b.position(b.position() + len);
    }
    if (b.hasRemaining()) {
      throw invalid("BYTES tensor '" + name + "' has " + b.remaining() + " trailing bytes");
    }
  }

  /**
   * Decodes strict UTF-8.
   *
   * @param bytes the bytes
   * @return the string, or null if the bytes are not valid UTF-8
   */
  static String decodeUtf8(byte[] bytes) {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }

  private static ServingException invalid(String message) {
    return ServingException.builder(ErrorCategory.INVALID_INPUT).message(message).build();
  }

  /** IEEE 754 half-precision conversions (Java 17 has none built in). */
  static final class Half {
    private Half() {}

    static float toFloat(short bits) {
      int h = bits & 0xffff;
      int sign = (h & 0x8000) << 16;
      int exp = (h >>> 10) & 0x1f;
      int mant = h & 0x3ff;
      if (exp == 0) {
        if (mant == 0) {
          return Float.intBitsToFloat(sign);
        }
        float f = mant / 1024f * (float) Math.pow(2, -14);
        return sign == 0 ? f : -f;
      }
      if (exp == 31) {
        return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
      }
      return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
    }

    static short fromFloat(float value) {
      int f = Float.floatToRawIntBits(value);
      int sign = (f >>> 16) & 0x8000;
      int exp = ((f >>> 23) & 0xff) - 127 + 15;
      int mant = f & 0x7fffff;
      if (((f >>> 23) & 0xff) == 0xff) { // NaN or infinity
        return (short) (sign | 0x7c00 | (mant != 0 ? 0x200 : 0));
      }
      if (exp >= 31) {
        return (short) (sign | 0x7c00); // overflow to infinity
      }
      if (exp <= 0) {
        if (exp < -10) {
          return (short) sign; // underflow to zero
        }
        mant |= 0x800000;
        int shift = 14 - exp;
        int half = mant >> shift;
        int rem = mant & ((1 << shift) - 1);
        int mid = 1 << (shift - 1);
        if (rem > mid || (rem == mid && (half & 1) == 1)) {
          half++;
        }
        return (short) (sign | half);
      }
      int half = (exp << 10) | (mant >> 13);
      int rem = mant & 0x1fff;
      if (rem > 0x1000 || (rem == 0x1000 && (half & 1) == 1)) {
        half++; // may carry into the exponent, which is the correct rounding
      }
      return (short) (sign | half);
    }
  }
}
