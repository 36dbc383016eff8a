package io.serve4j;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.concurrent.Flow;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The blocking form of a streaming prediction: iterate the chunks as they arrive, and close the
 * stream to stop it early.
 *
 * <pre>{@code
 * try (ResponseStream chunks = endpoint.stream(InferenceRequest.of(Payload.ofText(prompt, "application/json")))) {
 *   for (InferenceResponse chunk : chunks) {
 *     System.out.print(chunk.payload().orElseThrow().asText());
 *   }
 * }
 * }</pre>
 *
 * <p>At most {@code prefetch} chunks (default 16) are buffered ahead of the reader: a slow reader
 * slows the provider's stream rather than filling memory. {@link #hasNext()} blocks until a chunk
 * arrives or the stream ends; it throws the stream's error, typed ({@link TimeoutException} when
 * the call's deadline passes mid-stream). Closing before the end cancels the provider's stream.
 * Iterate from one thread at a time; {@link #close()} may be called from any thread.
 */
public final class ResponseStream
    implements Iterator<InferenceResponse>, Iterable<InferenceResponse>, AutoCloseable {
  private static final int DEFAULT_PREFETCH = 16;

  private final int prefetch;
  private final int refill;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final ArrayDeque<InferenceResponse> buffer = new ArrayDeque<>();
  private Flow.Subscription subscription;
  private boolean done;
  private boolean closed;
  private Throwable error;
  private int consumedSinceRequest;

  private ResponseStream(int prefetch) {
    this.prefetch = prefetch;
    this.refill = Math.max(1, prefetch / 2);
  }

  /**
   * Subscribes to a publisher of chunks and returns its blocking form.
   *
   * @param chunks the publisher, e.g. {@link Endpoint#streamAsync(InferenceRequest)}
   * @return the stream
   */
  public static ResponseStream of(Flow.Publisher<InferenceResponse> chunks) {
    return of(chunks, DEFAULT_PREFETCH);
  }

  /**
   * Subscribes to a publisher of chunks with a given read-ahead.
   *
   * @param chunks the publisher
   * @param prefetch how many chunks to buffer ahead of the reader, at least 1
   * @return the stream
   */
  public static ResponseStream of(Flow.Publisher<InferenceResponse> chunks, int prefetch) {
    Objects.requireNonNull(chunks, "chunks");
    if (prefetch < 1) {
      throw new IllegalArgumentException("prefetch must be at least 1, got " + prefetch);
    }
    ResponseStream stream = new ResponseStream(prefetch);
    chunks.subscribe(stream.new Receiver());
    return stream;
  }

  @Override
  public Iterator<InferenceResponse> iterator() {
    return this;
  }

  /**
   * Waits for the next chunk or the end of the stream.
   *
   * @return whether a chunk is available
   * @throws ServingException the stream's error, typed
   */
  @Override
  public boolean hasNext() {
    lock.lock();
    try {
      while (buffer.isEmpty() && !done && !closed) {
        changed.awaitUninterruptibly();
      }
      if (!buffer.isEmpty()) {
        return true;
      }
      if (error != null && !closed) {
        throw rethrow(error);
      }
      return false;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Returns the next chunk, waiting for it.
   *
   * @return the chunk
   * @throws NoSuchElementException at the end of the stream
   * @throws ServingException the stream's error, typed
   */
  @Override
  public InferenceResponse next() {
    if (!hasNext()) {
      throw new NoSuchElementException("the stream has ended");
    }
    InferenceResponse chunk;
    Flow.Subscription s = null;
    int ask = 0;
    lock.lock();
    try {
      chunk = buffer.poll();
      if (++consumedSinceRequest >= refill && !done) {
        s = subscription;
        ask = consumedSinceRequest;
        consumedSinceRequest = 0;
      }
    } finally {
      lock.unlock();
    }
    if (s != null) {
      s.request(ask);
    }
    return chunk;
  }

  /** Stops the stream: the provider's stream is cancelled and buffered chunks are dropped. */
  @Override
  public void close() {
    Flow.Subscription s;
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      buffer.clear();
      s = done ? null : subscription;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    if (s != null) {
      s.cancel();
    }
  }

  private static RuntimeException rethrow(Throwable error) {
    if (error instanceof ServingException se) {
      // A fresh exception with the reader's stack trace, keeping the stream's as the cause.
      return se.toBuilder().cause(se).build();
    }
    if (error instanceof RuntimeException re) {
      return re;
    }
    return ServingException.builder(ErrorCategory.INTERNAL)
        .message("the stream failed: " + error)
        .cause(error)
        .build();
  }

  @Override
  public String toString() {
    lock.lock();
    try {
      return "ResponseStream[buffered="
          + buffer.size()
          + ", done="
          + done
          + ", closed="
          + closed
          + "]";
    } finally {
      lock.unlock();
    }
  }

  private final class Receiver implements Flow.Subscriber<InferenceResponse> {
    @Override
    public void onSubscribe(Flow.Subscription s) {
      boolean cancel;
      lock.lock();
      try {
        cancel = subscription != null || closed;
        if (!cancel) {
          subscription = s;
        }
      } finally {
        lock.unlock();
      }
      if (cancel) {
        s.cancel();
      } else {
        s.request(prefetch);
      }
    }

    @Override
    public void onNext(InferenceResponse chunk) {
      lock.lock();
      try {
        if (!closed) {
          buffer.add(chunk);
          changed.signalAll();
        }
      } finally {
        lock.unlock();
      }
    }

    @Override
    public void onError(Throwable t) {
      lock.lock();
      try {
        error = t;
        done = true;
        changed.signalAll();
      } finally {
        lock.unlock();
      }
    }

    @Override
    public void onComplete() {
      lock.lock();
      try {
        done = true;
        changed.signalAll();
      } finally {
        lock.unlock();
      }
    }
  }
}
