package io.serve4j.cli.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.serve4j.Endpoint;
import io.serve4j.InferenceRequest;
import io.serve4j.InferenceResponse;
import io.serve4j.ServingClient;
import io.serve4j.cli.ClientFactory;
import io.serve4j.cli.ExitCodes;
import io.serve4j.protocol.OipJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code serve4j predict}: one Open Inference Protocol request, one response. */
@Command(
    name = "predict",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Send one prediction request and print the response (Open Inference Protocol v2 JSON).",
      "A request looks like:",
      "  {\"inputs\": [{\"name\": \"x\", \"datatype\": \"FP32\", \"shape\": [1, 4],"
          + " \"data\": [1, 2, 3, 4]}]}",
      "",
      "Examples:",
      "  serve4j predict --model mlp.onnx --request request.json",
      "  echo '{\"inputs\": [...]}' | serve4j predict --model mlp.onnx",
      "  serve4j predict --uri aws://eu-west-1 --endpoint fraud --request request.json"
    })
public final class PredictCommand implements Callable<Integer> {
  private final ClientFactory clients;

  @Spec CommandSpec spec;
  @Mixin Target target;

  @Option(
      names = {"-r", "--request"},
      paramLabel = "FILE",
      defaultValue = "-",
      description = "Request JSON file, or - for standard input (the default).")
  String request;

  @Option(names = "--pretty", description = "Indent the response JSON.")
  boolean pretty;

  @Mixin Connection connection;

  PredictCommand(ClientFactory clients) {
    this.clients = clients;
  }

  @Override
  public Integer call() throws IOException {
    target.validate(spec);
    byte[] body;
    try {
      body = request.equals("-") ? System.in.readAllBytes() : Files.readAllBytes(Path.of(request));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the request " + request, e);
    }
    InferenceRequest req = OipJson.readRequest(body);
    try (ServingClient client = connection.open(clients, spec)) {
      Endpoint e = target.resolve(client, spec);
      InferenceResponse resp = e.predict(req);
      byte[] json = OipJson.writeResponse(resp);
      String text =
          pretty
              ? new ObjectMapper()
                  .writerWithDefaultPrettyPrinter()
                  .writeValueAsString(new ObjectMapper().readTree(json))
              : new String(json, StandardCharsets.UTF_8);
      spec.commandLine().getOut().println(text);
      spec.commandLine().getOut().flush();
    }
    return ExitCodes.OK;
  }
}
