package io.serve4j.aws;

import io.serve4j.testkit.Fault;
import io.serve4j.testkit.FaultFixture;
import io.serve4j.testkit.FaultInjectionContract;
import java.time.Duration;
import java.util.EnumSet;

/**
 * The shared fault-injection suite through the real SageMaker Runtime async client against {@link
 * FakeAws}, which fails the next InvokeEndpoint calls as told: a 400 {@code ThrottlingException}
 * (with a {@code Retry-After} the suite asks for; SageMaker itself does not document one), a 500
 * {@code InternalFailure}, a 503 {@code ServiceUnavailable}, the connection closed without an
 * answer, a slow answer, and a 200 whose body is not Open Inference Protocol JSON. Each client the
 * suite opens keeps the provider's defaults (its own Netty HTTP client, the SDK's retries off for
 * InvokeEndpoint), so the suite sees whether the SDK's retries multiply core's.
 */
class AwsFaultInjectionTest extends FaultInjectionContract {
  @Override
  protected FaultFixture createFixture() {
    FakeAws fake = new FakeAws().bucket("models").deployTime(Duration.ofMillis(100));
    AwsOptions options = AwsContractTest.options(fake).build();
    return FaultFixture.onFake(
        options,
        fake::injectFaults,
        fake::predictionsReceived,
        fake::close,
        EnumSet.allOf(Fault.Kind.class),
        fake);
  }
}
