package io.serve4j.kserve;

import io.serve4j.testkit.Fault;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;

/**
 * The shared fault-injection suite with predictions over OIP v2 gRPC, the faults injected by {@link
 * FakeOipGrpc}: RESOURCE_EXHAUSTED with a retry-after trailer, INTERNAL, UNAVAILABLE, a slow answer
 * past the gRPC deadline, an answer whose raw contents do not fit its shape. A connection reset is
 * not injected (the front is a gRPC server, not a TCP proxy): those two cases are skipped.
 */
class KServeGrpcFaultInjectionTest extends KServeFaultInjectionTest {
  @Override
  FakeKServe newFake() {
    return FakeKServe.grpc(Duration.ofMillis(50));
  }

  @Override
  Set<Fault.Kind> predictFaults() {
    return EnumSet.complementOf(EnumSet.of(Fault.Kind.CONNECTION_RESET));
  }
}
