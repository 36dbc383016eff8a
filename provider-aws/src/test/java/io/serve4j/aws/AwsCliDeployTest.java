package io.serve4j.aws;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.serve4j.Serve4j;
import io.serve4j.cli.Serve4jCli;
import io.serve4j.testkit.ContractModels;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;

/**
 * The aws examples printed by {@code serve4j deploy --help}, taken from the help text and run word
 * for word (as a POSIX shell would split them) against {@link FakeAws}: the {@code --uri} is read
 * by the real {@link AwsProvider#optionsFrom}, only the endpoint, credentials and poll interval are
 * pointed at the fake.
 */
class AwsCliDeployTest {
  private FakeAws fake;
  private final List<URI> uris = new ArrayList<>();

  @BeforeEach
  void start() {
    fake =
        new FakeAws()
            .bucket("my-bucket")
            .object("my-bucket", "models/fraud.onnx", ContractModels.reluBytes())
            .object("my-bucket", "models/fraud-v2.onnx", ContractModels.reluBytes());
  }

  @AfterEach
  void stop() {
    fake.close();
  }

  private record Run(int exit, String out, String err) {}

  private Run run(String... args) {
    CommandLine cli =
        Serve4jCli.commandLine(
            (provider, uri) -> {
              uris.add(uri);
              AwsOptions parsed = (AwsOptions) new AwsProvider().optionsFrom(uri);
              return Serve4j.client(
                  parsed.toBuilder()
                      .credentialsProvider(
                          StaticCredentialsProvider.create(
                              AwsBasicCredentials.create("AKIDTESTTESTTEST", "test-secret")))
                      .endpointOverride(fake.uri())
                      .s3PathStyle(true)
                      .pollInterval(Duration.ofMillis(50))
                      .build());
            });
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int exit = cli.execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  /** The help's examples that name aws, each as the words a shell would pass. */
  private List<List<String>> awsExamples() {
    String help = run("deploy", "--help").out();
    List<List<String>> out = new ArrayList<>();
    StringBuilder command = null;
    for (String line : help.split("\n")) {
      String t = line.strip();
      if (command == null && t.startsWith("serve4j deploy ")) {
        command = new StringBuilder();
      }
      if (command != null) {
        boolean more = t.endsWith("\\");
        command.append(more ? t.substring(0, t.length() - 1) : t).append(' ');
        if (!more) {
          if (command.toString().contains("aws://")) {
            out.add(shellWords(command.toString()));
          }
          command = null;
        }
      }
    }
    return out;
  }

  /** Splits like a POSIX shell: blanks separate words, single quotes keep everything. */
  private static List<String> shellWords(String line) {
    List<String> words = new ArrayList<>();
    StringBuilder w = null;
    boolean quoted = false;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (quoted) {
        if (c == '\'') {
          quoted = false;
        } else {
          w.append(c);
        }
      } else if (c == '\'') {
        quoted = true;
        w = w == null ? new StringBuilder() : w;
      } else if (Character.isWhitespace(c)) {
        if (w != null) {
          words.add(w.toString());
          w = null;
        }
      } else {
        w = w == null ? new StringBuilder() : w;
        w.append(c);
      }
    }
    if (w != null) {
      words.add(w.toString());
    }
    return words;
  }

  @Test
  void helpExamples_runAsPrintedAgainstSageMaker() {
    List<List<String>> examples = awsExamples();
    assertThat(examples).hasSize(2);

    // ---- example 1: s3:// ONNX on a T4, autoscaling, a 10 % canary
    List<String> words = examples.get(0);
    assertThat(words.subList(0, 2)).containsExactly("serve4j", "deploy");
    Run r = run(words.subList(1, words.size()).toArray(String[]::new));
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(uris.get(uris.size() - 1).getHost()).isEqualTo(Region.EU_WEST_1.id());
    assertThat(r.out()).contains("fraud", "primary", "canary");

    JsonNode config = fake.calls("SageMaker.CreateEndpointConfig").get(0).json();
    JsonNode primary = config.at("/ProductionVariants/0");
    JsonNode canary = config.at("/ProductionVariants/1");
    assertThat(primary.get("VariantName").asText()).isEqualTo("primary");
    assertThat(primary.get("InstanceType").asText()).isEqualTo("ml.g4dn.xlarge");
    assertThat(primary.get("InitialVariantWeight").asDouble()).isEqualTo(90.0);
    assertThat(canary.get("VariantName").asText()).isEqualTo("canary");
    assertThat(canary.get("InitialVariantWeight").asDouble()).isEqualTo(10.0);
    assertThat(fake.calls("AnyScaleFrontendService.RegisterScalableTarget"))
        .extracting(c -> c.json().get("ResourceId").asText())
        .containsExactlyInAnyOrder(
            "endpoint/fraud/variant/primary", "endpoint/fraud/variant/canary");
    JsonNode target = fake.calls("AnyScaleFrontendService.RegisterScalableTarget").get(0).json();
    assertThat(target.get("MinCapacity").asInt()).isEqualTo(1);
    assertThat(target.get("MaxCapacity").asInt()).isEqualTo(4);

    // The s3:// file was copied by S3 into an uncompressed Triton repository, never downloaded.
    assertThat(fake.calls(c -> c.method().equals("GET") && c.path().contains("/models/")))
        .isEmpty();
    List<FakeAws.Call> copies = fake.calls(c -> c.header("x-amz-copy-source") != null);
    assertThat(copies).hasSize(2);
    JsonNode createModel =
        fake.calls("SageMaker.CreateModel").stream()
            .map(FakeAws.Call::json)
            .filter(
                j -> j.at("/PrimaryContainer/Environment/SERVE4J_MODEL").asText().equals("fraud"))
            .findFirst()
            .orElseThrow();
    JsonNode source = createModel.at("/PrimaryContainer/ModelDataSource/S3DataSource");
    assertThat(createModel.at("/PrimaryContainer/ModelDataUrl").isMissingNode()).isTrue();
    assertThat(source.get("S3DataType").asText()).isEqualTo("S3Prefix");
    assertThat(source.get("CompressionType").asText()).isEqualTo("None");
    String prefix = source.get("S3Uri").asText();
    assertThat(prefix).startsWith("s3://my-bucket/serve4j/fraud/1/").endsWith("/");
    String key = prefix.substring("s3://my-bucket/".length());
    assertThat(fake.object("my-bucket", key + "fraud/1/model.onnx"))
        .isEqualTo(ContractModels.reluBytes());
    assertThat(
            new String(
                fake.object("my-bucket", key + "fraud/config.pbtxt"), StandardCharsets.UTF_8))
        .contains("name: \"fraud\"", "backend: \"onnxruntime\"", "KIND_GPU");

    // ---- example 2: serverless
    fake.clearCalls();
    words = examples.get(1);
    r = run(words.subList(1, words.size()).toArray(String[]::new));
    assertThat(r.exit()).as(r.err()).isZero();
    JsonNode variant =
        fake.calls("SageMaker.CreateEndpointConfig").get(0).json().at("/ProductionVariants/0");
    assertThat(variant.has("InstanceType")).isFalse();
    assertThat(variant.at("/ServerlessConfig/MemorySizeInMB").asInt()).isEqualTo(2048);
    assertThat(variant.at("/ServerlessConfig/MaxConcurrency").asInt()).isEqualTo(20);
    assertThat(fake.calls(c -> String.valueOf(c.target()).startsWith("AnyScaleFrontendService")))
        .isEmpty();
  }

  @Test
  void deploy_conflictingScalingFlags_isAUsageErrorBeforeAnyCall() {
    Run r =
        run(
            "deploy",
            "--uri",
            "aws://eu-west-1?role=arn:aws:iam::123456789012:role/R&bucket=my-bucket",
            "--endpoint",
            "fraud",
            "--artifact",
            "s3://my-bucket/models/fraud.onnx",
            "--instances",
            "2",
            "--serverless-memory",
            "2048",
            "--max-concurrency",
            "5");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("choose one of --instances");
    assertThat(fake.calls()).isEmpty();
  }
}
