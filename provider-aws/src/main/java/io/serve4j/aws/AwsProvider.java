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
import java.util.EnumSet;
import java.util.List;
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
              Capability.DYNAMIC_BATCHING));

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
   * Reads {@code aws://<region>} with optional query parameters {@code role}, {@code bucket} and
   * {@code prefix}, e.g. {@code aws://eu-west-1?role=arn:aws:iam::1:role/R&bucket=models}.
   *
   * @param uri the URI
   * @return the options
   * @throws io.serve4j.InvalidInputException if a parameter is unknown
   */
  @Override
  public ProviderOptions optionsFrom(URI uri) {
    AwsOptions.Builder b = AwsOptions.builder();
    String host = uri.getHost() != null ? uri.getHost() : uri.getAuthority();
    if (host != null && !host.isEmpty()) {
      b.region(Region.of(host));
    }
    String query = uri.getQuery();
    if (query != null && !query.isEmpty()) {
      for (String pair : query.split("&")) {
        int eq = pair.indexOf('=');
        String key = eq < 0 ? pair : pair.substring(0, eq);
        String value = eq < 0 ? "" : pair.substring(eq + 1);
        switch (key) {
          case "role" -> b.executionRoleArn(value);
          case "bucket" -> b.stagingBucket(value);
          case "prefix" -> b.stagingPrefix(value);
          default ->
              throw ServingException.builder(ErrorCategory.INVALID_INPUT)
                  .providerId(ID)
                  .message(
                      "unknown parameter '" + key + "' in " + uri + "; known: role, bucket, prefix")
                  .build();
        }
      }
    }
    return b.build();
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
