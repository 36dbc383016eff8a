package io.serve4j.server.internal;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.serve4j.DataType;
import io.serve4j.ErrorCategory;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.ServingException;
import io.serve4j.Shape;
import io.serve4j.Tensor;
import io.serve4j.server.grpc.InferParameter;
import io.serve4j.server.grpc.InferTensorContents;
import io.serve4j.server.grpc.ModelInferRequest;
import io.serve4j.server.grpc.ModelInferResponse;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Converts the gRPC messages: {@code raw_input_contents} (flat, row-major, little-endian; BYTES
 * elements length-prefixed, as serve4j's own layout) or the typed {@code contents}; outputs always
 * go back as {@code raw_output_contents}.
 */
public final class ProtoTensors {
  private ProtoTensors() {}

  /**
   * Reads a ModelInferRequest.
   *
   * @param r the message
   * @return the request
   * @throws ServingException INVALID_INPUT naming what is malformed
   */
  public static InferenceRequest request(ModelInferRequest r) {
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
          b.input(
              Tensor.of(
                  in.getName(), type, shape, r.getRawInputContents(i).asReadOnlyByteBuffer()));
        } else {
          b.input(typed(in.getName(), type, dims, in.getContents()));
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

  private static Tensor typed(String name, DataType type, long[] dims, InferTensorContents c) {
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
        return fromLongs(name, type, dims, v);
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
              "input '"
                  + name
                  + "' of "
                  + type
                  + " has no typed contents; send raw_input_contents");
    }
  }

  private static Tensor fromLongs(String name, DataType type, long[] dims, long[] v) {
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
        throw invalid("input '" + name + "' value " + v[i] + " is outside the " + type + " range");
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
   * Writes a ModelInferResponse with raw output contents.
   *
   * @param r the response
   * @return the message
   */
  public static ModelInferResponse response(InferenceResponse r) {
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
