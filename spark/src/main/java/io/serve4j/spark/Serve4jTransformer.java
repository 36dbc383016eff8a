package io.serve4j.spark;

import io.serve4j.DataType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.StringArrayParam;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

/**
 * A Spark ML {@link Transformer} that scores through a serve4j endpoint, so it fits a {@code
 * Pipeline}; its params are saved and loaded with the pipeline ({@code DefaultParamsWritable}). It
 * builds a {@link ScoringSpec} and calls {@link Serve4jSpark#score(Dataset, ScoringSpec)}.
 *
 * <pre>{@code
 * Serve4jTransformer scorer = new Serve4jTransformer()
 *     .setModelPath("/models/mlp.onnx")               // or setTarget("aws://eu-west-1").setEndpoint("fraud")
 *     .setInputs(new String[] {"x=f1,f2,f3,f4"})      // tensor=column[,column...]; "x:FP32=features" sets the type
 *     .setOutputs(new String[] {"y=scores"})          // tensor=column[:scalar|:array][:TYPE]
 *     .setBatchSize(256);
 * Pipeline pipeline = new Pipeline().setStages(new PipelineStage[] {assembler, scorer});
 * }</pre>
 *
 * <p>A {@link ClientFactory} cannot be saved as a param: use {@link Serve4jSpark} for one.
 */
public final class Serve4jTransformer extends Transformer implements DefaultParamsWritable {
  private static final long serialVersionUID = 1L;

  private final String uid;
  private final Param<String> target;
  private final Param<String> endpoint;
  private final Param<String> modelPath;
  private final Param<String> modelSha256;
  private final StringArrayParam inputs;
  private final StringArrayParam outputs;
  private final IntParam batchSize;
  private final IntParam maxInFlight;
  private final Param<String> badRows;
  private final Param<String> errorColumn;
  private final LongParam requestTimeoutMillis;
  private final IntParam maxAttempts;
  private final IntParam intraOpThreads;

  /** Creates a transformer with a random uid. */
  public Serve4jTransformer() {
    this(Identifiable$.MODULE$.randomUID("serve4j"));
  }

  /**
   * Creates a transformer (Spark's loader calls this).
   *
   * @param uid the uid
   */
  public Serve4jTransformer(String uid) {
    this.uid = uid;
    target = new Param<>(this, "target", "provider id or URI of the executors' client");
    endpoint = new Param<>(this, "endpoint", "name of the endpoint to score");
    modelPath = new Param<>(this, "modelPath", "ONNX model file shipped to the executors");
    modelSha256 = new Param<>(this, "modelSha256", "SHA-256 the model file must have");
    inputs = new StringArrayParam(this, "inputs", "tensor[:TYPE]=column[,column...]");
    outputs = new StringArrayParam(this, "outputs", "tensor=column[:scalar|:array][:TYPE]");
    batchSize = new IntParam(this, "batchSize", "rows per request");
    maxInFlight = new IntParam(this, "maxInFlight", "requests in flight per executor");
    badRows = new Param<>(this, "badRows", "ERROR_COLUMN or FAIL_FAST");
    errorColumn = new Param<>(this, "errorColumn", "name of the error column");
    requestTimeoutMillis = new LongParam(this, "requestTimeoutMillis", "deadline of a request");
    maxAttempts = new IntParam(this, "maxAttempts", "attempts per request");
    intraOpThreads = new IntParam(this, "intraOpThreads", "ONNX Runtime threads, 0 for auto");
    setDefault(target, "local");
    setDefault(batchSize, 64);
    setDefault(maxInFlight, 4);
    setDefault(badRows, BadRowPolicy.ERROR_COLUMN.name());
    setDefault(errorColumn, ScoringSpec.DEFAULT_ERROR_COLUMN);
    setDefault(requestTimeoutMillis, 60_000L);
    setDefault(maxAttempts, 3);
    setDefault(intraOpThreads, 0);
  }

  /**
   * Loads a saved transformer.
   *
   * @param path the directory
   * @return the transformer
   */
  public static Serve4jTransformer load(String path) {
    return read().load(path);
  }

  /**
   * Returns the reader of saved transformers.
   *
   * @return the reader
   */
  public static MLReader<Serve4jTransformer> read() {
    return new DefaultParamsReader<>();
  }

  @Override
  public String uid() {
    return uid;
  }

  // ---------------------------------------------------------------- params (Spark finds them by
  // their public no-argument accessors)

  /**
   * @return the target param
   */
  public Param<String> target() {
    return target;
  }

  /**
   * @return the endpoint param
   */
  public Param<String> endpoint() {
    return endpoint;
  }

  /**
   * @return the model path param
   */
  public Param<String> modelPath() {
    return modelPath;
  }

  /**
   * @return the model SHA-256 param
   */
  public Param<String> modelSha256() {
    return modelSha256;
  }

  /**
   * @return the inputs param
   */
  public StringArrayParam inputs() {
    return inputs;
  }

  /**
   * @return the outputs param
   */
  public StringArrayParam outputs() {
    return outputs;
  }

  /**
   * @return the batch size param
   */
  public IntParam batchSize() {
    return batchSize;
  }

  /**
   * @return the in-flight param
   */
  public IntParam maxInFlight() {
    return maxInFlight;
  }

  /**
   * @return the bad rows param
   */
  public Param<String> badRows() {
    return badRows;
  }

  /**
   * @return the error column param
   */
  public Param<String> errorColumn() {
    return errorColumn;
  }

  /**
   * @return the request timeout param
   */
  public LongParam requestTimeoutMillis() {
    return requestTimeoutMillis;
  }

  /**
   * @return the attempts param
   */
  public IntParam maxAttempts() {
    return maxAttempts;
  }

  /**
   * @return the intra-op threads param
   */
  public IntParam intraOpThreads() {
    return intraOpThreads;
  }

  /**
   * Sets the provider id or URI; default {@code local}.
   *
   * @param v the value
   * @return this
   */
  public Serve4jTransformer setTarget(String v) {
    set(target, v);
    return this;
  }

  /**
   * Sets the endpoint name.
   *
   * @param v the value
   * @return this
   */
  public Serve4jTransformer setEndpoint(String v) {
    set(endpoint, v);
    return this;
  }

  /**
   * Sets the model file shipped to the executors.
   *
   * @param v the path
   * @return this
   */
  public Serve4jTransformer setModelPath(String v) {
    set(modelPath, v);
    return this;
  }

  /**
   * Pins the model file's SHA-256.
   *
   * @param v hex
   * @return this
   */
  public Serve4jTransformer setModelSha256(String v) {
    set(modelSha256, v);
    return this;
  }

  /**
   * Sets the input mappings, each {@code tensor[:TYPE]=column[,column...]}.
   *
   * @param v the mappings
   * @return this
   */
  public Serve4jTransformer setInputs(String[] v) {
    set(inputs, v);
    return this;
  }

  /**
   * Sets the output columns, each {@code tensor=column[:scalar|:array][:TYPE]}.
   *
   * @param v the columns
   * @return this
   */
  public Serve4jTransformer setOutputs(String[] v) {
    set(outputs, v);
    return this;
  }

  /**
   * Sets the micro-batch size; default 64.
   *
   * @param v rows
   * @return this
   */
  public Serve4jTransformer setBatchSize(int v) {
    set(batchSize, v);
    return this;
  }

  /**
   * Sets the requests in flight per executor; default 4.
   *
   * @param v requests
   * @return this
   */
  public Serve4jTransformer setMaxInFlight(int v) {
    set(maxInFlight, v);
    return this;
  }

  /**
   * Sets the bad row policy; default {@link BadRowPolicy#ERROR_COLUMN}.
   *
   * @param v the policy
   * @return this
   */
  public Serve4jTransformer setBadRows(BadRowPolicy v) {
    set(badRows, v.name());
    return this;
  }

  /**
   * Sets the error column's name.
   *
   * @param v the name
   * @return this
   */
  public Serve4jTransformer setErrorColumn(String v) {
    set(errorColumn, v);
    return this;
  }

  /**
   * Sets the deadline of a request.
   *
   * @param v milliseconds
   * @return this
   */
  public Serve4jTransformer setRequestTimeoutMillis(long v) {
    set(requestTimeoutMillis, v);
    return this;
  }

  /**
   * Sets the attempts per request.
   *
   * @param v attempts
   * @return this
   */
  public Serve4jTransformer setMaxAttempts(int v) {
    set(maxAttempts, v);
    return this;
  }

  /**
   * Sets ONNX Runtime's intra-op threads; 0 for cores divided by task slots.
   *
   * @param v threads
   * @return this
   */
  public Serve4jTransformer setIntraOpThreads(int v) {
    set(intraOpThreads, v);
    return this;
  }

  /**
   * Returns the {@link ScoringSpec} these params describe.
   *
   * @return the spec
   * @throws IllegalArgumentException if a mapping string is malformed
   */
  public ScoringSpec toSpec() {
    ScoringSpec.Builder b = ScoringSpec.builder().target($(target));
    if (isDefined(endpoint)) {
      b.endpoint($(endpoint));
    }
    if (isDefined(modelPath)) {
      if (isDefined(modelSha256)) {
        b.model(Path.of($(modelPath)), $(modelSha256));
      } else {
        b.model(Path.of($(modelPath)));
      }
    }
    if (isDefined(inputs)) {
      for (String s : $(inputs)) {
        b.input(parseInput(s));
      }
    }
    if (isDefined(outputs)) {
      for (String s : $(outputs)) {
        b.output(parseOutput(s));
      }
    }
    return b.batchSize((Integer) $(batchSize))
        .maxInFlight((Integer) $(maxInFlight))
        .badRows(BadRowPolicy.valueOf($(badRows)))
        .errorColumn($(errorColumn))
        .requestTimeout(Duration.ofMillis((Long) $(requestTimeoutMillis)))
        .maxAttempts((Integer) $(maxAttempts))
        .intraOpThreads((Integer) $(intraOpThreads))
        .build();
  }

  static InputMapping parseInput(String s) {
    int eq = s.indexOf('=');
    if (eq <= 0 || eq == s.length() - 1) {
      throw new IllegalArgumentException(
          "input '" + s + "' is not tensor[:TYPE]=column[,column...]");
    }
    String left = s.substring(0, eq);
    List<String> cols = Arrays.asList(s.substring(eq + 1).split(","));
    int colon = left.indexOf(':');
    if (colon < 0) {
      return new InputMapping(left, cols, null);
    }
    return new InputMapping(left.substring(0, colon), cols, type(left.substring(colon + 1), s));
  }

  static OutputColumn parseOutput(String s) {
    int eq = s.indexOf('=');
    if (eq <= 0 || eq == s.length() - 1) {
      throw new IllegalArgumentException(
          "output '" + s + "' is not tensor=column[:scalar|:array][:TYPE]");
    }
    String tensor = s.substring(0, eq);
    List<String> parts = new ArrayList<>(Arrays.asList(s.substring(eq + 1).split(":")));
    String column = parts.remove(0);
    OutputColumn.Kind kind = OutputColumn.Kind.ARRAY;
    DataType type = null;
    for (String p : parts) {
      switch (p.toLowerCase(Locale.ROOT)) {
        case "scalar" -> kind = OutputColumn.Kind.SCALAR;
        case "array" -> kind = OutputColumn.Kind.ARRAY;
        default -> type = type(p, s);
      }
    }
    return new OutputColumn(tensor, column, kind, type);
  }

  private static DataType type(String name, String in) {
    try {
      return DataType.valueOf(name.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "unknown element type '"
              + name
              + "' in '"
              + in
              + "'; known: "
              + Arrays.toString(DataType.values()),
          e);
    }
  }

  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    return Serve4jSpark.score(dataset.toDF(), toSpec());
  }

  @Override
  public StructType transformSchema(StructType schema) {
    return Serve4jSpark.outputSchema(SparkSession.active(), schema, toSpec());
  }

  @Override
  public Serve4jTransformer copy(ParamMap extra) {
    return defaultCopy(extra);
  }
}
