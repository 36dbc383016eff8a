package io.serve4j.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.serve4j.DataType;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.InternalException;
import io.serve4j.InvalidInputException;
import io.serve4j.Shape;
import io.serve4j.Tensor;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Seeded fuzzing of the OIP codec and the tensor factories (issue #13): valid requests and
 * responses, byte- and token-level mutations of them, and random JSON structures built from the
 * protocol's keys. Only the documented typed errors may escape, and whatever is accepted must
 * survive a write and a second read unchanged.
 *
 * <p>Reproduce or extend: {@code -Dserve4j.fuzz.seed=N -Dserve4j.fuzz.inputs=M}.
 */
class OipJsonFuzzTest {
  private static final long SEED = Long.getLong("serve4j.fuzz.seed", 13L);
  private static final int INPUTS = Integer.getInteger("serve4j.fuzz.inputs", 100_000);
  private static final java.util.regex.Pattern NUMBER =
      java.util.regex.Pattern.compile("-?[0-9][0-9.eE+-]*");
  private static final java.util.regex.Pattern STRING =
      java.util.regex.Pattern.compile("\"[^\"\\\\]*\"(?!\\s*:)");
  private static final java.util.regex.Pattern ARRAY =
      java.util.regex.Pattern.compile("\\[[^\\[\\]]*\\]");

  private static final String[] EDGE_NUMBERS = {
    "0",
    "-0",
    "1",
    "-1",
    "255",
    "256",
    "65535",
    "65536",
    "-129",
    "2147483648",
    "4294967296",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775809",
    "18446744073709551615",
    "18446744073709551616",
    "4611686018427387904",
    "1152921504606846977",
    "3.5",
    "1e39",
    "-1e39",
    "1e400",
    "-1e400",
    "1e-400",
    "65504",
    "65520",
    "3.4028235e38",
    "1E2",
    "0.1",
    "\"NaN\"",
    "\"Infinity\"",
    "\"-inf\"",
    "\"x\"",
    "true",
    "false",
    "null",
    "[]",
    "{}",
    "[1,[2]]"
  };
  private static final String[] EDGE_STRINGS = {
    "\"\"",
    "\"\\ud800\"",
    "\"a\\udc00b\"",
    "\"\\ud83d\\ude00\"",
    "\"FP32\"",
    "\"BYTES\"",
    "\"FLOAT\"",
    "\"base64\"",
    "\"AP8=\"",
    "\"!!\"",
    "\"x\"",
    "\"y\"",
    "\"" + "é" + "\"",
    "7",
    "null",
    "[\"x\"]",
    "{}"
  };
  private static final String[] KEYS = {
    "id",
    "inputs",
    "outputs",
    "parameters",
    "name",
    "shape",
    "datatype",
    "data",
    "model_name",
    "model_version",
    "error",
    OipJson.BYTES_ENCODING,
    "binary_data",
    "x"
  };
  private static final String JSONISH = "{}[]\",:0123456789eE.+-tfnul\\ ax";

  private final SplittableRandom random = new SplittableRandom(SEED);
  private final List<String> untyped = new ArrayList<>();
  private long accepted;
  private long refused;

  @Test
  void codecAndFactories_onlyEverThrowTypedErrors_andAcceptedInputsRoundTrip() {
    long start = System.nanoTime();
    java.lang.management.ThreadMXBean threads =
        java.lang.management.ManagementFactory.getThreadMXBean();
    long cpuStart = threads.getCurrentThreadCpuTime();
    int generated = 0;
    int factories = 0;
    while (generated < INPUTS) {
      int kind = random.nextInt(10);
      String json;
      if (kind < 2) {
        json = validBody();
      } else if (kind < 6) {
        json = mutateBytes(validBody());
      } else if (kind < 8) {
        json = mutateTokens(validBody());
      } else {
        json = randomObject(0);
      }
      check(json.getBytes(StandardCharsets.UTF_8));
      generated++;
      if (generated % 8 == 0) {
        checkFactories();
        factories++;
      }
      if (untyped.size() >= 10) {
        break;
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    double cpu = (threads.getCurrentThreadCpuTime() - cpuStart) / 1e9;
    System.out.printf(
        "OipJsonFuzzTest: seed %d, %d codec inputs (each read as request and response) + %d"
            + " factory cases, %d accepted, %d refused typed, %d untyped; %.1f s wall, %.1f s CPU%n",
        SEED, generated, factories, accepted, refused, untyped.size(), seconds, cpu);
    assertThat(untyped).as("untyped exceptions or broken round trips").isEmpty();
    assertThat(generated).isGreaterThanOrEqualTo(100_000);
    assertThat(accepted).as("the fuzzer must also produce valid inputs").isGreaterThan(1000);
    assertThat(refused).as("the fuzzer must also produce invalid inputs").isGreaterThan(1000);
  }

  // ---------------------------------------------------------------- the checks

  private void check(byte[] json) {
    InferenceRequest request = null;
    try {
      request = OipJson.readRequest(json);
      accepted++;
    } catch (InvalidInputException e) {
      refused++;
    } catch (Throwable t) {
      fail("readRequest", json, t);
    }
    if (request != null) {
      try {
        InferenceRequest again = OipJson.readRequest(OipJson.writeRequest(request));
        if (!again.inputs().equals(request.inputs())
            || !again.outputs().equals(request.outputs())
            || !again.id().equals(request.id())
            || !again.parameters().equals(request.parameters())) {
          fail("request round trip", json, null);
        }
      } catch (Throwable t) {
        fail("request round trip", json, t);
      }
    }
    InferenceResponse response = null;
    try {
      response = OipJson.readResponse(json);
      accepted++;
    } catch (InternalException e) {
      refused++;
    } catch (Throwable t) {
      fail("readResponse", json, t);
    }
    if (response != null) {
      try {
        if (!OipJson.readResponse(OipJson.writeResponse(response)).equals(response)) {
          fail("response round trip", json, null);
        }
      } catch (Throwable t) {
        fail("response round trip", json, t);
      }
    }
  }

  /** Tensor factories, raw buffers and concatenation with hostile shapes and sizes. */
  private void checkFactories() {
    long[] dims = hostileDims();
    DataType type = DataType.values()[random.nextInt(DataType.values().length)];
    int n = random.nextInt(9);
    try {
      switch (random.nextInt(6)) {
        case 0 -> Tensor.of("t", type, Shape.of(dims), ByteBuffer.allocate(n * 4));
        case 1 -> Tensor.ofFloats(random.nextInt(8) == 0 ? null : "t", dims, new float[n]);
        case 2 -> Tensor.ofLongs("t", dims, random.nextInt(8) == 0 ? null : new long[n]);
        case 3 -> Tensor.ofStrings("t", dims, List.of("a\ud800".substring(0, 1 + n % 2)));
        case 4 -> {
          Tensor a = Tensor.ofBooleans("a", dims, new boolean[n]);
          Tensor.concatRows("c", List.of(a, a, a));
        }
        default -> {
          Tensor a = Tensor.ofFloats("a", new long[] {n, 1}, new float[n]);
          a.sliceRows(random.nextLong(-2, n + 2), random.nextLong(-2, n + 2));
        }
      }
      accepted++;
    } catch (InvalidInputException e) {
      refused++;
    } catch (Throwable t) {
      fail("factories " + java.util.Arrays.toString(dims), new byte[0], t);
    }
  }

  private void fail(String where, byte[] json, Throwable t) {
    untyped.add(
        where
            + ": "
            + (t == null ? "not equal after a round trip" : t)
            + " for "
            + new String(json, StandardCharsets.UTF_8));
  }

  // ---------------------------------------------------------------- generators

  private String validBody() {
    List<Tensor> tensors = new ArrayList<>();
    int count = 1 + random.nextInt(3);
    for (int i = 0; i < count; i++) {
      tensors.add(randomTensor("t" + i));
    }
    if (random.nextBoolean()) {
      InferenceRequest.Builder b = InferenceRequest.builder().inputs(tensors);
      if (random.nextBoolean()) b.id("r" + random.nextInt(100));
      if (random.nextBoolean()) b.output("o" + random.nextInt(3));
      addParameters(b::parameter);
      return new String(OipJson.writeRequest(b.build()), StandardCharsets.UTF_8);
    }
    InferenceResponse.Builder b = InferenceResponse.builder().outputs(tensors);
    if (random.nextBoolean()) b.modelName("m");
    if (random.nextBoolean()) b.modelVersion("1");
    if (random.nextBoolean()) b.id("r" + random.nextInt(100));
    addParameters(b::parameter);
    return new String(OipJson.writeResponse(b.build()), StandardCharsets.UTF_8);
  }

  private void addParameters(java.util.function.BiConsumer<String, Object> sink) {
    int n = random.nextInt(3);
    for (int i = 0; i < n; i++) {
      Object v =
          switch (random.nextInt(4)) {
            case 0 -> random.nextLong();
            case 1 -> random.nextDouble() * 1e6;
            case 2 -> random.nextBoolean();
            default -> "v" + random.nextInt(10);
          };
      sink.accept("p" + i, v);
    }
  }

  private Tensor randomTensor(String name) {
    DataType type = DataType.values()[random.nextInt(DataType.values().length)];
    int rank = random.nextInt(4);
    long[] dims = new long[rank];
    int elements = 1;
    for (int i = 0; i < rank; i++) {
      dims[i] = random.nextInt(4);
      elements *= (int) dims[i];
    }
    ByteBuffer b;
    if (type == DataType.BYTES) {
      List<byte[]> values = new ArrayList<>();
      boolean binary = random.nextInt(4) == 0;
      for (int i = 0; i < elements; i++) {
        byte[] v = new byte[random.nextInt(5)];
        for (int j = 0; j < v.length; j++) {
          v[j] = (byte) (binary ? random.nextInt(256) : 'a' + random.nextInt(26));
        }
        values.add(v);
      }
      return Tensor.ofByteStrings(name, dims, values);
    }
    if (type == DataType.FP16) {
      float[] f = new float[elements];
      for (int i = 0; i < elements; i++) f[i] = randomFloat();
      return Tensor.ofHalfFloats(name, dims, f);
    }
    b = ByteBuffer.allocate(elements * type.byteSize()).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < elements; i++) {
      switch (type) {
        case BOOL -> b.put((byte) random.nextInt(2));
        case FP32 -> b.putFloat(randomFloat());
        case FP64 ->
            b.putDouble(random.nextInt(10) == 0 ? Double.NaN : random.nextDouble() * 1e300);
        default -> {
          long v = random.nextLong();
          for (int k = 0; k < type.byteSize(); k++) b.put((byte) (v >>> (8 * k)));
        }
      }
    }
    b.flip();
    return Tensor.of(name, type, Shape.of(dims), b);
  }

  private float randomFloat() {
    return switch (random.nextInt(8)) {
      case 0 -> Float.NaN;
      case 1 -> Float.POSITIVE_INFINITY;
      case 2 -> -0f;
      case 3 -> Float.MAX_VALUE;
      default -> (float) (random.nextDouble() * 2 - 1) * 1000;
    };
  }

  private long[] hostileDims() {
    long[] dims = new long[random.nextInt(4)];
    for (int i = 0; i < dims.length; i++) {
      dims[i] =
          switch (random.nextInt(6)) {
            case 0 -> Long.MAX_VALUE;
            case 1 -> 1L << (60 + random.nextInt(3));
            case 2 -> -1 - random.nextInt(2);
            case 3 -> 0;
            default -> random.nextInt(5);
          };
    }
    return dims;
  }

  private String mutateBytes(String json) {
    StringBuilder s = new StringBuilder(json);
    int edits = 1 + random.nextInt(3);
    for (int e = 0; e < edits && s.length() > 0; e++) {
      int at = random.nextInt(s.length());
      switch (random.nextInt(5)) {
        case 0 -> s.setCharAt(at, JSONISH.charAt(random.nextInt(JSONISH.length())));
        case 1 -> s.delete(at, Math.min(s.length(), at + 1 + random.nextInt(8)));
        case 2 -> s.insert(at, JSONISH.charAt(random.nextInt(JSONISH.length())));
        case 3 -> s.insert(at, s.substring(at, Math.min(s.length(), at + 1 + random.nextInt(16))));
        default -> s.setLength(at);
      }
    }
    return s.toString();
  }

  /** Replaces a number, string or array in the JSON with an edge case, or adds a field. */
  private String mutateTokens(String json) {
    String s = json;
    int edits = 1 + random.nextInt(2);
    for (int e = 0; e < edits; e++) {
      switch (random.nextInt(5)) {
        case 0 -> s = replaceRandom(s, NUMBER, EDGE_NUMBERS);
        case 1 -> s = replaceRandom(s, STRING, EDGE_STRINGS);
        case 2 -> s = replaceRandom(s, ARRAY, EDGE_NUMBERS);
        case 3 -> {
          int at = s.indexOf('{', random.nextInt(Math.max(1, s.length())));
          if (at >= 0) {
            String key = KEYS[random.nextInt(KEYS.length)];
            s =
                s.substring(0, at + 1)
                    + "\""
                    + key
                    + "\":"
                    + randomValue(2)
                    + ","
                    + s.substring(at + 1);
          }
        }
        default -> s = s + (random.nextBoolean() ? " " + randomValue(1) : "");
      }
    }
    return s;
  }

  private String replaceRandom(String s, java.util.regex.Pattern regex, String[] choices) {
    java.util.regex.Matcher m = regex.matcher(s);
    List<int[]> spans = new ArrayList<>();
    while (m.find()) {
      spans.add(new int[] {m.start(), m.end()});
    }
    if (spans.isEmpty()) {
      return s;
    }
    int[] span = spans.get(random.nextInt(spans.size()));
    return s.substring(0, span[0]) + choices[random.nextInt(choices.length)] + s.substring(span[1]);
  }

  private String randomObject(int depth) {
    StringBuilder sb = new StringBuilder("{");
    int n = random.nextInt(6);
    for (int i = 0; i < n; i++) {
      if (i > 0) sb.append(',');
      sb.append('"')
          .append(KEYS[random.nextInt(KEYS.length)])
          .append("\":")
          .append(randomValue(depth + 1));
    }
    return sb.append('}').toString();
  }

  private String randomValue(int depth) {
    int choice = random.nextInt(depth > 3 ? 3 : 7);
    switch (choice) {
      case 0:
        return EDGE_NUMBERS[random.nextInt(EDGE_NUMBERS.length)];
      case 1:
        return EDGE_STRINGS[random.nextInt(EDGE_STRINGS.length)];
      case 2:
        return String.valueOf(random.nextInt(5));
      case 3:
      case 4:
        StringBuilder sb = new StringBuilder("[");
        int n = random.nextInt(5);
        for (int i = 0; i < n; i++) {
          if (i > 0) sb.append(',');
          sb.append(randomValue(depth + 1));
        }
        return sb.append(']').toString();
      default:
        return randomObject(depth);
    }
  }
}
