package io.serve4j.cli.internal;

import io.serve4j.DeploymentDescription;
import io.serve4j.EndpointDescription;
import io.serve4j.ServingClient;
import io.serve4j.cli.ClientFactory;
import io.serve4j.cli.ExitCodes;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code serve4j endpoints}: list, describe, delete. */
@Command(
    name = "endpoints",
    mixinStandardHelpOptions = true,
    description = {
      "List, describe or delete a provider's endpoints.",
      "The local provider keeps endpoints only inside one command, so these are for cloud"
          + " providers, e.g.:",
      "  serve4j endpoints list --uri aws://eu-west-1",
      "  serve4j endpoints describe fraud --uri aws://eu-west-1"
    })
public final class EndpointsCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getOut());
    return ExitCodes.USAGE;
  }

  /** {@code serve4j endpoints list}. */
  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "List the endpoints the provider can see: name, status, deployments, URL.")
  static final class ListCommand implements Callable<Integer> {
    private final ClientFactory clients;
    @Spec CommandSpec spec;
    @Mixin Connection connection;

    ListCommand(ClientFactory clients) {
      this.clients = clients;
    }

    @Override
    public Integer call() {
      try (ServingClient client = connection.open(clients, spec)) {
        List<EndpointDescription> all = client.listEndpoints();
        PrintWriter out = spec.commandLine().getOut();
        if (all.isEmpty()) {
          out.println("no endpoints (provider " + client.providerId() + ")");
        } else {
          out.printf("%-32s %-12s %-40s %s%n", "NAME", "STATUS", "DEPLOYMENTS", "URL");
          for (EndpointDescription d : all) {
            out.printf(
                "%-32s %-12s %-40s %s%n",
                d.name(),
                d.status(),
                String.join(
                    ",",
                    d.deployments().stream()
                        .map(x -> x.name() + "(" + x.modelName() + ")")
                        .toList()),
                d.url().map(Object::toString).orElse("-"));
          }
        }
        out.flush();
      }
      return ExitCodes.OK;
    }
  }

  /** {@code serve4j endpoints describe NAME}. */
  @Command(
      name = "describe",
      mixinStandardHelpOptions = true,
      description = "Show an endpoint: status, traffic, deployments and their model signatures.")
  static final class DescribeCommand implements Callable<Integer> {
    private final ClientFactory clients;
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "NAME", description = "The endpoint.")
    String name;

    @Mixin Connection connection;

    DescribeCommand(ClientFactory clients) {
      this.clients = clients;
    }

    @Override
    public Integer call() {
      try (ServingClient client = connection.open(clients, spec)) {
        print(client.endpoint(name).describe(), spec.commandLine().getOut());
      }
      return ExitCodes.OK;
    }
  }

  /** {@code serve4j endpoints delete NAME}. */
  @Command(
      name = "delete",
      mixinStandardHelpOptions = true,
      description = "Delete an endpoint and what serve4j created for it; waits until it is gone.")
  static final class DeleteCommand implements Callable<Integer> {
    private final ClientFactory clients;
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "NAME", description = "The endpoint.")
    String name;

    @Option(
        names = "--timeout",
        paramLabel = "DURATION",
        defaultValue = "PT30M",
        description = "How long to wait, ISO-8601 (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Mixin Connection connection;

    DeleteCommand(ClientFactory clients) {
      this.clients = clients;
    }

    @Override
    public Integer call() {
      try (ServingClient client = connection.open(clients, spec)) {
        client.endpoint(name).delete().await(timeout);
        spec.commandLine().getOut().println("deleted " + name);
        spec.commandLine().getOut().flush();
      }
      return ExitCodes.OK;
    }
  }

  /**
   * Prints a description.
   *
   * @param d the description
   * @param out where
   */
  static void print(EndpointDescription d, PrintWriter out) {
    out.println("endpoint:    " + d.name());
    out.println("status:      " + d.status());
    d.url().ifPresent(u -> out.println("url:         " + u));
    d.failureReason().ifPresent(r -> out.println("failure:     " + r));
    if (!d.traffic().isEmpty()) {
      out.println("traffic:     " + d.traffic());
    }
    for (DeploymentDescription x : d.deployments()) {
      out.println("deployment:  " + x.name());
      out.println("  model:     " + x.modelName() + x.modelVersion().map(v -> ":" + v).orElse(""));
      out.println("  status:    " + x.status() + ", " + x.instances() + " instance(s)");
      x.instanceType().ifPresent(t -> out.println("  instance:  " + t));
      x.signature()
          .ifPresent(
              s -> {
                out.println("  inputs:    " + s.inputs());
                out.println("  outputs:   " + s.outputs());
              });
    }
    out.flush();
  }
}
