package io.serve4j.aws.internal;

import io.serve4j.DeploymentSpec;
import io.serve4j.EndpointSpec;
import io.serve4j.ErrorCategory;
import io.serve4j.Mirror;
import java.util.ArrayList;
import java.util.List;

/**
 * What an endpoint spec becomes on SageMaker: one endpoint config and one model per variant, with
 * generated unique names.
 *
 * @param spec the spec
 * @param configName the endpoint config to create
 * @param role the execution role of the models
 * @param variants the production and shadow variants
 */
record EndpointPlan(
    EndpointSpec spec, String configName, String role, List<EndpointPlan.Variant> variants) {

  /**
   * One production or shadow variant to create.
   *
   * @param deployment the deployment it serves
   * @param variantName the variant's name
   * @param modelName the SageMaker model to create for it
   * @param instanceType the instance type; null for a serverless variant
   * @param image the serving image
   * @param weight the initial weight
   * @param shadow whether it is the shadow variant
   */
  record Variant(
      DeploymentSpec deployment,
      String variantName,
      String modelName,
      String instanceType,
      String image,
      float weight,
      boolean shadow) {}

  /**
   * Plans an endpoint spec, refusing before any call what SageMaker would refuse.
   *
   * @param spec the spec
   * @param models where images and the role come from
   * @return the plan
   */
  static EndpointPlan of(EndpointSpec spec, SageMakerModels models) {
    String role = models.role();
    String suffix = AwsNames.suffix();
    String shadowName = spec.mirror().map(Mirror::deployment).orElse(null);
    long production = spec.deployments().stream().filter(d -> !d.name().equals(shadowName)).count();
    if (shadowName != null && production != 1) {
      throw AwsErrors.clientError(
          ErrorCategory.INVALID_INPUT,
          "SageMaker shadow testing needs exactly one production variant beside the shadow;"
              + " endpoint '"
              + spec.name()
              + "' has "
              + production);
    }
    spec.asyncInference().ifPresent(a -> AsyncInferenceConfigs.check(spec, a));
    ServerlessConfigs.check(spec, models.options());
    List<Variant> variants = new ArrayList<>();
    for (DeploymentSpec d : spec.deployments()) {
      boolean shadow = d.name().equals(shadowName);
      // A serverless variant has no instance type.
      String instanceType =
          d.scaling().isServerless() ? null : AwsOfferings.resolve(d.accelerator()).sku();
      String image = models.image(d.model(), d.accelerator());
      if (d.model().multiModel()) {
        MultiModels.check(d, image);
      }
      float weight =
          shadow ? spec.mirror().get().percent() : spec.traffic().getOrDefault(d.name(), 0);
      variants.add(
          new Variant(
              d,
              d.name(),
              AwsNames.trim(spec.name(), 30)
                  + "-"
                  + AwsNames.trim(AwsNames.safe(d.name()), 20)
                  + "-"
                  + suffix,
              instanceType,
              image,
              weight,
              shadow));
    }
    return new EndpointPlan(spec, AwsNames.trim(spec.name(), 50) + "-" + suffix, role, variants);
  }
}
