package io.serve4j.cli.internal;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code serve4j}: prints help when run without a subcommand. */
@Command(
    name = "serve4j",
    mixinStandardHelpOptions = true,
    version = "serve4j 0.1.0-SNAPSHOT",
    description = {
      "Deploy, invoke and batch-score ML models the same way on the local ONNX runtime, AWS"
          + " SageMaker, Azure ML and Google Vertex AI.",
      "",
      "Quick start, all local (nothing to set up):",
      "  serve4j predict --model mlp.onnx --request request.json",
      "  serve4j batch   --model mlp.onnx --map x=features --id-field id \\",
      "                  --output scores.jsonl data/records.jsonl",
      "  serve4j serve   --model mlp.onnx --port 8080 --grpc-port 8081",
      "",
      "Cloud providers take the endpoint's name and their settings as a URI:",
      "  serve4j endpoints list --uri aws://eu-west-1",
      "  serve4j predict --uri aws://eu-west-1 --endpoint fraud --request request.json",
      "",
      "Run 'serve4j <command> --help' for a command's options."
    },
    footerHeading = "%nExit codes:%n",
    footer = {
      "  0 ok                        1 internal error (a bug)",
      "  2 bad command line          3 batch done, some records in the dead-letter file",
      "  4 invalid input / mapping   5 not found",
      "  6 conflict (exists, busy)   7 not signed in / not allowed",
      "  8 quota or throttled        9 unavailable or timed out: retry later",
      " 10 provider cannot do this  11 model failed to load or compute",
      " 12 file could not be read or written",
      " 13 another run of the same batch job is running (it holds the job's lock)"
    })
public final class RootCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getOut());
    return io.serve4j.cli.ExitCodes.USAGE;
  }
}
