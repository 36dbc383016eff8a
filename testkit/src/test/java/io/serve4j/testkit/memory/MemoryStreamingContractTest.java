package io.serve4j.testkit.memory;

import io.serve4j.testkit.StreamingContract;
import io.serve4j.testkit.StreamingFixture;

class MemoryStreamingContractTest extends StreamingContract {
  @Override
  protected StreamingFixture createFixture() {
    return new MemoryStreamingFixture();
  }
}
