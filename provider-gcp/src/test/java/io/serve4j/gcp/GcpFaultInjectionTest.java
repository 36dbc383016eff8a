package io.serve4j.gcp;

import com.google.api.gax.core.NoCredentialsProvider;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.contrib.nio.testing.LocalStorageHelper;
import io.serve4j.testkit.ContractModels;
import io.serve4j.testkit.Fault;
import io.serve4j.testkit.FaultFixture;
import io.serve4j.testkit.FaultInjectionContract;
import java.time.Duration;
import java.util.EnumSet;

/**
 * The shared fault-injection suite through the real Vertex AI clients against {@link FakeVertex},
 * which fails the next Predict / RawPredict calls as told: RESOURCE_EXHAUSTED with a RetryInfo
 * detail, INTERNAL, UNAVAILABLE, a slow answer, a 200 whose body is not Open Inference Protocol
 * JSON, and the in-process transport torn down under the call. The clients keep the SDK settings
 * the provider uses by default, so the suite sees whether gax's retries multiply core's.
 */
class GcpFaultInjectionTest extends FaultInjectionContract {
  @Override
  protected FaultFixture createFixture() {
    FakeVertex vertex = new FakeVertex(Duration.ofMillis(50), 3, ContractModels::reluAnswer);
    Storage storage = LocalStorageHelper.getOptions().getService();
    GcpOptions options =
        GcpOptions.builder()
            .project("test-project")
            .location("us-central1")
            .credentialsProvider(NoCredentialsProvider.create())
            .transportChannelProvider(vertex.channelProvider())
            .storage(storage)
            .stagingBucket("staging")
            .tritonImage(FakeVertex.TRITON_IMAGE)
            .pollInterval(Duration.ofMillis(20))
            .build();
    return FaultFixture.onFake(
        options,
        vertex::injectFaults,
        vertex::predictionsReceived,
        vertex::close,
        EnumSet.allOf(Fault.Kind.class),
        vertex);
  }
}
