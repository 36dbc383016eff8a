package io.serve4j.internal;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Random version-4 request ids without {@link UUID#randomUUID()}'s shared SecureRandom lock, which
 * profiling showed to be the main point of contention on the prediction hot path. Request ids
 * identify calls; they are not secrets.
 */
final class RequestIds {
  private RequestIds() {}

  static String next() {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    long msb = (r.nextLong() & 0xffffffffffff0fffL) | 0x0000000000004000L;
    long lsb = (r.nextLong() & 0x3fffffffffffffffL) | 0x8000000000000000L;
    return new UUID(msb, lsb).toString();
  }
}
