package io.serve4j.protocol;

import com.fasterxml.jackson.core.SerializableString;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;

/**
 * Writes FP32 values as JSON numbers straight into bytes: the shortest decimal that reads back to
 * the same float (Raffaello Giulietti's Schubfach algorithm, as in Jackson's {@code FloatToDecimal}
 * and the JDK's {@code Float.toString} from 19 on), in exactly the text Jackson's fast float writer
 * produces ({@code 1.0}, {@code 0.00123}, {@code 1.234E-5}, {@code 1.0E7}; NaN and the infinities
 * as the strings {@code "NaN"}, {@code "Infinity"}, {@code "-Infinity"}), but without a {@code
 * String} and a char-to-byte copy per element: a [16, 384] output is most of a JSON answer's cost.
 */
final class FloatText {
  /**
   * Room {@link #write} needs: the longest text of one element is 15 ({@code -1.23456789E-38}), but
   * the digits are worked out in the 9 bytes after the first 9 (sign included), and fixed 8-byte
   * copies read up to 6 bytes past them.
   */
  static final int MAX_LENGTH = 24;

  private static final int P = 24; // precision, hidden bit included
  private static final int Q_MIN = -149;
  private static final int C_MIN = 1 << (P - 1);
  private static final int C_TINY = 8;
  private static final int H = 9; // digits of a float's shortest decimal, at most
  private static final int K_MIN = flog10pow2(Q_MIN);
  private static final int K_MAX = flog10pow2(104);
  private static final long MASK_32 = (1L << 32) - 1;
  private static final int[] POW10 = {
    1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000
  };

  /** g(k) + 1 for k in K_MIN..K_MAX: the upper 63 bits of 10^-k scaled to [2^125, 2^126). */
  private static final long[] G = table();

  private static final byte[] NAN = ascii("\"NaN\"");
  private static final byte[] INF = ascii("\"Infinity\"");
  private static final byte[] MINUS_INF = ascii("\"-Infinity\"");

  private FloatText() {}

  /**
   * Writes {@code v} at {@code p}.
   *
   * @param v the value
   * @param b the buffer, with at least {@link #MAX_LENGTH} bytes from {@code p}
   * @param p where to write
   * @return the position after the text
   */
  static int write(float v, byte[] b, int p) {
    int bits = Float.floatToRawIntBits(v);
    int t = bits & (C_MIN - 1);
    int bq = (bits >>> (P - 1)) & 0xff;
    if (bq == 0xff) {
      byte[] s = t != 0 ? NAN : bits > 0 ? INF : MINUS_INF;
      System.arraycopy(s, 0, b, p, s.length);
      return p + s.length;
    }
    if (bits < 0) {
      b[p++] = '-';
    }
    if (bq != 0) {
      int mq = -Q_MIN + 1 - bq; // -q
      int c = C_MIN | t;
      if (0 < mq && mq < P) { // an integer below 2^24: exactly
        int f = c >> mq;
        if (f << mq == c) {
          return chars(f, 0, b, p);
        }
      }
      return decimal(-mq, c, 0, b, p);
    }
    if (t != 0) { // subnormal
      return t < C_TINY ? decimal(Q_MIN, 10 * t, -1, b, p) : decimal(Q_MIN, t, 0, b, p);
    }
    b[p] = '0';
    b[p + 1] = '.';
    b[p + 2] = '0';
    return p + 3;
  }

  /** The shortest decimal in the rounding interval of c 2^q, then its text. */
  private static int decimal(int q, int c, int dk, byte[] b, int p) {
    int out = c & 1;
    long cb = (long) c << 2;
    long cbr = cb + 2;
    long cbl;
    int k;
    if (c != C_MIN || q == Q_MIN) {
      cbl = cb - 2;
      k = flog10pow2(q);
    } else {
      cbl = cb - 1;
      k = flog10threeQuartersPow2(q);
    }
    int h = q + flog2pow10(-k) + 33;
    long g = G[k - K_MIN];
    int vb = rop(g, cb << h);
    int vbl = rop(g, cbl << h);
    int vbr = rop(g, cbr << h);
    int s = vb >> 2;
    if (s >= 100) {
      int sp10 = 10 * (int) (s * 1_717_986_919L >>> 34); // 10 floor(s / 10)
      int tp10 = sp10 + 10;
      boolean upin = vbl + out <= sp10 << 2;
      boolean wpin = (tp10 << 2) + out <= vbr;
      if (upin != wpin) {
        return chars(upin ? sp10 : tp10, k, b, p);
      }
    }
    int t = s + 1;
    boolean uin = vbl + out <= s << 2;
    boolean win = (t << 2) + out <= vbr;
    if (uin != win) {
      return chars(uin ? s : t, k + dk, b, p);
    }
    int cmp = vb - ((s + t) << 1);
    return chars(cmp < 0 || cmp == 0 && (s & 1) == 0 ? s : t, k + dk, b, p);
  }

  /** Rounds g cp 2^-95 to odd. */
  private static int rop(long g, long cp) {
    long x1 = Math.multiplyHigh(g, cp);
    long vbp = x1 >>> 31;
    return (int) (vbp | ((x1 & MASK_32) + MASK_32) >>> 32);
  }

  /**
   * Writes f 10^e (f &gt; 0) as Java's {@code Float.toString} lays it out. The 9 digits
   * (zero-padded) are computed at once in registers and stored 8 at a time, each copy of a fixed
   * length (bytes past the text are scratch that the next element overwrites): no loop whose length
   * depends on the value, so few mispredicted branches, and no byte-by-byte moves.
   */
  private static int chars(int f, int e, byte[] b, int p) {
    while (f % 10 == 0) { // rare: an integer, or a decimal rounded to tens
      f /= 10;
      e++;
    }
    int n = flog10pow2(Integer.SIZE - Integer.numberOfLeadingZeros(f)); // significant digits
    if (f >= POW10[n]) {
      n++;
    }
    f *= POW10[H - n]; // 10^8 <= f < 10^9, zero-padded: the value is 0.f 10^e
    e += n;
    int h = (int) (f * 1_441_151_881L >>> 57); // f / 10^8: the first digit
    byte first = (byte) ('0' + h);
    long rest = eightDigits(f - 100_000_000 * h); // the other 8, first in the lowest byte
    if (0 < e && e <= 7) { // plain, at least one digit before the point
      b[p] = first;
      LONGS.set(b, p + 1, rest); // the integer part (zero-padded)
      b[p + e] = '.';
      if (n <= e) {
        b[p + e + 1] = '0';
        return p + e + 2;
      }
      LONGS.set(b, p + e + 1, rest >>> ((e - 1) << 3)); // the fraction
      return p + n + 1;
    }
    if (-3 < e && e <= 0) { // plain: 0.ddd, 0.0ddd, 0.00ddd
      INTS.set(b, p, ZERO_POINT_ZERO_ZERO);
      int z = 2 - e;
      b[p + z] = first;
      LONGS.set(b, p + z + 1, rest);
      return p + z + n;
    }
    b[p] = first; // scientific: d.dddE-n
    b[p + 1] = '.';
    LONGS.set(b, p + 2, rest); // zero-padded: "d.0" when there is one digit
    int q = p + 2 + Math.max(n - 1, 1);
    b[q++] = 'E';
    int x = e - 1;
    if (x < 0) {
      b[q++] = '-';
      x = -x;
    }
    if (x >= 10) {
      b[q++] = (byte) ('0' + x / 10);
      x %= 10;
    }
    b[q++] = (byte) ('0' + x);
    return q;
  }

  /** "0.00" as a little-endian int. */
  private static final int ZERO_POINT_ZERO_ZERO = '0' | '.' << 8 | '0' << 16 | '0' << 24;

  private static final java.lang.invoke.VarHandle LONGS =
      java.lang.invoke.MethodHandles.byteArrayViewVarHandle(
          long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);

  private static final java.lang.invoke.VarHandle INTS =
      java.lang.invoke.MethodHandles.byteArrayViewVarHandle(
          int[].class, java.nio.ByteOrder.LITTLE_ENDIAN);

  /**
   * The 8 decimal digits of {@code l} (0 &lt;= l &lt; 10^8, zero-padded) as ASCII, the most
   * significant in the lowest byte (first in memory, little-endian): split in two halves of 4
   * digits, each in pairs, each pair in digits, all lanes at once; every division is a
   * multiplication and shift that is exact over its lane's range (checked for every l).
   */
  static long eightDigits(int l) {
    long hi = (l * 109_951_163L) >>> 40; // l / 10^4
    long v = hi | ((l - hi * 10_000) << 32);
    long d100 = ((v * 10_486) >>> 20) & 0x0000_007F_0000_007FL; // each 32-bit lane / 100
    v = d100 | ((v - d100 * 100) << 16);
    long d10 = ((v * 103) >>> 10) & 0x000F_000F_000F_000FL; // each 16-bit lane / 10
    v = d10 | ((v - d10 * 10) << 8);
    return v + 0x3030_3030_3030_3030L;
  }

  static int flog10pow2(int e) {
    return (int) (e * 661_971_961_083L >> 41);
  }

  static int flog10threeQuartersPow2(int e) {
    return (int) (e * 661_971_961_083L + -274_743_187_321L >> 41);
  }

  static int flog2pow10(int e) {
    return (int) (e * 913_124_641_741L >> 38);
  }

  /** Computed once, exactly: for each k, floor(10^-k 2^-r) + 1 in [2^125, 2^126], upper bits. */
  private static long[] table() {
    long[] g = new long[K_MAX - K_MIN + 1];
    for (int k = K_MIN; k <= K_MAX; k++) {
      int s = 125 - flog2pow10(-k); // 10^-k 2^s is in [2^125, 2^126)
      BigInteger beta;
      if (k <= 0) {
        BigInteger p10 = BigInteger.TEN.pow(-k);
        beta = s >= 0 ? p10.shiftLeft(s) : p10.shiftRight(-s);
      } else {
        beta = BigInteger.ONE.shiftLeft(s).divide(BigInteger.TEN.pow(k));
      }
      if (beta.bitLength() != 126) {
        throw new IllegalStateException("float digit table: 10^" + (-k) + " is off scale");
      }
      BigInteger full = beta.add(BigInteger.ONE);
      g[k - K_MIN] = full.shiftRight(63).longValueExact() + 1;
    }
    return g;
  }

  private static byte[] ascii(String s) {
    return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  }

  /**
   * Writes the elements of a little-endian FP32 buffer (or of a float array) as the JSON array
   * value of the field the generator just named, in chunks that go through the generator as raw
   * bytes (so its own state, commas and nesting stay right).
   */
  static final class ArrayWriter implements SerializableString {
    private final byte[] chunk;
    private int length;

    /**
     * Creates a writer for up to {@code count} elements per array.
     *
     * @param count elements of the arrays it writes (sizes its buffer: at most 2 KiB, so that a
     *     chunk fits in what is left of the generator's own 8 KB buffer, mostly)
     */
    ArrayWriter(int count) {
      chunk = new byte[(int) Math.min(2048, (long) count * (MAX_LENGTH + 1) + 4)];
    }

    void write(com.fasterxml.jackson.core.JsonGenerator g, ByteBuffer le, float[] values, int count)
        throws IOException {
      int p = 0;
      chunk[p++] = '[';
      boolean first = true;
      for (int i = 0; i < count; i++) {
        if (p > chunk.length - MAX_LENGTH - 2) {
          length = p;
          if (first) {
            g.writeRawValue(this);
            first = false;
          } else {
            g.writeRaw(this);
          }
          p = 0;
        }
        if (i > 0) {
          chunk[p++] = ',';
        }
        p = FloatText.write(values != null ? values[i] : le.getFloat(i * 4), chunk, p);
      }
      chunk[p++] = ']';
      length = p;
      if (first) {
        g.writeRawValue(this);
      } else {
        g.writeRaw(this);
      }
    }

    @Override
    public String getValue() {
      return new String(chunk, 0, length, java.nio.charset.StandardCharsets.US_ASCII);
    }

    @Override
    public int charLength() {
      return length;
    }

    @Override
    public char[] asQuotedChars() {
      return getValue().toCharArray();
    }

    @Override
    public byte[] asUnquotedUTF8() {
      return java.util.Arrays.copyOf(chunk, length);
    }

    @Override
    public byte[] asQuotedUTF8() {
      return asUnquotedUTF8();
    }

    @Override
    public int appendQuotedUTF8(byte[] buffer, int offset) {
      return appendUnquotedUTF8(buffer, offset);
    }

    @Override
    public int appendQuoted(char[] buffer, int offset) {
      return appendUnquoted(buffer, offset);
    }

    @Override
    public int appendUnquotedUTF8(byte[] buffer, int offset) {
      if (buffer.length - offset < length) {
        return -1;
      }
      System.arraycopy(chunk, 0, buffer, offset, length);
      return length;
    }

    @Override
    public int appendUnquoted(char[] buffer, int offset) {
      if (buffer.length - offset < length) {
        return -1;
      }
      for (int i = 0; i < length; i++) {
        buffer[offset + i] = (char) chunk[i];
      }
      return length;
    }

    @Override
    public int writeQuotedUTF8(OutputStream out) throws IOException {
      return writeUnquotedUTF8(out);
    }

    @Override
    public int writeUnquotedUTF8(OutputStream out) throws IOException {
      out.write(chunk, 0, length);
      return length;
    }

    @Override
    public int putQuotedUTF8(ByteBuffer buffer) {
      return putUnquotedUTF8(buffer);
    }

    @Override
    public int putUnquotedUTF8(ByteBuffer buffer) {
      if (buffer.remaining() < length) {
        return -1;
      }
      buffer.put(chunk, 0, length);
      return length;
    }
  }
}
