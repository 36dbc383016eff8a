package io.serve4j.micrometer;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;

/**
 * Names and key values of serve4j's call observations; see {@link
 * DefaultServingObservationConvention}.
 */
public interface ServingObservationConvention
    extends ObservationConvention<ServingObservationContext> {
  @Override
  default boolean supportsContext(Observation.Context context) {
    return context instanceof ServingObservationContext;
  }
}
