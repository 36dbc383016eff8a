package io.serve4j.server.grpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.serve4j.DataType;
import io.serve4j.ErrorCategory;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.ServingException;
import io.serve4j.Shape;
import io.serve4j.Tensor;
import io.serve4j.server.internal.Errors;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;

/**
 * The codec between these messages and serve4j's requests, responses and tensors, for both ends of
 * a {@code ModelInfer} call: serve4j-server reads requests and writes responses, the {@code kserve}
 * provider writes requests and reads responses. Tensors are written as {@code raw_input_contents} /
 * {@code raw_output_contents} (flat, row-major, little-endian; BYTES elements length-prefixed, as
 * serve4j's own layout), and read from them or from the typed {@code contents}.
 *
 * <p><b>Not a supported API.</b> It is public only because those two modules share it; it may
 * change in any release. Use serve4j's {@code ServingClient} (or these generated stubs) instead.
 */
public final class ProtoTensors {
  private ProtoTensors() {}

  /**
   * Reads a ModelInferRequest (the server's side).
   *
   * @param r the message
   * @return the request
   * @throws ServingException INVALID_INPUT naming what is malformed
   */
  public static InferenceRequest readRequest(ModelInferRequest r) {
    try {
      InferenceRequest.Builder b = InferenceRequest.builder();
      if (!r.getId().isEmpty()) {
        b.id(r.getId());
      }
      for (Map.Entry<String, InferParameter> e : r.getParametersMap().entrySet()) {
        b.parameter(e.getKey(), parameter(e.getKey(), e.getValue()));
      }
      int raw = r.getRawInputContentsCount();
      if (raw != 0 && raw != r.getInputsCount()) {
        throw invalid(
            "raw_input_contents has "
                + raw
                + " entries for "
                + r.getInputsCount()
                + " inputs; give one per input, in order");
      }
      for (int i = 0; i < r.getInputsCount(); i++) {
        ModelInferRequest.InferInputTensor in = r.getInputs(i);
        if (!in.getParametersMap().isEmpty()) {
          throw invalid("input parameters are not supported (input '" + in.getName() + "')");
        }
        DataType type = DataType.fromProtocolName(in.getDatatype());
        long[] dims = new long[in.getShapeCount()];
        for (int d = 0; d < dims.length; d++) {
          dims[d] = in.getShape(d);
        }
        Shape shape = Shape.of(dims);
        if (raw != 0) {
          if (in.hasContents()) {
            throw invalid(
                "input '" + in.getName() + "' has contents while raw_input_contents is used");
          }
          // a view of the message's bytes, not a copy: a ByteString is immutable, and the
          // runtime copies the bytes into its own (native) tensor in any case; a copy here cost
          // a direct buffer per input per request (allocation, a native reservation, a cleaner)
          b.input(
              Tensor.wrap(
                  in.getName(), type, shape, r.getRawInputContents(i).asReadOnlyByteBuffer()));
        } else {
          b.input(typed("input", in.getName(), type, dims, in.getContents()));
        }
      }
      for (ModelInferRequest.InferRequestedOutputTensor o : r.getOutputsList()) {
        if (!o.getParametersMap().isEmpty()) {
          throw invalid("output parameters are not supported (output '" + o.getName() + "')");
        }
        b.output(o.getName());
      }
      return b.build();
    } catch (ServingException e) {
      if (e.category() == ErrorCategory.INVALID_INPUT) {
        throw e;
      }
      throw invalid("malformed inference request: " + e.getMessage());
    } catch (IllegalArgumentException e) {
      throw invalid("malformed inference request: " + e.getMessage());
    }
  }

  private static Tensor typed(
      String role, String name, DataType type, long[] dims, InferTensorContents c) {
    switch (type) {
      case BOOL -> {
        boolean[] v = new boolean[c.getBoolContentsCount()];
        for (int i = 0; i < v.length; i++) {
          v[i] = c.getBoolContents(i);
        }
        return Tensor.ofBooleans(name, dims, v);
      }
      case INT8, INT16, INT32, UINT8, UINT16, UINT32 -> {
        boolean unsigned =
            type == DataType.UINT8 || type == DataType.UINT16 || type == DataType.UINT32;
        List<Integer> src = unsigned ? c.getUintContentsList() : c.getIntContentsList();
        long[] v = new long[src.size()];
        for (int i = 0; i < v.length; i++) {
          v[i] = unsigned ? Integer.toUnsignedLong(src.get(i)) : src.get(i);
        }
        return fromLongs(role, name, type, dims, v);
      }
      case INT64 -> {
        long[] v = new long[c.getInt64ContentsCount()];
        for (int i = 0; i < v.length; i++) {
          v[i] = c.getInt64Contents(i);
        }
        return Tensor.ofLongs(name, dims, v);
      }
      case UINT64 -> {
        long[] v = new long[c.getUint64ContentsCount()];
        for (int i = 0; i < v.length; i++) {
          v[i] = c.getUint64Contents(i);
        }
        return Tensor.ofLongs(name, DataType.UINT64, dims, v);
      }
      case FP32 -> {
        float[] v = new float[c.getFp32ContentsCount()];
        for (int i = 0; i < v.length; i++) {
          v[i] = c.getFp32Contents(i);
        }
        return Tensor.ofFloats(name, dims, v);
      }
      case FP64 -> {
        double[] v = new double[c.getFp64ContentsCount()];
        for (int i = 0; i < v.length; i++) {
          v[i] = c.getFp64Contents(i);
        }
        return Tensor.ofDoubles(name, dims, v);
      }
      case BYTES -> {
        List<byte[]> v = new ArrayList<>(c.getBytesContentsCount());
        for (ByteString s : c.getBytesContentsList()) {
          v.add(s.toByteArray());
        }
        return Tensor.ofByteStrings(name, dims, v);
      }
      default ->
          throw invalid(
              role
                  + " '"
                  + name
                  + "' of "
                  + type
                  + " has no typed contents; send raw_"
                  + role
                  + "_contents");
    }
  }

  private static Tensor fromLongs(String role, String name, DataType type, long[] dims, long[] v) {
    long min;
    long max;
    switch (type) {
      case INT8 -> {
        min = Byte.MIN_VALUE;
        max = Byte.MAX_VALUE;
      }
      case INT16 -> {
        min = Short.MIN_VALUE;
        max = Short.MAX_VALUE;
      }
      case INT32 -> {
        min = Integer.MIN_VALUE;
        max = Integer.MAX_VALUE;
      }
      case UINT8 -> {
        min = 0;
        max = 255;
      }
      case UINT16 -> {
        min = 0;
        max = 65535;
      }
      default -> {
        min = 0;
        max = 0xffffffffL;
      }
    }
    for (int i = 0; i < v.length; i++) {
      if (v[i] < min || v[i] > max) {
        throw invalid(
            role + " '" + name + "' value " + v[i] + " is outside the " + type + " range");
      }
    }
    return switch (type) {
      case INT8, UINT8 -> {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
          b[i] = (byte) v[i];
        }
        yield Tensor.ofBytes(name, type, dims, b);
      }
      case INT16, UINT16 -> {
        short[] s = new short[v.length];
        for (int i = 0; i < v.length; i++) {
          s[i] = (short) v[i];
        }
        yield Tensor.ofShorts(name, type, dims, s);
      }
      default -> {
        int[] n = new int[v.length];
        for (int i = 0; i < v.length; i++) {
          n[i] = (int) v[i];
        }
        yield Tensor.ofInts(name, type, dims, n);
      }
    };
  }

  private static Object parameter(String key, InferParameter p) {
    return switch (p.getParameterChoiceCase()) {
      case BOOL_PARAM -> p.getBoolParam();
      case INT64_PARAM -> p.getInt64Param();
      case STRING_PARAM -> p.getStringParam();
      case DOUBLE_PARAM -> p.getDoubleParam();
      case UINT64_PARAM -> {
        long v = p.getUint64Param();
        if (v < 0) {
          throw invalid(
              "parameter '" + key + "' = " + Long.toUnsignedString(v) + " exceeds the long range");
        }
        yield v;
      }
      case PARAMETERCHOICE_NOT_SET -> throw invalid("parameter '" + key + "' has no value");
    };
  }

  /**
   * Writes a ModelInferResponse with raw output contents (the server's side).
   *
   * @param r the response
   * @return the message
   */
  public static ModelInferResponse writeResponse(InferenceResponse r) {
    ModelInferResponse.Builder b = ModelInferResponse.newBuilder();
    b.setModelName(r.modelName().orElse(""));
    r.modelVersion().ifPresent(b::setModelVersion);
    r.id().ifPresent(b::setId);
    for (Map.Entry<String, Object> e : r.parameters().entrySet()) {
      b.putParameters(e.getKey(), parameter(e.getValue()));
    }
    for (Tensor t : r.outputs()) {
      ModelInferResponse.InferOutputTensor.Builder o =
          ModelInferResponse.InferOutputTensor.newBuilder()
              .setName(t.name())
              .setDatatype(t.dataType().protocolName());
      for (long d : t.shape().toArray()) {
        o.addShape(d);
      }
      b.addOutputs(o);
      // no copy: a tensor's data is immutable, and gRPC serializes the message in onNext while
      // the response is still held
      b.addRawOutputContents(UnsafeByteOperations.unsafeWrap(t.buffer()));
    }
    return b.build();
  }

  /**
   * Writes a ModelInferRequest (a client's side): every input as {@code raw_input_contents}.
   *
   * @param model the model name
   * @param r the request
   * @return the message
   */
  public static ModelInferRequest writeRequest(String model, InferenceRequest r) {
    ModelInferRequest.Builder b = ModelInferRequest.newBuilder().setModelName(model);
    r.id().ifPresent(b::setId);
    r.parameters().forEach((k, v) -> b.putParameters(k, parameter(v)));
    for (Tensor t : r.inputs()) {
      b.addInputs(
          ModelInferRequest.InferInputTensor.newBuilder()
              .setName(t.name())
              .setDatatype(t.dataType().protocolName())
              .addAllShape(LongStream.of(t.shape().toArray()).boxed().toList()));
      b.addRawInputContents(ByteString.copyFrom(t.buffer()));
    }
    for (String o : r.outputs()) {
      b.addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName(o));
    }
    return b.build();
  }

  /**
   * Reads a ModelInferResponse (a client's side): {@code raw_output_contents}, or the typed {@code
   * contents}. A parameter without a value is skipped.
   *
   * @param r the message
   * @return the response
   * @throws ServingException INVALID_INPUT naming what does not fit (a client reports it as the
   *     service's malformed answer)
   * @throws IllegalArgumentException for a datatype or shape that does not fit its contents
   */
  public static InferenceResponse readResponse(ModelInferResponse r) {
    InferenceResponse.Builder b = InferenceResponse.builder();
    if (!r.getModelName().isEmpty()) {
      b.modelName(r.getModelName());
    }
    if (!r.getModelVersion().isEmpty()) {
      b.modelVersion(r.getModelVersion());
    }
    if (!r.getId().isEmpty()) {
      b.id(r.getId());
    }
    r.getParametersMap()
        .forEach(
            (k, p) -> {
              if (p.getParameterChoiceCase()
                  != InferParameter.ParameterChoiceCase.PARAMETERCHOICE_NOT_SET) {
                b.parameter(k, parameter(k, p));
              }
            });
    int raw = r.getRawOutputContentsCount();
    if (raw != 0 && raw != r.getOutputsCount()) {
      throw invalid(raw + " raw_output_contents for " + r.getOutputsCount() + " outputs");
    }
    for (int i = 0; i < r.getOutputsCount(); i++) {
      ModelInferResponse.InferOutputTensor o = r.getOutputs(i);
      DataType type = DataType.fromProtocolName(o.getDatatype());
      long[] dims = o.getShapeList().stream().mapToLong(Long::longValue).toArray();
      b.output(
          raw != 0
              ? Tensor.wrap(
                  o.getName(),
                  type,
                  Shape.of(dims),
                  r.getRawOutputContents(i).asReadOnlyByteBuffer())
              : typed("output", o.getName(), type, dims, o.getContents()));
    }
    return b.build();
  }

  private static InferParameter parameter(Object v) {
    InferParameter.Builder p = InferParameter.newBuilder();
    if (v instanceof Boolean bool) {
      p.setBoolParam(bool);
    } else if (v instanceof Long
        || v instanceof Integer
        || v instanceof Short
        || v instanceof Byte) {
      p.setInt64Param(((Number) v).longValue());
    } else if (v instanceof BigInteger big && big.bitLength() < 64) {
      p.setInt64Param(big.longValue());
    } else if (v instanceof Number n) {
      p.setDoubleParam(n.doubleValue());
    } else {
      p.setStringParam(String.valueOf(v));
    }
    return p.build();
  }

  private static ServingException invalid(String message) {
    return Errors.of(ErrorCategory.INVALID_INPUT, message);
  }
}
