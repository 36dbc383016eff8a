package io.serve4j.azure;

import io.serve4j.Capability;
import io.serve4j.ErrorCategory;
import io.serve4j.HardwareOffering;
import io.serve4j.ProviderOptions;
import io.serve4j.ServingException;
import io.serve4j.azure.internal.AzureErrors;
import io.serve4j.azure.internal.AzureOfferings;
import io.serve4j.azure.internal.BatchEndpoints;
import io.serve4j.azure.internal.OnlineEndpoints;
import io.serve4j.azure.internal.Scoring;
import io.serve4j.azure.internal.Workspace;
import io.serve4j.spi.ErrorMapper;
import io.serve4j.spi.ProviderContext;
import io.serve4j.spi.ProviderSession;
import io.serve4j.spi.ServingProvider;
import java.net.URI;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The {@code azure} serving provider: Azure ML managed online endpoints and batch endpoints.
 * Discovery has no side effects; credentials and HTTP clients are created in {@link #open}.
 *
 * <pre>{@code
 * ServingClient azure = Serve4j.client(URI.create("azure://my-subscription/my-rg/my-workspace"));
 * }</pre>
 *
 * <p>Capabilities: traffic split and mirror traffic ({@code traffic} / {@code mirrorTraffic} on the
 * endpoint), autoscaling by Azure Monitor autoscale settings, GPU SKUs from the accelerator
 * catalog, batch jobs on batch endpoints, raw payloads posted as-is to the scoring URI.
 */
public final class AzureProvider implements ServingProvider {
  /** The provider id and URI scheme. */
  public static final String ID = "azure";

  private static final Set<Capability> CAPABILITIES =
      Set.copyOf(
          EnumSet.of(
              Capability.TRAFFIC_SPLIT,
              Capability.SHADOW,
              Capability.AUTOSCALING,
              Capability.GPU,
              Capability.BATCH_JOBS,
              Capability.RAW_PAYLOAD));

  /** Creates the provider; does nothing else. */
  public AzureProvider() {}

  @Override
  public String id() {
    return ID;
  }

  @Override
  public Set<Capability> capabilities() {
    return CAPABILITIES;
  }

  /**
   * Returns the Azure Machine Learning VM SKUs portable accelerators resolve to, each row naming
   * its source.
   *
   * @return the rows
   */
  @Override
  public List<HardwareOffering> offerings() {
    return AzureOfferings.all();
  }

  @Override
  public Class<? extends ProviderOptions> optionsType() {
    return AzureOptions.class;
  }

  /**
   * Options from the environment: {@code AZURE_SUBSCRIPTION_ID}, {@code AZURE_RESOURCE_GROUP} and
   * {@code AZUREML_WORKSPACE_NAME}, with {@code DefaultAzureCredential}.
   *
   * @return the options
   * @throws io.serve4j.InvalidInputException naming the variables that are missing
   */
  @Override
  public ProviderOptions defaultOptions() {
    String sub = System.getenv("AZURE_SUBSCRIPTION_ID");
    String rg = System.getenv("AZURE_RESOURCE_GROUP");
    String ws = System.getenv("AZUREML_WORKSPACE_NAME");
    if (sub == null || rg == null || ws == null) {
      throw ServingException.builder(ErrorCategory.INVALID_INPUT)
          .providerId(ID)
          .message(
              "set AZURE_SUBSCRIPTION_ID, AZURE_RESOURCE_GROUP and AZUREML_WORKSPACE_NAME, use"
                  + " azure://subscription/resource-group/workspace, or pass AzureOptions")
          .build();
    }
    return AzureOptions.builder().subscriptionId(sub).resourceGroup(rg).workspace(ws).build();
  }

  /**
   * Options from {@code azure://subscription/resource-group/workspace}; {@code azure:} alone means
   * {@link #defaultOptions()}.
   *
   * @param uri the URI
   * @return the options
   * @throws io.serve4j.InvalidInputException if the URI has another shape
   */
  @Override
  public ProviderOptions optionsFrom(URI uri) {
    String ssp = uri.getSchemeSpecificPart();
    if (ssp == null || ssp.isEmpty() || ssp.equals("//")) {
      return defaultOptions();
    }
    String host = uri.getAuthority();
    String path = uri.getPath() == null ? "" : uri.getPath();
    String[] parts = path.startsWith("/") ? path.substring(1).split("/") : new String[0];
    if (host == null || host.isBlank() || parts.length != 2 || parts[0].isBlank()) {
      throw ServingException.builder(ErrorCategory.INVALID_INPUT)
          .providerId(ID)
          .message(
              "expected azure://subscription/resource-group/workspace, got "
                  + uri.getScheme()
                  + ":"
                  + ssp)
          .build();
    }
    return AzureOptions.builder()
        .subscriptionId(host)
        .resourceGroup(parts[0])
        .workspace(parts[1])
        .build();
  }

  @Override
  public ErrorMapper errorMapper() {
    return AzureErrors::mapper;
  }

  @Override
  public ProviderSession open(ProviderOptions options, ProviderContext context) {
    Workspace workspace = new Workspace((AzureOptions) options, context);
    return ProviderSession.of(
        new OnlineEndpoints(workspace),
        new Scoring(workspace),
        new BatchEndpoints(workspace),
        null,
        workspace::close);
  }
}
