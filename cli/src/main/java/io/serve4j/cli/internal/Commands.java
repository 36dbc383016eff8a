package io.serve4j.cli.internal;

import io.serve4j.cli.ClientFactory;
import io.serve4j.cli.ExitCodes;
import picocli.CommandLine;

/** Assembles the command tree and its error handling. */
public final class Commands {
  private Commands() {}

  /**
   * Builds the command line.
   *
   * @param clients opens clients
   * @return the command line
   */
  public static CommandLine build(ClientFactory clients) {
    CommandLine root = new CommandLine(new RootCommand());
    root.addSubcommand("predict", new PredictCommand(clients));
    root.addSubcommand("batch", new BatchCommand(clients));
    CommandLine endpoints = new CommandLine(new EndpointsCommand());
    endpoints.addSubcommand("list", new EndpointsCommand.ListCommand(clients));
    endpoints.addSubcommand("describe", new EndpointsCommand.DescribeCommand(clients));
    endpoints.addSubcommand("delete", new EndpointsCommand.DeleteCommand(clients));
    root.addSubcommand("endpoints", endpoints);
    root.addSubcommand("deploy", new DeployCommand(clients));
    root.addSubcommand("serve", new ServeCommand(clients));
    root.addSubcommand("providers", new ProvidersCommand());
    ErrorHandler handler = new ErrorHandler();
    root.setExecutionExceptionHandler(handler);
    root.setParameterExceptionHandler(handler);
    root.setExitCodeExceptionMapper(t -> ExitCodes.INTERNAL);
    return root;
  }
}
