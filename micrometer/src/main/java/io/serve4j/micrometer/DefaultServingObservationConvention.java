package io.serve4j.micrometer;

import io.micrometer.common.KeyValue;
import io.micrometer.common.KeyValues;
import io.serve4j.CallInfo;

/**
 * serve4j's observation names and key values. Low cardinality (metric tags and span attributes):
 * {@code serve4j.provider}, {@code serve4j.operation}, {@code serve4j.endpoint}, {@code
 * serve4j.deployment}, {@code outcome} ({@code success} / {@code error}), {@code error.type} (the
 * error category, OpenTelemetry's general attribute), {@code serve4j.retried}. High cardinality
 * (span attributes only): {@code serve4j.request.id}. The contextual (span) name is {@code
 * "<operation> <endpoint>"}, e.g. {@code "predict fraud"}.
 */
public class DefaultServingObservationConvention implements ServingObservationConvention {
  /** Creates the convention. */
  public DefaultServingObservationConvention() {}

  @Override
  public String getName() {
    return MicrometerServingListener.OBSERVATION;
  }

  @Override
  public String getContextualName(ServingObservationContext context) {
    CallInfo call = context.call();
    String op = MicrometerServingListener.operation(call.operation());
    return call.endpoint().isEmpty() ? op : op + " " + call.endpoint();
  }

  @Override
  public KeyValues getLowCardinalityKeyValues(ServingObservationContext context) {
    CallInfo call = context.call();
    return KeyValues.of(
        KeyValue.of("serve4j.provider", call.providerId()),
        KeyValue.of("serve4j.operation", MicrometerServingListener.operation(call.operation())),
        KeyValue.of(
            "serve4j.endpoint",
            call.endpoint().isEmpty() ? MicrometerServingListener.NONE : call.endpoint()),
        KeyValue.of(
            "serve4j.deployment", context.deployment().orElse(MicrometerServingListener.NONE)),
        KeyValue.of(
            "outcome",
            !context.ended()
                ? "unknown"
                : context.errorCategory().isPresent() ? "error" : "success"),
        KeyValue.of(
            "error.type", MicrometerServingListener.category(context.errorCategory().orElse(null))),
        KeyValue.of("serve4j.retried", Boolean.toString(context.retries() > 0)));
  }

  @Override
  public KeyValues getHighCardinalityKeyValues(ServingObservationContext context) {
    return KeyValues.of(KeyValue.of("serve4j.request.id", context.call().requestId()));
  }
}
