package io.serve4j.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** Runs the command line and captures what it prints. */
final class CliTestSupport {
  private CliTestSupport() {}

  /** The outcome of one run. */
  record Run(int exit, String out, String err) {}

  static Run run(ClientFactory clients, String... args) {
    CommandLine cli = clients == null ? Serve4jCli.commandLine() : Serve4jCli.commandLine(clients);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int exit = cli.execute(args);
    return new Run(exit, out.toString(), err.toString());
  }
}
