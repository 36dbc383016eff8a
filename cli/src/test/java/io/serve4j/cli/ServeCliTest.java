package io.serve4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ServeCliTest {
  @TempDir Path dir;

  @Test
  void serve_model_answersOipRequests_untilStopped() throws Exception {
    Path model = MlpModel.write(dir.resolve("mlp.onnx"), 4, 8, 2);
    CommandLine cli = Serve4jCli.commandLine();
    StringWriter out = new StringWriter();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(new StringWriter(), true));
    Thread[] runner = new Thread[1];
    CompletableFuture<Integer> exit = new CompletableFuture<>();
    runner[0] =
        new Thread(
            () ->
                exit.complete(
                    cli.execute(
                        "serve", "--model", model.toString(), "--port", "0", "--grpc-port", "0")));
    runner[0].start();
    Pattern p =
        Pattern.compile(
            "serving model 'mlp' on http://127\\.0\\.0\\.1:(\\d+)/v2/models/mlp and gRPC 127\\.0\\.0\\.1:(\\d+)");
    Matcher m = null;
    for (int i = 0; i < 300 && (m == null || !m.find()); i++) {
      Thread.sleep(50);
      m = p.matcher(out.toString());
    }
    assertThat(m.find(0)).as(out.toString()).isTrue();
    int port = Integer.parseInt(m.group(1));
    HttpURLConnection c =
        (HttpURLConnection)
            URI.create("http://127.0.0.1:" + port + "/v2/models/mlp/infer")
                .toURL()
                .openConnection();
    c.setRequestMethod("POST");
    c.setDoOutput(true);
    try (OutputStream o = c.getOutputStream()) {
      o.write(
          ("{\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[1,4],"
                  + "\"data\":[1,2,3,4]}]}")
              .getBytes(StandardCharsets.UTF_8));
    }
    assertThat(c.getResponseCode()).isEqualTo(200);
    String body = new String(c.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(body).contains("\"model_name\":\"mlp\"").contains("\"shape\":[1,2]");
    runner[0].interrupt();
    assertThat(exit.get(30, TimeUnit.SECONDS)).isEqualTo(ExitCodes.OK);
  }

  @Test
  void serve_withoutAModel_isAUsageError() {
    CliTestSupport.Run r = CliTestSupport.run(null, "serve", "--port", "0");
    assertThat(r.exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).contains("--model");
  }

  @Test
  void serve_onAPortInUse_exitsUnavailable() throws Exception {
    Path model = MlpModel.write(dir.resolve("mlp.onnx"), 4, 8, 2);
    try (java.net.ServerSocket taken =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
      CliTestSupport.Run r =
          CliTestSupport.run(
              null,
              "serve",
              "--model",
              model.toString(),
              "--port",
              String.valueOf(taken.getLocalPort()));
      assertThat(r.exit()).as(r.err()).isEqualTo(ExitCodes.UNAVAILABLE);
      assertThat(r.err()).contains("cannot serve REST on 127.0.0.1:" + taken.getLocalPort());
    }
  }
}
