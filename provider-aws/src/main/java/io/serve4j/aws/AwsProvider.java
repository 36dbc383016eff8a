package io.serve4j.aws;

import io.serve4j.Capability;
import io.serve4j.ErrorCategory;
import io.serve4j.HardwareOffering;
import io.serve4j.ProviderOptions;
import io.serve4j.ServingException;
import io.serve4j.aws.internal.AwsClients;
import io.serve4j.aws.internal.AwsErrors;
import io.serve4j.aws.internal.AwsOfferings;
import io.serve4j.aws.internal.SageMakerAsyncInvocations;
import io.serve4j.aws.internal.SageMakerBatchJobs;
import io.serve4j.aws.internal.SageMakerEndpoints;
import io.serve4j.aws.internal.SageMakerInvocations;
import io.serve4j.aws.internal.SageMakerModels;
import io.serve4j.aws.internal.SageMakerStreams;
import io.serve4j.spi.ErrorMapper;
import io.serve4j.spi.ProviderContext;
import io.serve4j.spi.ProviderSession;
import io.serve4j.spi.ServingProvider;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import software.amazon.awssdk.regions.Region;

/**
 * The {@code aws} provider: SageMaker real-time and asynchronous endpoints, Application Auto
 * Scaling and batch transform. Found by {@link java.util.ServiceLoader}; discovery touches no
 * network or credentials.
 *
 * <pre>{@code
 * ServingClient aws = Serve4j.client(URI.create("aws://us-east-1?role=arn:aws:iam::1:role/R"));
 * }</pre>
 *
 * <p>A SageMaker endpoint is either real-time or asynchronous. An {@link io.serve4j.EndpointSpec}
 * with {@link io.serve4j.AsyncInference} becomes an endpoint config with {@code
 * AsyncInferenceConfig} (results under {@code s3://<staging bucket>/<prefix>/async/<endpoint>/} by
 * default); {@code Endpoint.submit} stages the request in S3, calls {@code InvokeEndpointAsync} and
 * polls S3 for the result, and {@code predict} on it is refused with an {@link
 * io.serve4j.InvalidInputException}. An asynchronous endpoint has exactly one deployment and no
 * mirror.
 */
public final class AwsProvider implements ServingProvider {
  /** The provider id and URI scheme. */
  public static final String ID = "aws";

  private static final Set<Capability> CAPABILITIES =
      Set.copyOf(
          EnumSet.of(
              Capability.TRAFFIC_SPLIT,
              Capability.SHADOW,
              Capability.AUTOSCALING,
              Capability.ASYNC_INFERENCE,
              Capability.BATCH_JOBS,
              Capability.RAW_PAYLOAD,
              Capability.STREAMING,
              Capability.GPU,
              Capability.INFERENTIA,
              Capability.DYNAMIC_BATCHING,
              Capability.MULTI_MODEL,
              Capability.SERVERLESS));

  /** Creates the provider; ServiceLoader calls this. */
  public AwsProvider() {}

  @Override
  public String id() {
    return ID;
  }

  @Override
  public Set<Capability> capabilities() {
    return CAPABILITIES;
  }

  /**
   * Returns the SageMaker instance types portable accelerators resolve to, each row naming its
   * source.
   *
   * @return the rows
   */
  @Override
  public List<HardwareOffering> offerings() {
    return AwsOfferings.all();
  }

  @Override
  public Class<? extends ProviderOptions> optionsType() {
    return AwsOptions.class;
  }

  /**
   * Returns options with region and credentials left to the SDK's default chains, resolved when a
   * client opens.
   *
   * @return default options
   */
  @Override
  public ProviderOptions defaultOptions() {
    return AwsOptions.builder().build();
  }

  /**
   * Reads {@code aws://<region>} with optional query parameters:
   *
   * <ul>
   *   <li>{@code role}: the SageMaker execution role ARN;
   *   <li>{@code bucket}, {@code prefix}: the staging bucket and key prefix;
   *   <li>{@code endpoint}: one endpoint for every service (an emulator such as LocalStack, {@code
   *       endpoint=http://localhost:4566}); {@code endpoint.<service>} for one service, the service
   *       one of {@code sagemaker}, {@code sagemaker-runtime}, {@code application-autoscaling},
   *       {@code s3}, {@code sts} (wins over {@code endpoint});
   *   <li>{@code pathStyle}: {@code true} to address S3 path-style ({@code host/bucket/key});
   *   <li>{@code expectContinue}: {@code false} to leave {@code Expect: 100-continue} off S3
   *       uploads ({@link AwsOptions#s3ExpectContinue()});
   *   <li>{@code createBucket}: {@code true} to create a missing staging bucket ({@link
   *       AwsOptions#createStagingBucket()}).
   * </ul>
   *
   * <p>e.g. {@code aws://eu-west-1?role=arn:aws:iam::1:role/R&bucket=models} or {@code
   * aws://us-east-1?endpoint=http://localhost:4566&pathStyle=true&createBucket=true}. Credentials
   * are never read from the URI: they come from the SDK's default chain.
   *
   * @param uri the URI
   * @return the options
   * @throws io.serve4j.InvalidInputException if a parameter is unknown or its value is not valid
   */
  @Override
  public ProviderOptions optionsFrom(URI uri) {
    AwsOptions.Builder b = AwsOptions.builder();
    String host = uri.getHost() != null ? uri.getHost() : uri.getAuthority();
    if (host != null && !host.isEmpty()) {
      b.region(Region.of(host));
    }
    String query = uri.getRawQuery();
    Map<AwsService, URI> perService = new EnumMap<>(AwsService.class);
    if (query != null && !query.isEmpty()) {
      for (String pair : query.split("&")) {
        int eq = pair.indexOf('=');
        String key = decode(eq < 0 ? pair : pair.substring(0, eq));
        String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
        switch (key) {
          case "role" -> b.executionRoleArn(value);
          case "bucket" -> b.stagingBucket(value);
          case "prefix" -> b.stagingPrefix(value);
          case "endpoint" -> b.endpointOverride(endpoint(uri, key, value));
          case "pathStyle" -> b.s3PathStyle(bool(uri, key, value));
          case "expectContinue" -> b.s3ExpectContinue(bool(uri, key, value));
          case "createBucket" -> b.createStagingBucket(bool(uri, key, value));
          default -> {
            AwsService service = key.startsWith("endpoint.") ? SERVICES.get(key) : null;
            if (service == null) {
              throw invalid(
                  "unknown parameter '"
                      + key
                      + "' in "
                      + uri
                      + "; known: role, bucket, prefix, endpoint, endpoint.<"
                      + String.join("|", SERVICES.keySet()).replace("endpoint.", "")
                      + ">, pathStyle, expectContinue, createBucket");
            }
            perService.put(service, endpoint(uri, key, value));
          }
        }
      }
    }
    perService.forEach(b::endpointOverride);
    return b.build();
  }

  private static final Map<String, AwsService> SERVICES =
      Map.of(
          "endpoint.sagemaker", AwsService.SAGEMAKER,
          "endpoint.sagemaker-runtime", AwsService.SAGEMAKER_RUNTIME,
          "endpoint.application-autoscaling", AwsService.APPLICATION_AUTO_SCALING,
          "endpoint.s3", AwsService.S3,
          "endpoint.sts", AwsService.STS);

  /** Percent-decoding only: a '+' stays a '+' (IAM names may hold one). */
  private static String decode(String s) {
    return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  private static URI endpoint(URI uri, String key, String value) {
    try {
      URI e = new URI(value);
      if (("http".equals(e.getScheme()) || "https".equals(e.getScheme())) && e.getHost() != null) {
        return e;
      }
    } catch (URISyntaxException bad) {
      // reported below
    }
    throw invalid(
        "parameter '" + key + "' in " + uri + " must be an http:// or https:// URI, was " + value);
  }

  private static boolean bool(URI uri, String key, String value) {
    return switch (value) {
      case "true" -> true;
      case "false" -> false;
      default ->
          throw invalid(
              "parameter '" + key + "' in " + uri + " must be true or false, was '" + value + "'");
    };
  }

  private static ServingException invalid(String message) {
    return ServingException.builder(ErrorCategory.INVALID_INPUT)
        .providerId(ID)
        .message(message)
        .build();
  }

  /**
   * Returns true: core reads the signature of a local ONNX file before deploy, so that requests are
   * validated before sending and the Triton configuration packed into model.tar.gz lists the
   * tensors.
   *
   * @return true
   */
  @Override
  public boolean readsOnnxSignatures() {
    return true;
  }

  @Override
  public ErrorMapper errorMapper() {
    return AwsErrors::mapper;
  }

  @Override
  public ProviderSession open(ProviderOptions options, ProviderContext context) {
    AwsClients clients = new AwsClients((AwsOptions) options, context);
    SageMakerModels models = new SageMakerModels(clients);
    return ProviderSession.of(
            new SageMakerEndpoints(clients, models),
            new SageMakerInvocations(clients),
            new SageMakerBatchJobs(clients, models),
            new SageMakerAsyncInvocations(clients),
            clients::close)
        .withStreaming(new SageMakerStreams(clients));
  }
}
