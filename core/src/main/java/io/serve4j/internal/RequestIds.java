package io.serve4j.internal;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * serve4j's one request-id scheme: every call and every long-running operation gets an id here
 * (unless the caller gave one with {@link io.serve4j.InferenceRequest.Builder#id}): a random
 * version-4 UUID in its canonical 36-character form, made without {@link UUID#randomUUID()}'s
 * shared SecureRandom lock, which profiling showed to be the main point of contention on the
 * prediction hot path. The same id reaches the provider ({@link io.serve4j.spi.CallContext}), the
 * listeners ({@link io.serve4j.CallInfo}) and the error ({@link
 * io.serve4j.ServingException#requestId()}, unless the service named its own). Request ids identify
 * calls; they are not secrets.
 */
public final class RequestIds {
  private RequestIds() {}

  /**
   * Returns a new request id.
   *
   * @return a random version-4 UUID string
   */
  public static String next() {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    long msb = (r.nextLong() & 0xffffffffffff0fffL) | 0x0000000000004000L;
    long lsb = (r.nextLong() & 0x3fffffffffffffffL) | 0x8000000000000000L;
    return new UUID(msb, lsb).toString();
  }
}
