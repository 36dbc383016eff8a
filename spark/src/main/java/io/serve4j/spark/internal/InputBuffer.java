package io.serve4j.spark.internal;

import io.serve4j.DataType;
import io.serve4j.Shape;
import io.serve4j.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.ml.linalg.Vector;

/**
 * The values of one input tensor for the rows of a micro-batch, gathered row by row: a row's values
 * are appended, checked, and rolled back if the row turns out to be bad, so that a bad row never
 * reaches the concatenated tensor.
 */
abstract class InputBuffer {
  final String name;
  final DataType type;

  InputBuffer(String name, DataType type) {
    this.name = name;
    this.type = type;
  }

  static InputBuffer of(String name, DataType type) {
    return switch (type) {
      case FP32, FP16 -> new Floats(name, type);
      case FP64 -> new Doubles(name);
      case INT32, INT16, INT8, UINT8, UINT16 -> new Ints(name, type);
      case INT64, UINT32 -> new Longs(name, type);
      case BOOL -> new Bools(name);
      case BYTES -> new Strings(name);
      default -> throw new IllegalArgumentException("unsupported input type " + type);
    };
  }

  /** Returns the element count so far (a mark to roll back to). */
  abstract int size();

  /** Drops the elements after a mark. */
  abstract void truncate(int mark);

  /** Appends one value of a column (a scalar, an array, a Vector), failing with a reason. */
  final void append(Object v) {
    if (v == null) {
      throw new BadRow("a null value");
    }
    if (v instanceof scala.collection.Seq<?> seq) {
      appendAll(seq);
    } else if (v instanceof Vector vec) {
      if (type == DataType.BYTES || type == DataType.BOOL) {
        throw new BadRow("a vector for a " + type + " input");
      }
      int n = vec.size();
      for (int i = 0; i < n; i++) {
        number(vec.apply(i));
      }
    } else if (v instanceof Number num) {
      if (type == DataType.BYTES || type == DataType.BOOL) {
        throw new BadRow("a number for a " + type + " input");
      }
      number(num);
    } else if (v instanceof Boolean b) {
      if (type != DataType.BOOL) {
        throw new BadRow("a boolean for a " + type + " input");
      }
      bool(b);
    } else if (v instanceof String s) {
      if (type != DataType.BYTES) {
        throw new BadRow("a string for a " + type + " input");
      }
      string(s);
    } else if (v instanceof byte[] bytes && type == DataType.BYTES) {
      bytes(bytes);
    } else if (v.getClass().isArray()) {
      appendArray(v); // rows built in Java (a fused mapPartitions before this one) may hold arrays
    } else if (v instanceof java.util.List<?> list) {
      for (Object o : list) {
        append(o);
      }
    } else {
      throw new BadRow("a value of type " + v.getClass().getSimpleName());
    }
  }

  private void appendArray(Object v) {
    if (v instanceof float[] a) {
      for (float x : a) {
        number((double) x);
      }
    } else if (v instanceof double[] a) {
      for (double x : a) {
        number(x);
      }
    } else if (v instanceof long[] a) {
      for (long x : a) {
        number(Long.valueOf(x));
      }
    } else if (v instanceof int[] a) {
      for (int x : a) {
        number(Long.valueOf(x));
      }
    } else if (v instanceof short[] a) {
      for (short x : a) {
        number(Long.valueOf(x));
      }
    } else if (v instanceof byte[] a) {
      for (byte x : a) {
        number(Long.valueOf(x));
      }
    } else if (v instanceof boolean[] a) {
      for (boolean x : a) {
        bool(x);
      }
    } else if (v instanceof Object[] a) {
      for (Object x : a) {
        append(x);
      }
    } else {
      throw new BadRow("an array of " + v.getClass().getComponentType().getSimpleName());
    }
  }

  /** Appends an array column's elements; subclasses read the common element types directly. */
  void appendAll(scala.collection.Seq<?> seq) {
    int n = seq.length();
    for (int i = 0; i < n; i++) {
      append(seq.apply(i));
    }
  }

  /** The elements of an array column, without copying when Spark gave a reference array. */
  static Object[] elements(scala.collection.Seq<?> seq) {
    if (seq instanceof scala.collection.mutable.ArraySeq.ofRef<?> r) {
      return (Object[]) r.array();
    }
    if (seq instanceof scala.collection.immutable.ArraySeq.ofRef<?> r) {
      return (Object[]) r.unsafeArray();
    }
    int n = seq.length();
    Object[] out = new Object[n];
    for (int i = 0; i < n; i++) {
      out[i] = seq.apply(i);
    }
    return out;
  }

  void number(Number n) {
    throw new BadRow("a number for a " + type + " input");
  }

  void number(double d) {
    number(Double.valueOf(d));
  }

  void bool(boolean b) {
    throw new BadRow("a boolean for a " + type + " input");
  }

  void string(String s) {
    throw new BadRow("a string for a " + type + " input");
  }

  void bytes(byte[] b) {
    throw new BadRow("bytes for a " + type + " input");
  }

  /** Builds the tensor of all elements with the given shape and clears the buffer. */
  abstract Tensor build(long[] shape);

  static ByteBuffer direct(long bytes) {
    return ByteBuffer.allocateDirect(Math.toIntExact(bytes)).order(ByteOrder.LITTLE_ENDIAN);
  }

  static final class Floats extends InputBuffer {
    private float[] a = new float[256];
    private int n;

    Floats(String name, DataType type) {
      super(name, type);
    }

    @Override
    int size() {
      return n;
    }

    @Override
    void truncate(int mark) {
      n = mark;
    }

    @Override
    void number(Number v) {
      put(v.floatValue());
    }

    @Override
    void number(double d) {
      put((float) d);
    }

    @Override
    void appendAll(scala.collection.Seq<?> seq) {
      Object[] e = elements(seq);
      if (a.length - n < e.length) {
        a = Arrays.copyOf(a, Math.max(a.length * 2, n + e.length));
      }
      for (Object o : e) {
        if (o instanceof Float f) {
          put(f); // still checks the capacity: a nested array may have taken it
        } else {
          append(o); // another number type, a nested array, or a bad value
        }
      }
    }

    private void put(float f) {
      if (n == a.length) {
        a = Arrays.copyOf(a, n * 2);
      }
      a[n++] = f;
    }

    @Override
    Tensor build(long[] shape) {
      Tensor t;
      if (type == DataType.FP16) {
        t = Tensor.ofHalfFloats(name, shape, Arrays.copyOf(a, n));
      } else {
        ByteBuffer b = direct((long) n * 4);
        b.asFloatBuffer().put(a, 0, n);
        t = Tensor.wrap(name, DataType.FP32, Shape.of(shape), b);
      }
      n = 0;
      return t;
    }
  }

  static final class Doubles extends InputBuffer {
    private double[] a = new double[256];
    private int n;

    Doubles(String name) {
      super(name, DataType.FP64);
    }

    @Override
    int size() {
      return n;
    }

    @Override
    void truncate(int mark) {
      n = mark;
    }

    @Override
    void number(Number v) {
      number(v.doubleValue());
    }

    @Override
    void appendAll(scala.collection.Seq<?> seq) {
      Object[] e = elements(seq);
      if (a.length - n < e.length) {
        a = Arrays.copyOf(a, Math.max(a.length * 2, n + e.length));
      }
      for (Object o : e) {
        if (o instanceof Double d) {
          number(d.doubleValue());
        } else {
          append(o);
        }
      }
    }

    @Override
    void number(double d) {
      if (n == a.length) {
        a = Arrays.copyOf(a, n * 2);
      }
      a[n++] = d;
    }

    @Override
    Tensor build(long[] shape) {
      ByteBuffer b = direct((long) n * 8);
      b.asDoubleBuffer().put(a, 0, n);
      n = 0;
      return Tensor.wrap(name, DataType.FP64, Shape.of(shape), b);
    }
  }

  /** Integers of up to 64 bits, kept as longs and narrowed (range-checked) when built. */
  static class Longs extends InputBuffer {
    long[] a = new long[256];
    int n;

    Longs(String name, DataType type) {
      super(name, type);
    }

    @Override
    int size() {
      return n;
    }

    @Override
    void truncate(int mark) {
      n = mark;
    }

    @Override
    void appendAll(scala.collection.Seq<?> seq) {
      Object[] e = elements(seq);
      if (a.length - n < e.length) {
        a = Arrays.copyOf(a, Math.max(a.length * 2, n + e.length));
      }
      boolean wide = type == DataType.INT64;
      for (Object o : e) {
        if (wide && o instanceof Long l && n < a.length) {
          a[n++] = l;
        } else {
          append(o); // range-checked, nested, or bad
        }
      }
    }

    @Override
    void number(Number v) {
      long l;
      if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
        l = v.longValue();
      } else {
        double d = v.doubleValue();
        if (d != Math.rint(d) || Double.isInfinite(d)) {
          throw new BadRow("a non-integral value " + v + " for a " + type + " input");
        }
        l = (long) d;
      }
      long[] range = range(type);
      if (l < range[0] || l > range[1]) {
        throw new BadRow("the value " + l + " out of range for a " + type + " input");
      }
      if (n == a.length) {
        a = Arrays.copyOf(a, n * 2);
      }
      a[n++] = l;
    }

    private static long[] range(DataType t) {
      return switch (t) {
        case INT8 -> new long[] {Byte.MIN_VALUE, Byte.MAX_VALUE};
        case INT16 -> new long[] {Short.MIN_VALUE, Short.MAX_VALUE};
        case INT32 -> new long[] {Integer.MIN_VALUE, Integer.MAX_VALUE};
        case UINT8 -> new long[] {0, 0xFF};
        case UINT16 -> new long[] {0, 0xFFFF};
        case UINT32 -> new long[] {0, 0xFFFF_FFFFL};
        default -> new long[] {Long.MIN_VALUE, Long.MAX_VALUE};
      };
    }

    @Override
    Tensor build(long[] shape) {
      Tensor t =
          switch (type) {
            case INT64 -> {
              ByteBuffer b = direct((long) n * 8);
              b.asLongBuffer().put(a, 0, n);
              yield Tensor.wrap(name, DataType.INT64, Shape.of(shape), b);
            }
            case UINT32, INT32 -> {
              ByteBuffer b = direct((long) n * 4);
              for (int i = 0; i < n; i++) {
                b.putInt(i * 4, (int) a[i]);
              }
              yield Tensor.wrap(name, type, Shape.of(shape), b);
            }
            case INT16, UINT16 -> {
              ByteBuffer b = direct((long) n * 2);
              for (int i = 0; i < n; i++) {
                b.putShort(i * 2, (short) a[i]);
              }
              yield Tensor.wrap(name, type, Shape.of(shape), b);
            }
            default -> {
              ByteBuffer b = direct(n);
              for (int i = 0; i < n; i++) {
                b.put(i, (byte) a[i]);
              }
              yield Tensor.wrap(name, type, Shape.of(shape), b);
            }
          };
      n = 0;
      return t;
    }
  }

  static final class Ints extends Longs {
    Ints(String name, DataType type) {
      super(name, type);
    }
  }

  static final class Bools extends InputBuffer {
    private boolean[] a = new boolean[256];
    private int n;

    Bools(String name) {
      super(name, DataType.BOOL);
    }

    @Override
    int size() {
      return n;
    }

    @Override
    void truncate(int mark) {
      n = mark;
    }

    @Override
    void bool(boolean b) {
      if (n == a.length) {
        a = Arrays.copyOf(a, n * 2);
      }
      a[n++] = b;
    }

    @Override
    Tensor build(long[] shape) {
      Tensor t = Tensor.ofBooleans(name, shape, Arrays.copyOf(a, n));
      n = 0;
      return t;
    }
  }

  static final class Strings extends InputBuffer {
    private final List<byte[]> a = new ArrayList<>();

    Strings(String name) {
      super(name, DataType.BYTES);
    }

    @Override
    int size() {
      return a.size();
    }

    @Override
    void truncate(int mark) {
      while (a.size() > mark) {
        a.remove(a.size() - 1);
      }
    }

    @Override
    void string(String s) {
      a.add(s.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    void bytes(byte[] b) {
      a.add(b.clone());
    }

    @Override
    Tensor build(long[] shape) {
      Tensor t = Tensor.ofByteStrings(name, shape, List.copyOf(a));
      a.clear();
      return t;
    }
  }

  /** A row that cannot be turned into the tensor, with the reason. */
  static final class BadRow extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BadRow(String reason) {
      super(reason, null, false, false);
    }
  }
}
