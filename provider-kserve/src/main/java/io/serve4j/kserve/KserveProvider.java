package io.serve4j.kserve;

import io.serve4j.Capability;
import io.serve4j.ProviderOptions;
import io.serve4j.kserve.internal.KServeErrors;
import io.serve4j.kserve.internal.KServeSession;
import io.serve4j.spi.ErrorMapper;
import io.serve4j.spi.ProviderContext;
import io.serve4j.spi.ProviderSession;
import io.serve4j.spi.ServingProvider;
import java.net.URI;
import java.util.EnumSet;
import java.util.Set;

/**
 * The KServe provider, id {@code kserve}, found by {@link java.util.ServiceLoader}: a model becomes
 * a {@code serving.kserve.io/v1beta1} InferenceService in a namespace of any Kubernetes cluster.
 *
 * <pre>{@code
 * ServingClient kserve = Serve4j.client(URI.create("kserve://aks-prod/models"));
 * Endpoint e = kserve.deploy(EndpointSpec.of("fraud",
 *     Model.builder().name("fraud").format(ModelFormat.ONNX)
 *         .artifact("s3://models/triton-repo").build())).await();
 * }</pre>
 *
 * <p>Capabilities: a canary split between two deployments ({@code canaryTrafficPercent}),
 * autoscaling, NVIDIA GPUs. Not declared, so refused typed by core before any call: shadow traffic,
 * asynchronous inference, batch jobs, streaming, raw payloads, TPUs, Inferentia, multi-model
 * endpoints, dynamic batching.
 */
public final class KserveProvider implements ServingProvider {
  /** The provider id and URI scheme. */
  public static final String ID = "kserve";

  private static final Set<Capability> CAPABILITIES =
      Set.copyOf(EnumSet.of(Capability.TRAFFIC_SPLIT, Capability.AUTOSCALING, Capability.GPU));

  /** Creates the provider; ServiceLoader calls this. Touches nothing. */
  public KserveProvider() {}

  @Override
  public String id() {
    return ID;
  }

  @Override
  public Set<Capability> capabilities() {
    return CAPABILITIES;
  }

  @Override
  public Class<? extends ProviderOptions> optionsType() {
    return KServeOptions.class;
  }

  @Override
  public ProviderOptions defaultOptions() {
    return KServeOptions.fromEnvironment();
  }

  @Override
  public ProviderOptions optionsFrom(URI uri) {
    return KServeOptions.fromUri(uri);
  }

  @Override
  public ErrorMapper errorMapper() {
    return KServeErrors::map;
  }

  @Override
  public ProviderSession open(ProviderOptions options, ProviderContext context) {
    return KServeSession.open((KServeOptions) options, context);
  }
}
