package io.serve4j.spi.formats;

import io.serve4j.DataType;
import io.serve4j.ErrorCategory;
import io.serve4j.ModelSignature;
import io.serve4j.ServingException;
import io.serve4j.Shape;
import io.serve4j.TensorSpec;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Reads the inputs and outputs of an ONNX model's graph from the file itself, without a runtime:
 * the protobuf wire format of {@code onnx.proto} is walked directly, and everything but the graph's
 * {@code input}, {@code output} and the names of its {@code initializer}s is skipped unread (so a
 * model of gigabytes costs a few seeks).
 *
 * <p>Fields read ({@code onnx.proto}): {@code ModelProto.ir_version = 1}, {@code opset_import = 8}
 * (only whether present: a model of IR version 3 or later must have it), {@code graph = 7}; {@code
 * GraphProto.initializer = 5}, {@code input = 11}, {@code output = 12}; {@code TensorProto.name =
 * 8}; {@code ValueInfoProto.name = 1}, {@code type = 2}; {@code TypeProto.tensor_type = 1}; {@code
 * TypeProto.Tensor.elem_type = 1}, {@code shape = 2}; {@code TensorShapeProto.dim = 1}; {@code
 * Dimension.dim_value = 1}, {@code dim_param = 2}. Graph inputs that are also initializers (weights
 * an older exporter listed as inputs) are left out, as ONNX Runtime does. A symbolic or unknown
 * dimension is {@code -1}.
 *
 * <p>The reader is bounded: every length is checked against what encloses it before anything is
 * skipped or allocated, names are at most {@value #MAX_NAME_BYTES} bytes, and a truncated or
 * malformed file is refused with an {@link io.serve4j.InvalidInputException} naming the file.
 *
 * <pre>{@code
 * Optional<ModelSignature> sig = OnnxSignatures.read(Path.of("model.onnx"));
 * }</pre>
 */
public final class OnnxSignatures {
  /** The longest tensor name read, in UTF-8 bytes. */
  public static final int MAX_NAME_BYTES = 65_536;

  private OnnxSignatures() {}

  /**
   * Reads the signature of an ONNX file.
   *
   * @param file the {@code .onnx} file
   * @return the signature; empty when the graph has an input or output a {@link ModelSignature}
   *     cannot describe (a sequence, map or optional type, a tensor of unknown rank, or an element
   *     type serve4j has no {@link DataType} for, such as BFLOAT16)
   * @throws io.serve4j.InvalidInputException if the file cannot be read or is not a well-formed
   *     ONNX model
   */
  public static Optional<ModelSignature> read(Path file) {
    long size;
    try {
      size = Files.size(file);
    } catch (IOException e) {
      throw invalid("cannot read ONNX model " + file + ": " + e);
    }
    try (InputStream in = Files.newInputStream(file)) {
      return read(in, size, file.toString());
    } catch (IOException e) {
      throw invalid("cannot read ONNX model " + file + ": " + e);
    }
  }

  /**
   * Reads the signature of an ONNX model from a stream, which is read to the end of the graph (not
   * closed).
   *
   * @param in the model bytes
   * @param size the number of bytes of the model, or -1 if unknown
   * @param source what the bytes are, for messages (a file name or URI)
   * @return the signature; empty as for {@link #read(Path)}
   * @throws io.serve4j.InvalidInputException if the stream fails or is not a well-formed ONNX model
   */
  public static Optional<ModelSignature> read(InputStream in, long size, String source) {
    Reader r = new Reader(new BufferedInputStream(in, 8192), source);
    try {
      Graph g = new Graph();
      long end = size < 0 ? Long.MAX_VALUE : size;
      boolean sawGraph = false;
      boolean sawOpset = false;
      long irVersion = 0;
      while (r.pos < end) {
        long tag = r.tagOrEnd(end);
        if (tag < 0) {
          break;
        }
        int field = (int) (tag >>> 3);
        int wire = (int) (tag & 7);
        if (field == 7) {
          r.expect(wire, 2, "ModelProto.graph");
          long len = r.length(end);
          readGraph(r, r.pos + len, g);
          sawGraph = true;
        } else if (field == 1 && wire == 0) {
          irVersion = r.varint(end);
        } else if (field == 8) {
          sawOpset = true;
          r.skip(wire, end);
        } else {
          r.skip(wire, end);
        }
      }
      if (size >= 0 && r.pos != size) {
        throw r.malformed("ends at byte " + r.pos + " of " + size);
      }
      if (!sawGraph) {
        throw invalid(source + " is not an ONNX model: it has no graph");
      }
      if (irVersion >= 3 && !sawOpset) {
        // onnx.checker: a model of IR version 3 or later names its operator sets.
        throw r.malformed("has IR version " + irVersion + " but no opset_import");
      }
      return g.signature(r);
    } catch (EOFException e) {
      throw r.malformed("is truncated at byte " + r.pos);
    } catch (IOException e) {
      throw invalid("cannot read ONNX model " + source + ": " + e);
    }
  }

  // ---------------------------------------------------------------- messages

  private static final class Value {
    String name = "";
    boolean tensor;
    boolean other;
    int elemType;
    boolean shaped;
    final List<Long> dims = new ArrayList<>();
  }

  private static final class Graph {
    final List<Value> inputs = new ArrayList<>();
    final List<Value> outputs = new ArrayList<>();
    final Set<String> initializers = new HashSet<>();

    Optional<ModelSignature> signature(Reader r) {
      List<TensorSpec> in = new ArrayList<>();
      for (Value v : inputs) {
        if (!initializers.contains(v.name)) {
          TensorSpec s = spec(r, v);
          if (s == null) {
            return Optional.empty();
          }
          in.add(s);
        }
      }
      List<TensorSpec> out = new ArrayList<>();
      for (Value v : outputs) {
        TensorSpec s = spec(r, v);
        if (s == null) {
          return Optional.empty();
        }
        out.add(s);
      }
      try {
        return Optional.of(new ModelSignature(in, out));
      } catch (IllegalArgumentException e) {
        throw r.malformed("has a graph with " + e.getMessage());
      }
    }

    private static TensorSpec spec(Reader r, Value v) {
      if (v.name.isBlank()) {
        throw r.malformed("has a graph input or output without a name");
      }
      if (v.other || !v.tensor || !v.shaped) {
        return null;
      }
      DataType type = dataType(v.elemType);
      if (type == null) {
        return null;
      }
      long[] dims = new long[v.dims.size()];
      for (int i = 0; i < dims.length; i++) {
        dims[i] = v.dims.get(i);
      }
      return new TensorSpec(v.name, type, Shape.of(dims));
    }
  }

  /** {@code TensorProto.DataType} to serve4j's, null where serve4j has none. */
  static DataType dataType(int onnx) {
    return switch (onnx) {
      case 1 -> DataType.FP32;
      case 2 -> DataType.UINT8;
      case 3 -> DataType.INT8;
      case 4 -> DataType.UINT16;
      case 5 -> DataType.INT16;
      case 6 -> DataType.INT32;
      case 7 -> DataType.INT64;
      case 8 -> DataType.BYTES;
      case 9 -> DataType.BOOL;
      case 10 -> DataType.FP16;
      case 11 -> DataType.FP64;
      case 12 -> DataType.UINT32;
      case 13 -> DataType.UINT64;
      default -> null; // 0 undefined, complex, bfloat16, float8, 4-bit types
    };
  }

  private static void readGraph(Reader r, long end, Graph g) throws IOException {
    while (r.pos < end) {
      long tag = r.tag(end);
      int field = (int) (tag >>> 3);
      int wire = (int) (tag & 7);
      switch (field) {
        case 5 -> {
          r.expect(wire, 2, "GraphProto.initializer");
          long len = r.length(end);
          String name = readInitializerName(r, r.pos + len);
          if (name != null) {
            g.initializers.add(name);
          }
        }
        case 11, 12 -> {
          r.expect(wire, 2, field == 11 ? "GraphProto.input" : "GraphProto.output");
          long len = r.length(end);
          Value v = new Value();
          readValueInfo(r, r.pos + len, v);
          (field == 11 ? g.inputs : g.outputs).add(v);
        }
        default -> r.skip(wire, end);
      }
    }
  }

  private static String readInitializerName(Reader r, long end) throws IOException {
    String name = null;
    while (r.pos < end) {
      long tag = r.tag(end);
      int wire = (int) (tag & 7);
      if ((tag >>> 3) == 8) {
        r.expect(wire, 2, "TensorProto.name");
        name = r.string(end);
      } else {
        r.skip(wire, end);
      }
    }
    return name;
  }

  private static void readValueInfo(Reader r, long end, Value v) throws IOException {
    while (r.pos < end) {
      long tag = r.tag(end);
      int field = (int) (tag >>> 3);
      int wire = (int) (tag & 7);
      if (field == 1) {
        r.expect(wire, 2, "ValueInfoProto.name");
        v.name = r.string(end);
      } else if (field == 2) {
        r.expect(wire, 2, "ValueInfoProto.type");
        long len = r.length(end);
        readType(r, r.pos + len, v);
      } else {
        r.skip(wire, end);
      }
    }
  }

  private static void readType(Reader r, long end, Value v) throws IOException {
    while (r.pos < end) {
      long tag = r.tag(end);
      int field = (int) (tag >>> 3);
      int wire = (int) (tag & 7);
      if (field == 1) {
        r.expect(wire, 2, "TypeProto.tensor_type");
        long len = r.length(end);
        v.tensor = true;
        readTensorType(r, r.pos + len, v);
      } else if (field == 6) {
        r.skip(wire, end); // denotation
      } else {
        v.other = true; // sequence, map, optional, sparse tensor
        r.skip(wire, end);
      }
    }
  }

  private static void readTensorType(Reader r, long end, Value v) throws IOException {
    while (r.pos < end) {
      long tag = r.tag(end);
      int field = (int) (tag >>> 3);
      int wire = (int) (tag & 7);
      if (field == 1) {
        r.expect(wire, 0, "TypeProto.Tensor.elem_type");
        v.elemType = (int) r.varint(end);
      } else if (field == 2) {
        r.expect(wire, 2, "TypeProto.Tensor.shape");
        long len = r.length(end);
        v.shaped = true;
        v.dims.clear();
        long shapeEnd = r.pos + len;
        while (r.pos < shapeEnd) {
          long t = r.tag(shapeEnd);
          int w = (int) (t & 7);
          if ((t >>> 3) == 1) {
            r.expect(w, 2, "TensorShapeProto.dim");
            long dimLen = r.length(shapeEnd);
            v.dims.add(readDimension(r, r.pos + dimLen));
          } else {
            r.skip(w, shapeEnd);
          }
        }
      } else {
        r.skip(wire, end);
      }
    }
  }

  private static long readDimension(Reader r, long end) throws IOException {
    long dim = -1;
    while (r.pos < end) {
      long tag = r.tag(end);
      int field = (int) (tag >>> 3);
      int wire = (int) (tag & 7);
      if (field == 1) {
        r.expect(wire, 0, "Dimension.dim_value");
        long value = r.varint(end);
        dim = value < 0 ? -1 : value;
      } else if (field == 2) {
        r.expect(wire, 2, "Dimension.dim_param");
        r.skip(wire, end);
        dim = -1;
      } else {
        r.skip(wire, end);
      }
    }
    return dim;
  }

  // ---------------------------------------------------------------- wire format

  /** A protobuf wire-format cursor over a stream, every length checked against its bound. */
  private static final class Reader {
    private final InputStream in;
    private final String source;
    long pos;

    Reader(InputStream in, String source) {
      this.in = in;
      this.source = source;
    }

    ServingException malformed(String what) {
      return invalid("ONNX model " + source + " is malformed: it " + what);
    }

    private int read() throws IOException {
      int b = in.read();
      if (b < 0) {
        throw new EOFException();
      }
      pos++;
      return b;
    }

    long varint(long end) throws IOException {
      long value = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        if (pos >= end) {
          throw malformed("has a number that runs past its message at byte " + pos);
        }
        int b = read();
        value |= (long) (b & 0x7f) << shift;
        if ((b & 0x80) == 0) {
          return value;
        }
      }
      throw malformed("has a number longer than 10 bytes at byte " + pos);
    }

    /** A tag, or -1 at the end of the stream exactly on a field boundary. */
    long tagOrEnd(long end) throws IOException {
      in.mark(1);
      int b = in.read();
      if (b < 0) {
        return -1;
      }
      in.reset();
      return tag(end);
    }

    long tag(long end) throws IOException {
      long at = pos;
      long tag = varint(end);
      if ((tag >>> 3) == 0 || (tag >>> 3) > 536_870_911L) {
        throw malformed("has an invalid field number at byte " + at);
      }
      return tag;
    }

    long length(long end) throws IOException {
      long at = pos;
      long len = varint(end);
      if (len < 0 || len > end - pos) {
        throw malformed(
            "has a field at byte "
                + at
                + " of length "
                + Long.toUnsignedString(len)
                + " that runs past its message (which ends at byte "
                + (end == Long.MAX_VALUE ? "the end of the stream" : String.valueOf(end))
                + ")");
      }
      return len;
    }

    void expect(int wire, int wanted, String field) {
      if (wire != wanted) {
        throw malformed("has " + field + " with wire type " + wire + ", not " + wanted);
      }
    }

    String string(long end) throws IOException {
      long len = length(end);
      if (len > MAX_NAME_BYTES) {
        throw malformed("has a name of " + len + " bytes (at most " + MAX_NAME_BYTES + ")");
      }
      byte[] b = in.readNBytes((int) len);
      if (b.length != len) {
        throw new EOFException();
      }
      pos += len;
      return new String(b, StandardCharsets.UTF_8);
    }

    void skip(int wire, long end) throws IOException {
      switch (wire) {
        case 0 -> varint(end);
        case 1 -> skipBytes(8, end);
        case 2 -> skipBytes(length(end), end);
        case 5 -> skipBytes(4, end);
        default -> throw malformed("has wire type " + wire + " at byte " + pos);
      }
    }

    private void skipBytes(long n, long end) throws IOException {
      if (n > end - pos) {
        throw malformed("has a field that runs past its message at byte " + pos);
      }
      long left = n;
      while (left > 0) {
        long k = in.skip(left);
        if (k <= 0) {
          read(); // skip() may return 0 before the end: read one byte to tell
          k = 1;
          pos--; // read() counted it
        }
        left -= k;
        pos += k;
      }
    }
  }

  private static ServingException invalid(String message) {
    return ServingException.builder(ErrorCategory.INVALID_INPUT).message(message).build();
  }
}
