package io.serve4j.examples.streaming;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MemoryStreamingTest {
  @Test
  void readmeStreaming_blocking_yieldsTheChunksInOrder() {
    assertThat(MemoryStreaming.blocking()).containsExactly("Stream", "ing ", "works", ".");
  }

  @Test
  void readmeStreaming_publisher_assemblesTheAnswerOneChunkAtATime() {
    assertThat(MemoryStreaming.publisher()).isEqualTo("Streaming works.");
  }
}
