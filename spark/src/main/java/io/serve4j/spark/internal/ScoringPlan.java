package io.serve4j.spark.internal;

import io.serve4j.DataType;
import io.serve4j.ModelSignature;
import io.serve4j.TensorSpec;
import io.serve4j.spark.InputMapping;
import io.serve4j.spark.OutputColumn;
import io.serve4j.spark.ScoringSpec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.ShortType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * A {@link ScoringSpec} resolved against a DataFrame's schema and the endpoint's signature, on the
 * driver: column indices, element types, row shapes and the output schema. Serialized into every
 * task.
 */
public final class ScoringPlan implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The error column's struct. */
  public static final StructType ERROR_TYPE =
      new StructType(
          new StructField[] {
            new StructField("category", DataTypes.StringType, false, Metadata.empty()),
            new StructField("message", DataTypes.StringType, true, Metadata.empty()),
            new StructField("provider", DataTypes.StringType, true, Metadata.empty()),
            new StructField("request_id", DataTypes.StringType, true, Metadata.empty())
          });

  /** One input tensor. */
  record Input(String tensor, int[] columns, String[] columnNames, DataType type, long[] rowDims)
      implements Serializable {}

  /** One output column. */
  record Output(String tensor, String column, OutputColumn.Kind kind, DataType type)
      implements Serializable {}

  final ScoringSpec spec;
  final String clientKey;
  final String shippedFile;
  final String modelSha256;
  final Input[] inputs;
  final Output[] outputs;
  final boolean batching;
  final StructType schema;
  final int inputWidth;

  private ScoringPlan(
      ScoringSpec spec,
      String clientKey,
      String shippedFile,
      String modelSha256,
      Input[] inputs,
      Output[] outputs,
      boolean batching,
      StructType schema,
      int inputWidth) {
    this.spec = spec;
    this.clientKey = clientKey;
    this.shippedFile = shippedFile;
    this.modelSha256 = modelSha256;
    this.inputs = inputs;
    this.outputs = outputs;
    this.batching = batching;
    this.schema = schema;
    this.inputWidth = inputWidth;
  }

  /**
   * Returns the output schema: the input's columns, then the output columns, then the error column.
   *
   * @return the schema
   */
  public StructType schema() {
    return schema;
  }

  /**
   * Returns the spec.
   *
   * @return the spec
   */
  public ScoringSpec spec() {
    return spec;
  }

  /**
   * Returns whether rows are sent in micro-batches.
   *
   * @return true if batching
   */
  public boolean batching() {
    return batching;
  }

  /**
   * Resolves a spec.
   *
   * @param spec the spec
   * @param in the DataFrame's schema
   * @param signature the endpoint's signature, or null if it reports none
   * @param shippedFile the model's file name among Spark's files, or null
   * @param modelSha256 the model's SHA-256, or null
   * @return the plan
   * @throws io.serve4j.InvalidInputException if a column, input or output does not fit
   */
  public static ScoringPlan resolve(
      ScoringSpec spec,
      StructType in,
      ModelSignature signature,
      String shippedFile,
      String modelSha256) {
    List<String> names = Arrays.asList(in.fieldNames());
    Input[] inputs = new Input[spec.inputs().size()];
    for (int i = 0; i < inputs.length; i++) {
      InputMapping m = spec.inputs().get(i);
      int[] idx = new int[m.columns().size()];
      org.apache.spark.sql.types.DataType firstType = null;
      for (int c = 0; c < idx.length; c++) {
        String col = m.columns().get(c);
        idx[c] = names.indexOf(col);
        if (idx[c] < 0) {
          throw Errors.invalid(
              "input '" + m.tensor() + "' maps column '" + col + "', which is not in " + names);
        }
        org.apache.spark.sql.types.DataType t = in.fields()[idx[c]].dataType();
        checkColumnType(m.tensor(), col, t);
        if (firstType == null) {
          firstType = t;
        }
      }
      Optional<TensorSpec> ts = signature == null ? Optional.empty() : signature.input(m.tensor());
      if (signature != null && ts.isEmpty()) {
        throw Errors.invalid(
            "the endpoint has no input '" + m.tensor() + "'; its inputs are " + signature.inputs());
      }
      DataType type =
          ts.map(TensorSpec::dataType)
              .or(m::type)
              .orElseGet(() -> defaultType(m.columns().get(0), leaf(in, idx[0])));
      if (m.type().isPresent() && ts.isPresent() && m.type().get() != ts.get().dataType()) {
        throw Errors.invalid(
            "input '"
                + m.tensor()
                + "' is "
                + ts.get().dataType()
                + " in the endpoint's signature, not "
                + m.type().get());
      }
      if (!supported(type)) {
        throw Errors.unsupported(
            "input '" + m.tensor() + "' has element type " + type + ", which is not supported");
      }
      for (int c = 0; c < idx.length; c++) {
        checkCompatible(m.tensor(), m.columns().get(c), leaf(in, idx[c]), type);
      }
      long[] rowDims = null;
      if (ts.isPresent()) {
        long[] dims = ts.get().shape().toArray();
        rowDims = dims.length == 0 ? new long[0] : Arrays.copyOfRange(dims, 1, dims.length);
      }
      inputs[i] = new Input(m.tensor(), idx, m.columns().toArray(String[]::new), type, rowDims);
    }
    Output[] outputs = new Output[spec.outputs().size()];
    List<StructField> fields = new ArrayList<>(Arrays.asList(in.fields()));
    for (int o = 0; o < outputs.length; o++) {
      OutputColumn c = spec.outputs().get(o);
      Optional<TensorSpec> ts = signature == null ? Optional.empty() : signature.output(c.tensor());
      if (signature != null && ts.isEmpty()) {
        throw Errors.invalid(
            "the endpoint has no output '"
                + c.tensor()
                + "'; its outputs are "
                + signature.outputs());
      }
      DataType type =
          ts.map(TensorSpec::dataType)
              .or(() -> Optional.ofNullable(c.dataType()))
              .orElseThrow(
                  () ->
                      Errors.invalid(
                          "the endpoint reports no signature: give output '"
                              + c.tensor()
                              + "' its element type with OutputColumn.withType"));
      if (!supported(type)) {
        throw Errors.unsupported(
            "output '" + c.tensor() + "' has element type " + type + ", which is not supported");
      }
      if (names.contains(c.column())) {
        throw Errors.invalid(
            "output column '" + c.column() + "' is already a column of the input; rename one");
      }
      outputs[o] = new Output(c.tensor(), c.column(), c.kind(), type);
      org.apache.spark.sql.types.DataType st = sparkType(type);
      fields.add(
          new StructField(
              c.column(),
              c.kind() == OutputColumn.Kind.ARRAY ? DataTypes.createArrayType(st, false) : st,
              true,
              Metadata.empty()));
    }
    if (names.contains(spec.errorColumn())) {
      throw Errors.invalid(
          "the error column '" + spec.errorColumn() + "' is already a column of the input");
    }
    fields.add(new StructField(spec.errorColumn(), ERROR_TYPE, true, Metadata.empty()));
    boolean batching = spec.batchSize() > 1 && (signature == null || signature.isBatchable());
    return new ScoringPlan(
        spec,
        clientKey(spec),
        shippedFile,
        modelSha256,
        inputs,
        outputs,
        batching,
        new StructType(fields.toArray(StructField[]::new)),
        in.fields().length);
  }

  /**
   * A stable key of the executor client the spec asks for: equal specs share one client.
   *
   * @param spec the spec
   * @return the key
   */
  public static String clientKey(ScoringSpec spec) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      if (spec.clientFactory().isPresent()) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
          out.writeObject(spec.clientFactory().get());
        }
        md.update(bytes.toByteArray());
      } else {
        String k =
            spec.target().orElseThrow()
                + "|"
                + spec.requestTimeout().toMillis()
                + "|"
                + spec.maxAttempts();
        md.update(k.getBytes(StandardCharsets.UTF_8));
      }
      return HexFormat.of().formatHex(md.digest(), 0, 12);
    } catch (IOException e) {
      throw new UncheckedIOException("the client factory cannot be serialized", e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static boolean supported(DataType t) {
    return t != DataType.UINT64;
  }

  private static org.apache.spark.sql.types.DataType leaf(StructType in, int idx) {
    org.apache.spark.sql.types.DataType t = in.fields()[idx].dataType();
    while (t instanceof ArrayType a) {
      t = a.elementType();
    }
    return t;
  }

  private static void checkColumnType(
      String tensor, String col, org.apache.spark.sql.types.DataType t) {
    org.apache.spark.sql.types.DataType leaf = t;
    while (leaf instanceof ArrayType a) {
      leaf = a.elementType();
    }
    boolean ok =
        leaf instanceof DoubleType
            || leaf instanceof FloatType
            || leaf instanceof IntegerType
            || leaf instanceof LongType
            || leaf instanceof ShortType
            || leaf instanceof ByteType
            || leaf instanceof DecimalType
            || leaf instanceof BooleanType
            || leaf instanceof StringType
            || leaf instanceof BinaryType
            || leaf.equals(SQLDataTypes.VectorType());
    if (!ok) {
      throw Errors.invalid(
          "column '"
              + col
              + "' of input '"
              + tensor
              + "' is "
              + t.simpleString()
              + "; map numeric, boolean, string or binary columns, arrays of them, or ML Vectors");
    }
  }

  private static void checkCompatible(
      String tensor, String col, org.apache.spark.sql.types.DataType leaf, DataType type) {
    boolean text = leaf instanceof StringType || leaf instanceof BinaryType;
    if (text != (type == DataType.BYTES)
        || (leaf instanceof BooleanType) != (type == DataType.BOOL)) {
      throw Errors.invalid(
          "column '"
              + col
              + "' ("
              + leaf.simpleString()
              + ") cannot feed input '"
              + tensor
              + "' of type "
              + type);
    }
  }

  private static DataType defaultType(String col, org.apache.spark.sql.types.DataType leaf) {
    if (leaf instanceof FloatType) {
      return DataType.FP32;
    }
    if (leaf instanceof IntegerType || leaf instanceof ShortType || leaf instanceof ByteType) {
      return DataType.INT32;
    }
    if (leaf instanceof LongType) {
      return DataType.INT64;
    }
    if (leaf instanceof BooleanType) {
      return DataType.BOOL;
    }
    if (leaf instanceof StringType || leaf instanceof BinaryType) {
      return DataType.BYTES;
    }
    return DataType.FP64; // double, decimal, Vector
  }

  static org.apache.spark.sql.types.DataType sparkType(DataType t) {
    return switch (t) {
      case FP32, FP16 -> DataTypes.FloatType;
      case FP64 -> DataTypes.DoubleType;
      case INT8, INT16, INT32, UINT8, UINT16 -> DataTypes.IntegerType;
      case INT64, UINT32 -> DataTypes.LongType;
      case BOOL -> DataTypes.BooleanType;
      case BYTES -> DataTypes.StringType;
      default -> throw Errors.unsupported("element type " + t + " is not supported");
    };
  }
}
