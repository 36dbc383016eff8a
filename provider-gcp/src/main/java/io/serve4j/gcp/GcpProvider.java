package io.serve4j.gcp;

import io.serve4j.Capability;
import io.serve4j.HardwareOffering;
import io.serve4j.ProviderOptions;
import io.serve4j.gcp.internal.GcpErrors;
import io.serve4j.gcp.internal.GcpOfferings;
import io.serve4j.gcp.internal.VertexParts;
import io.serve4j.spi.ErrorMapper;
import io.serve4j.spi.ProviderContext;
import io.serve4j.spi.ProviderSession;
import io.serve4j.spi.ServingProvider;
import java.net.URI;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The Vertex AI provider, id {@code gcp}, found by {@link java.util.ServiceLoader}.
 *
 * <pre>{@code
 * ServingClient vertex = Serve4j.client(URI.create("gcp://my-project/us-central1?bucket=my-models"));
 * }</pre>
 *
 * <p>Capabilities: traffic split, autoscaling, NVIDIA GPUs, TPU v5e, batch prediction jobs, raw
 * payloads and Triton dynamic batching. Vertex AI has no shadow traffic, so {@code SHADOW} is not
 * declared and core refuses a mirror with {@code UnsupportedCapabilityException} before any call;
 * nor asynchronous inference. Streaming predictions go through {@code StreamRawPredict} (a gRPC
 * server stream, the caller's demand carried by gRPC flow control).
 */
public final class GcpProvider implements ServingProvider {
  /** The provider id and URI scheme. */
  public static final String ID = "gcp";

  private static final Set<Capability> CAPABILITIES =
      Set.copyOf(
          EnumSet.of(
              Capability.TRAFFIC_SPLIT,
              Capability.AUTOSCALING,
              Capability.GPU,
              Capability.TPU,
              Capability.BATCH_JOBS,
              Capability.RAW_PAYLOAD,
              Capability.DYNAMIC_BATCHING,
              Capability.STREAMING));

  /** Creates the provider; ServiceLoader calls this. Touches nothing. */
  public GcpProvider() {}

  @Override
  public String id() {
    return GcpProvider.ID;
  }

  @Override
  public Set<Capability> capabilities() {
    return CAPABILITIES;
  }

  /**
   * Returns the Vertex AI machine types and accelerators portable accelerators resolve to, each row
   * naming its source.
   *
   * @return the rows
   */
  @Override
  public List<HardwareOffering> offerings() {
    return GcpOfferings.all();
  }

  @Override
  public Class<? extends ProviderOptions> optionsType() {
    return GcpOptions.class;
  }

  @Override
  public ProviderOptions defaultOptions() {
    return GcpOptions.fromEnvironment();
  }

  @Override
  public ProviderOptions optionsFrom(URI uri) {
    return GcpOptions.fromUri(uri);
  }

  /**
   * Returns true: core reads the signature of a local ONNX file before deploy, so that requests are
   * validated before sending and the Triton configuration staged beside the model lists the
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
    return GcpErrors::mapper;
  }

  @Override
  public ProviderSession open(ProviderOptions options, ProviderContext context) {
    VertexParts parts = VertexParts.open((GcpOptions) options, context);
    return ProviderSession.of(
            parts.lifecycle(), parts.inference(), parts.batchJobs(), null, parts::close)
        .withStreaming(parts.streaming());
  }
}
