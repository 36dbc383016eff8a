package io.serve4j.cli.internal;

import io.serve4j.Serve4j;
import io.serve4j.cli.ExitCodes;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code serve4j providers}: the providers on the class path. */
@Command(
    name = "providers",
    mixinStandardHelpOptions = true,
    description = {
      "List the providers on the class path, usable with --provider.",
      "Add a provider's jars with the SERVE4J_CLASSPATH environment variable of the serve4j"
          + " script."
    })
public final class ProvidersCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    Serve4j.providers().forEach(spec.commandLine().getOut()::println);
    spec.commandLine().getOut().flush();
    return ExitCodes.OK;
  }
}
