package io.serve4j.cli;

import io.serve4j.cli.internal.Commands;
import picocli.CommandLine;

/**
 * The {@code serve4j} command line's entry point.
 *
 * <pre>{@code
 * int exit = Serve4jCli.commandLine().execute("predict", "--model", "mlp.onnx", "--request", "r.json");
 * }</pre>
 *
 * <p>Exit codes are listed in {@link ExitCodes}.
 */
public final class Serve4jCli {
  private Serve4jCli() {}

  /**
   * Runs the command line and exits the JVM with its exit code.
   *
   * @param args the arguments
   */
  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /**
   * The command line with providers found by {@link java.util.ServiceLoader}.
   *
   * @return a new command line; set its out and err writers to capture output
   */
  public static CommandLine commandLine() {
    return commandLine(ClientFactory.serviceLoader());
  }

  /**
   * The command line with the caller's way of opening clients.
   *
   * @param clients opens the client of each command
   * @return a new command line
   */
  public static CommandLine commandLine(ClientFactory clients) {
    return Commands.build(clients);
  }
}
