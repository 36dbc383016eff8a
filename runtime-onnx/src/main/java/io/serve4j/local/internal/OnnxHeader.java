package io.serve4j.local.internal;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads the few top-level facts of an ONNX {@code ModelProto} that ONNX Runtime's Java API does not
 * expose: the IR version, the producer version and the operator sets. Skips the graph without
 * reading it, so it costs a few small reads even for a large file.
 *
 * @param irVersion the IR version, 0 if absent
 * @param producerVersion the producer's version, empty if absent
 * @param opsets operator set versions by domain ({@code ai.onnx} for the default domain)
 */
record OnnxHeader(long irVersion, String producerVersion, Map<String, Long> opsets) {
  private static final int MAX_STRING = 4096;

  /** Sequential reads with skips over some source of bytes. */
  private interface Source {
    int read() throws IOException;

    void skip(long n) throws IOException;

    byte[] readBytes(int n) throws IOException;
  }

  /**
   * Parses a model held in memory.
   *
   * @param model the bytes
   * @return the facts
   * @throws IOException if the bytes are not a well-formed ModelProto
   */
  static OnnxHeader read(byte[] model) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(model);
    return parse(
        new Source() {
          @Override
          public int read() {
            return b.hasRemaining() ? b.get() & 0xff : -1;
          }

          @Override
          public void skip(long n) throws IOException {
            if (n > b.remaining()) {
              throw new IOException("truncated model");
            }
            b.position(b.position() + (int) n);
          }

          @Override
          public byte[] readBytes(int n) throws IOException {
            if (n > b.remaining()) {
              throw new IOException("truncated model");
            }
            byte[] out = new byte[n];
            b.get(out);
            return out;
          }
        });
  }

  /**
   * Parses a model file.
   *
   * @param file the file
   * @return the facts
   * @throws IOException if it cannot be read or is not a well-formed ModelProto
   */
  static OnnxHeader read(Path file) throws IOException {
    // RandomAccessFile, not FileChannel: it is in the JDK's default CDS archive and already loaded
    // (the class path's jars use it), where FileChannel pulls ~30 classes into a cold deploy.
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
      return parse(new FileSource(f));
    }
  }

  /** Buffered reads of a file, skips by seeking. */
  private static final class FileSource implements Source {
    private final RandomAccessFile file;
    private final byte[] buf = new byte[8192];
    private long base;
    private int pos;
    private int limit;

    FileSource(RandomAccessFile file) {
      this.file = file;
    }

    private boolean fill() throws IOException {
      if (pos < limit) {
        return true;
      }
      base += limit;
      pos = 0;
      limit = 0;
      file.seek(base);
      int n = file.read(buf);
      if (n > 0) {
        limit = n;
      }
      return n > 0;
    }

    @Override
    public int read() throws IOException {
      return fill() ? buf[pos++] & 0xff : -1;
    }

    @Override
    public void skip(long n) throws IOException {
      if (n <= limit - pos) {
        pos += (int) n;
        return;
      }
      long target = base + pos + n;
      if (target > file.length()) {
        throw new IOException("truncated model");
      }
      base = target;
      pos = 0;
      limit = 0;
    }

    @Override
    public byte[] readBytes(int n) throws IOException {
      byte[] out = new byte[n];
      for (int i = 0; i < n; i++) {
        int c = read();
        if (c < 0) {
          throw new IOException("truncated model");
        }
        out[i] = (byte) c;
      }
      return out;
    }
  }

  private static OnnxHeader parse(Source in) throws IOException {
    long ir = 0;
    String producerVersion = "";
    Map<String, Long> opsets = new LinkedHashMap<>();
    while (true) {
      long key = varint(in, true);
      if (key < 0) {
        break;
      }
      int field = (int) (key >>> 3);
      int wire = (int) (key & 7);
      if (field == 1 && wire == 0) {
        ir = varint(in, false);
      } else if (field == 3 && wire == 2) {
        producerVersion = string(in, length(in));
      } else if (field == 8 && wire == 2) {
        byte[] set = in.readBytes(length(in));
        readOpset(set, opsets);
      } else {
        skipField(in, wire);
      }
    }
    return new OnnxHeader(ir, producerVersion, Map.copyOf(opsets));
  }

  private static void readOpset(byte[] set, Map<String, Long> into) throws IOException {
    Source in =
        new Source() {
          int pos;

          @Override
          public int read() {
            return pos < set.length ? set[pos++] & 0xff : -1;
          }

          @Override
          public void skip(long n) throws IOException {
            if (pos + n > set.length) {
              throw new IOException("truncated opset");
            }
            pos += (int) n;
          }

          @Override
          public byte[] readBytes(int n) throws IOException {
            if (pos + n > set.length) {
              throw new IOException("truncated opset");
            }
            byte[] out = java.util.Arrays.copyOfRange(set, pos, pos + n);
            pos += n;
            return out;
          }
        };
    String domain = "";
    long version = 0;
    while (true) {
      long key = varint(in, true);
      if (key < 0) {
        break;
      }
      int field = (int) (key >>> 3);
      int wire = (int) (key & 7);
      if (field == 1 && wire == 2) {
        domain = string(in, length(in));
      } else if (field == 2 && wire == 0) {
        version = varint(in, false);
      } else {
        skipField(in, wire);
      }
    }
    into.put(domain.isEmpty() ? "ai.onnx" : domain, version);
  }

  private static void skipField(Source in, int wire) throws IOException {
    switch (wire) {
      case 0 -> varint(in, false);
      case 1 -> in.skip(8);
      case 2 -> in.skip(varint(in, false));
      case 5 -> in.skip(4);
      default -> throw new IOException("unsupported protobuf wire type " + wire);
    }
  }

  private static int length(Source in) throws IOException {
    long n = varint(in, false);
    if (n < 0 || n > Integer.MAX_VALUE) {
      throw new IOException("bad length " + n);
    }
    return (int) n;
  }

  private static String string(Source in, int n) throws IOException {
    if (n > MAX_STRING) {
      in.skip(n);
      return "";
    }
    // By name, not StandardCharsets.UTF_8: that class's initialiser loads five charsets outside
    // the JDK's default CDS archive on a cold deploy. "UTF-8" always exists.
    return new String(in.readBytes(n), "UTF-8");
  }

  private static long varint(Source in, boolean eofAllowed) throws IOException {
    long result = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      int b = in.read();
      if (b < 0) {
        if (eofAllowed && shift == 0) {
          return -1;
        }
        throw new IOException("truncated varint");
      }
      result |= (long) (b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        return result;
      }
    }
    throw new IOException("malformed varint");
  }
}
