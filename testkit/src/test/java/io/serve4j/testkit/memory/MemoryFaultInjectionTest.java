package io.serve4j.testkit.memory;

import io.serve4j.testkit.FaultFixture;
import io.serve4j.testkit.FaultInjectionContract;

class MemoryFaultInjectionTest extends FaultInjectionContract {
  @Override
  protected FaultFixture createFixture() {
    return new MemoryFaultFixture();
  }
}
