package io.serve4j.azure.internal;

import io.serve4j.azure.AzureOptions;
import io.serve4j.testkit.Fault;
import io.serve4j.testkit.FaultFixture;
import io.serve4j.testkit.FaultInjectionContract;
import java.time.Duration;
import java.util.EnumSet;

/**
 * The shared fault-injection suite through azure-core's real pipeline and Netty client against
 * {@link FakeAzureMl}, which fails the next scoring calls as told: 429 with {@code Retry-After},
 * 500, 503, the connection reset by the peer, a slow answer, and a 200 whose body is not Open
 * Inference Protocol JSON. The options keep the provider's default retry settings (azure-core
 * retries ARM calls, never scoring calls), so the suite sees whether azure-core's retries multiply
 * core's.
 */
class AzureFaultInjectionTest extends FaultInjectionContract {
  @Override
  protected FaultFixture createFixture() {
    FakeAzureMl fake = new FakeAzureMl(Duration.ofMillis(100));
    AzureOptions options =
        TestSupport.options(
                fake.base(), new TestSupport.StaticCredential(), TestSupport.insecureHttpClient())
            .build();
    return FaultFixture.onFake(
        options,
        fake::injectFaults,
        fake.predictions::get,
        fake::close,
        EnumSet.allOf(Fault.Kind.class),
        fake);
  }
}
