package io.serve4j.cli.internal;

import io.serve4j.Endpoint;
import io.serve4j.ServingClient;
import io.serve4j.batch.BatchListener;
import io.serve4j.batch.BatchResult;
import io.serve4j.batch.BatchScorer;
import io.serve4j.batch.FieldMapping;
import io.serve4j.batch.ProgressPrinter;
import io.serve4j.batch.RecordFormat;
import io.serve4j.cli.ClientFactory;
import io.serve4j.cli.ExitCodes;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code serve4j batch}: score files through an endpoint. */
@Command(
    name = "batch",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Score JSON Lines or CSV records (files, directories, globs; .gz too) through an endpoint"
          + " and write one result per record, in input order, to a JSON Lines or CSV file.",
      "",
      "Each --map says which field(s) feed which model input; types and shapes come from the"
          + " model's signature, and a mapping that contradicts it fails before anything is sent."
          + " Records that cannot be read or scored go to a dead-letter file with their line"
          + " number and the reason; the job goes on.",
      "",
      "The job checkpoints as it goes: if it is killed, run the same command again and it"
          + " resumes where it stopped, each record in the output exactly once. One run of a job"
          + " at a time: a second run on the same output exits 13 and writes nothing. An existing"
          + " file at the output that the job did not write is refused unless --overwrite.",
      "",
      "Example (records like {\"id\": 7, \"features\": [0.1, 0.2, 0.3, 0.4]}):",
      "  serve4j batch --model mlp.onnx --map x=features --id-field id \\",
      "      --output scores.jsonl data/*.jsonl",
      "CSV with one column per value:",
      "  serve4j batch --model mlp.onnx --map x=f1,f2,f3,f4 \\",
      "      --output scores.csv data.csv",
      ""
    })
public final class BatchCommand implements Callable<Integer> {
  private final ClientFactory clients;

  @Spec CommandSpec spec;
  @Mixin Target target;

  @Parameters(
      arity = "1..*",
      paramLabel = "INPUT",
      description = "Input files, directories or globs (quote globs for the shell).")
  List<String> inputs = new ArrayList<>();

  @Option(
      names = "--map",
      paramLabel = "INPUT=FIELDS[:TYPE[:DIMS]]",
      required = true,
      description = {
        "Model input from record fields, one --map per input. FIELDS is a field (JSON) or column"
            + " (CSV) or several separated by commas, concatenated. TYPE (e.g. FP32) and DIMS of"
            + " one record (e.g. 4 or 1x4) default to the model's signature.",
        "Examples: x=features   x=f1,f2,f3,f4   x=features:FP32:4"
      })
  List<String> maps = new ArrayList<>();

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FILE",
      required = true,
      description = "Output file: .csv for CSV, anything else JSON Lines.")
  Path output;

  @Option(
      names = "--id-field",
      paramLabel = "FIELD",
      description =
          "Field or column copied to the output as the record's id (default: line number).")
  String idField;

  @Option(
      names = "--output-name",
      paramLabel = "NAME",
      description = "Model output to write; repeat for several (default: all).")
  List<String> outputNames = new ArrayList<>();

  @Option(
      names = "--input-format",
      paramLabel = "FORMAT",
      description = "JSONL or CSV when file names do not tell (${COMPLETION-CANDIDATES}).")
  RecordFormat inputFormat;

  @Option(
      names = "--output-format",
      paramLabel = "FORMAT",
      description = "JSONL or CSV, overriding the output file's extension.")
  RecordFormat outputFormat;

  @Option(
      names = "--dead-letter",
      paramLabel = "FILE",
      description = "Where failed records go (default: OUTPUT.errors.jsonl).")
  Path deadLetter;

  @Option(
      names = "--checkpoint",
      paramLabel = "FILE",
      description = "Checkpoint file (default: OUTPUT.checkpoint).")
  Path checkpoint;

  @Option(
      names = "--restart",
      description = "Ignore an existing checkpoint and score everything again.")
  boolean restart;

  @Option(
      names = "--overwrite",
      description =
          "Replace an existing output or dead-letter file that no checkpoint of this job accounts"
              + " for (without it such a file is refused, exit 6, and left as it was).")
  boolean overwrite;

  @Option(
      names = "--batch-size",
      paramLabel = "N",
      defaultValue = "32",
      description =
          "Records per request when the model's first dimension is dynamic (default: ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(
      names = "--concurrency",
      paramLabel = "N",
      defaultValue = "4",
      description = "Requests in flight at once (default: ${DEFAULT-VALUE}).")
  int concurrency;

  @Option(
      names = "--max-attempts",
      paramLabel = "N",
      defaultValue = "4",
      description =
          "Attempts per request for retryable errors (throttling, unavailable), with backoff"
              + " (default: ${DEFAULT-VALUE}).")
  int maxAttempts;

  @Option(
      names = "--stop-on-first-error",
      description = "Stop at the first failed record instead of dead-lettering it.")
  boolean stopOnFirstError;

  @Option(
      names = "--progress",
      paramLabel = "MODE",
      defaultValue = "auto",
      description =
          "auto (a bar on a terminal, else a line every 10 s), bar, plain, or none."
              + " Progress goes to standard error.")
  String progress;

  @Mixin Connection connection;

  BatchCommand(ClientFactory clients) {
    this.clients = clients;
  }

  @Override
  public Integer call() {
    if (batchSize < 1 || concurrency < 1 || maxAttempts < 1) {
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(), "--batch-size, --concurrency and --max-attempts must be at least 1");
    }
    target.validate(spec);
    PrintWriter err = spec.commandLine().getErr();
    BatchScorer.Builder b =
        BatchScorer.builder()
            .input(inputs.toArray(String[]::new))
            .inputFormat(inputFormat)
            .idField(idField)
            .outputs(outputNames.toArray(String[]::new))
            .output(output)
            .outputFormat(outputFormat)
            .restart(restart)
            .overwrite(overwrite)
            .batchSize(batchSize)
            .concurrency(concurrency)
            .stopOnFirstError(stopOnFirstError);
    for (String m : maps) {
      b.map(FieldMapping.parse(m));
    }
    if (deadLetter != null) {
      b.deadLetter(deadLetter);
    }
    if (checkpoint != null) {
      b.checkpoint(checkpoint);
    }
    BatchListener printer = printer(err);
    if (printer != null) {
      b.listener(printer);
    }
    // --max-attempts configures the client's retries: core's one retry layer, not a second one.
    io.serve4j.RetryPolicy retry =
        io.serve4j.RetryPolicy.builder()
            .maxAttempts(maxAttempts)
            .initialBackoff(Duration.ofMillis(200))
            .maxBackoff(Duration.ofSeconds(20))
            .maxElapsed(Duration.ofMinutes(10))
            .build();
    try (ServingClient client = connection.open(clients, spec, retry)) {
      Endpoint e = target.resolve(client, spec);
      BatchResult r = b.endpoint(e).build().run();
      err.flush();
      if (r.errors() > 0) {
        err.println(
            r.errors()
                + " of "
                + r.records()
                + " records failed; their line numbers and reasons are in "
                + r.deadLetter());
        err.flush();
        return ExitCodes.PARTIAL;
      }
      return ExitCodes.OK;
    }
  }

  private BatchListener printer(PrintWriter err) {
    PrintStream ps =
        new PrintStream(
            new OutputStream() {
              @Override
              public void write(int c) {
                err.write(c);
              }

              @Override
              public void write(byte[] bytes, int off, int len) {
                err.write(new String(bytes, off, len, StandardCharsets.UTF_8));
              }

              @Override
              public void flush() {
                err.flush();
              }
            },
            true,
            StandardCharsets.UTF_8);
    return switch (progress) {
      case "auto" -> ProgressPrinter.auto(ps);
      case "bar" -> ProgressPrinter.terminal(ps);
      case "plain" -> ProgressPrinter.plain(ps, Duration.ofSeconds(10));
      case "none" -> null;
      default ->
          throw new picocli.CommandLine.ParameterException(
              spec.commandLine(),
              "--progress must be auto, bar, plain or none, not '" + progress + "'");
    };
  }
}
