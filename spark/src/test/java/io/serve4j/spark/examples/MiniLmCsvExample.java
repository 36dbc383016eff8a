package io.serve4j.spark.examples;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import io.serve4j.spark.InputMapping;
import io.serve4j.spark.OutputColumn;
import io.serve4j.spark.ScoringSpec;
import io.serve4j.spark.Serve4jSpark;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Iterator;
import java.util.Map;
import org.apache.spark.SparkFiles;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Embeds the {@code text} column of a CSV file with all-MiniLM-L6-v2 (quantized) on the executors'
 * local ONNX Runtime and writes {@code text, embedding, serve4j_error} as Parquet.
 *
 * <pre>
 * spark-submit --class io.serve4j.spark.examples.MiniLmCsvExample \
 *   --jars serve4j-spark-0.1.0-SNAPSHOT-all.jar,tokenizers-0.38.0.jar,api-0.38.0.jar,gson.jar,jna.jar \
 *   app.jar sentences.csv embeddings.parquet all-minilm-l6-v2-q.onnx tokenizer.json
 * </pre>
 *
 * <p>Tokenizing runs in a {@code mapPartitions} before scoring (one tokenizer per executor JVM,
 * padded to {@value #SEQ} tokens so that every row has the same shape and rows batch together);
 * mean pooling over the attention mask runs after.
 */
public final class MiniLmCsvExample {
  static final int SEQ = 64;
  static final int DIM = 384;

  private MiniLmCsvExample() {}

  /**
   * Runs the example.
   *
   * @param args CSV in, Parquet out, and optionally the model and tokenizer.json (default: from the
   *     langchain4j MiniLM jar on the class path)
   * @throws IOException if the model cannot be written out
   */
  public static void main(String[] args) throws IOException {
    SparkSession spark = SparkSession.builder().appName("serve4j MiniLM").getOrCreate();
    Path model = args.length > 2 ? Path.of(args[2]) : fromClasspath("all-minilm-l6-v2-q.onnx");
    Path tokenizer =
        args.length > 3 ? Path.of(args[3]) : fromClasspath("all-minilm-l6-v2-q-tokenizer.json");
    embed(spark, spark.read().option("header", "true").csv(args[0]), model, tokenizer)
        .write()
        .mode("overwrite")
        .parquet(args[1]);
  }

  /**
   * Embeds the {@code text} column.
   *
   * @param spark the session
   * @param df rows with a string column {@code text}
   * @param model the ONNX model
   * @param tokenizer its tokenizer.json
   * @return {@code text, embedding (array<float>, unit length), serve4j_error}
   */
  public static Dataset<Row> embed(
      SparkSession spark, Dataset<Row> df, Path model, Path tokenizer) {
    spark.sparkContext().addFile(tokenizer.toString());
    String tokenizerFile = tokenizer.getFileName().toString();
    StructType tokens =
        new StructType()
            .add("text", DataTypes.StringType)
            .add("input_ids", DataTypes.createArrayType(DataTypes.LongType, false))
            .add("attention_mask", DataTypes.createArrayType(DataTypes.LongType, false))
            .add("token_type_ids", DataTypes.createArrayType(DataTypes.LongType, false));
    Dataset<Row> tokenized =
        df.select("text")
            .mapPartitions(
                (Iterator<Row> rows) -> tokenize(rows, tokenizerFile), Encoders.row(tokens));
    ScoringSpec spec =
        ScoringSpec.builder()
            .model(model)
            .input(InputMapping.of("input_ids", "input_ids"))
            .input(InputMapping.of("attention_mask", "attention_mask"))
            .input(InputMapping.of("token_type_ids", "token_type_ids"))
            .output(OutputColumn.array("last_hidden_state", "hidden"))
            .batchSize(32)
            .build();
    Dataset<Row> scored = Serve4jSpark.score(tokenized, spec);
    StructType out =
        new StructType()
            .add("text", DataTypes.StringType)
            .add("embedding", DataTypes.createArrayType(DataTypes.FloatType, false))
            .add("serve4j_error", scored.schema().apply("serve4j_error").dataType());
    return scored.mapPartitions(
        (Iterator<Row> rows) ->
            new Iterator<Row>() {
              @Override
              public boolean hasNext() {
                return rows.hasNext();
              }

              @Override
              public Row next() {
                Row r = rows.next();
                float[] e = r.isNullAt(4) ? null : pool(floats(r.get(4)), longs(r.get(2)));
                return RowFactory.create(r.getString(0), e, r.get(5));
              }
            },
        Encoders.row(out));
  }

  private static HuggingFaceTokenizer tokenizerOnThisJvm;

  private static synchronized HuggingFaceTokenizer tokenizer(String file) throws IOException {
    if (tokenizerOnThisJvm == null) {
      System.setProperty("offline", "true"); // DJL's native library ships inside its jar
      tokenizerOnThisJvm =
          HuggingFaceTokenizer.newInstance(
              Path.of(SparkFiles.get(file)),
              Map.of(
                  "padding", "max_length", "maxLength", String.valueOf(SEQ), "truncation", "true"));
    }
    return tokenizerOnThisJvm;
  }

  private static Iterator<Row> tokenize(Iterator<Row> rows, String file) throws IOException {
    HuggingFaceTokenizer t = tokenizer(file);
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return rows.hasNext();
      }

      @Override
      public Row next() {
        String text = rows.next().getString(0);
        if (text == null) {
          return RowFactory.create(null, null, null, null); // a bad row: the error column says so
        }
        Encoding e = t.encode(text);
        return RowFactory.create(text, e.getIds(), e.getAttentionMask(), e.getTypeIds());
      }
    };
  }

  // Spark hands a mapPartitions the previous one's rows as they were built when it fuses the two
  // (Java arrays), else as Seqs: accept both.
  private static float[] floats(Object o) {
    if (o instanceof float[] a) {
      return a;
    }
    scala.collection.Seq<?> s = (scala.collection.Seq<?>) o;
    float[] a = new float[s.length()];
    for (int i = 0; i < a.length; i++) {
      a[i] = (Float) s.apply(i);
    }
    return a;
  }

  private static long[] longs(Object o) {
    if (o instanceof long[] a) {
      return a;
    }
    scala.collection.Seq<?> s = (scala.collection.Seq<?>) o;
    long[] a = new long[s.length()];
    for (int i = 0; i < a.length; i++) {
      a[i] = (Long) s.apply(i);
    }
    return a;
  }

  /** Mean of the token vectors under the attention mask, scaled to unit length. */
  static float[] pool(float[] hidden, long[] mask) {
    float[] v = new float[DIM];
    int n = 0;
    for (int t = 0; t < mask.length; t++) {
      if (mask[t] == 1L) {
        n++;
        for (int d = 0; d < DIM; d++) {
          v[d] += hidden[t * DIM + d];
        }
      }
    }
    double norm = 0;
    for (int d = 0; d < DIM; d++) {
      v[d] /= Math.max(1, n);
      norm += v[d] * v[d];
    }
    for (int d = 0; d < DIM; d++) {
      v[d] /= (float) Math.max(Math.sqrt(norm), 1e-12);
    }
    return v;
  }

  private static Path fromClasspath(String resource) throws IOException {
    Path dir = Files.createTempDirectory("minilm");
    Path out = dir.resolve(resource);
    try (InputStream in = MiniLmCsvExample.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new UncheckedIOException(new IOException(resource + " is not on the class path"));
      }
      Files.copy(in, out, StandardCopyOption.REPLACE_EXISTING);
    }
    return out;
  }
}
