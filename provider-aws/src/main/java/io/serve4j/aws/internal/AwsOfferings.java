package io.serve4j.aws.internal;

import io.serve4j.Accelerator;
import io.serve4j.AcceleratorResolution;
import io.serve4j.HardwareOffering;
import io.serve4j.aws.AwsProvider;
import io.serve4j.spi.HardwareOfferings;
import java.util.List;

/**
 * The SageMaker instance types this provider serves on: the rows of {@code offerings.json} next to
 * this class, each naming the page it was read from. Portable accelerators resolve against them in
 * core ({@link HardwareOfferings#resolve}).
 */
public final class AwsOfferings {
  private static final List<HardwareOffering> ROWS =
      HardwareOfferings.load(AwsOfferings.class, "offerings.json");

  private AwsOfferings() {}

  /**
   * Returns every row.
   *
   * @return the rows, in table order
   */
  public static List<HardwareOffering> all() {
    return ROWS;
  }

  /**
   * Resolves a portable accelerator against this provider's rows.
   *
   * @param accelerator the portable spec
   * @return the chosen row and why
   * @throws io.serve4j.UnsupportedCapabilityException if no row fits, listing the alternatives
   */
  public static AcceleratorResolution resolve(Accelerator accelerator) {
    accelerator
        .deviceType()
        .filter(t -> isElasticInference(t.id()))
        .ifPresent(
            t -> {
              throw elasticInferenceRetired(t.id());
            });
    return HardwareOfferings.resolve(AwsProvider.ID, ROWS, accelerator);
  }

  /** {@code eia1.*}, {@code ml.eia2.medium}, {@code elastic-inference}... */
  private static final java.util.regex.Pattern ELASTIC_INFERENCE =
      java.util.regex.Pattern.compile(
          "(?i)(ml[.-])?eia[0-9]?([.-].*)?|(amazon[-_ ]?|aws[-_ ]?|sagemaker[-_ ]?)?elastic[-_ ]?inference.*");

  static boolean isElasticInference(String deviceTypeId) {
    return ELASTIC_INFERENCE.matcher(deviceTypeId).matches();
  }

  /**
   * The error for an Elastic Inference accelerator: AWS stopped onboarding customers on April 15,
   * 2023 and retired the service in April 2024; the catalog's alternatives are named.
   */
  static io.serve4j.ServingException elasticInferenceRetired(String deviceTypeId) {
    List<String> inferentia =
        ROWS.stream()
            .filter(r -> r.kind() == io.serve4j.DeviceKind.INFERENTIA && r.count() == 1)
            .map(HardwareOffering::sku)
            .toList();
    List<String> smallGpus =
        ROWS.stream()
            .filter(
                r ->
                    r.kind() == io.serve4j.DeviceKind.GPU
                        && r.count() == 1
                        && r.vcpus() <= 4
                        && (r.sku().startsWith("ml.g4dn.") || r.sku().startsWith("ml.g5.")))
            .map(r -> r.sku() + " (" + r.deviceType().get().id() + ")")
            .toList();
    return io.serve4j.ServingException.builder(io.serve4j.ErrorCategory.UNSUPPORTED_CAPABILITY)
        .providerId(AwsProvider.ID)
        .message(
            "'"
                + deviceTypeId
                + "' is an Amazon Elastic Inference accelerator, which AWS retired: no new"
                + " customers from April 15, 2023, and the service ended in April 2024"
                + " (https://docs.aws.amazon.com/cli/latest/reference/elastic-inference/index.html,"
                + " https://docs.aws.amazon.com/sagemaker/latest/dg/ei.html). The catalog's"
                + " alternatives: Inferentia2, Accelerator.of(DeviceType.INFERENTIA2, 1) -> "
                + String.join(", ", inferentia)
                + " (needs a Neuron serving image); a small GPU,"
                + " Accelerator.gpu(DeviceType.NVIDIA_T4 or NVIDIA_A10G, 1) -> "
                + String.join(", ", smallGpus)
                + "; or CPU, Accelerator.cpu(vcpus, memoryGiB)")
        .build();
  }
}
