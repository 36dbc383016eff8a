package io.serve4j.batch;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * A {@link BatchListener} that prints progress: a one-line bar redrawn in place on a terminal
 * (records, records/s, ETA, errors), or plain lines at a fixed interval otherwise (logs, CI).
 *
 * <pre>{@code
 * scorer.listener(ProgressPrinter.auto(System.err));
 * }</pre>
 *
 * <p>Thread-safe enough for the scorer, which calls it from one thread.
 */
public final class ProgressPrinter implements BatchListener {
  private static final int BAR_WIDTH = 30;

  private final PrintStream out;
  private final boolean terminal;
  private final long plainIntervalNanos;
  private long lastPrint = Long.MIN_VALUE;
  private boolean drawn;

  private ProgressPrinter(PrintStream out, boolean terminal, Duration plainInterval) {
    this.out = Objects.requireNonNull(out, "out");
    this.terminal = terminal;
    this.plainIntervalNanos = plainInterval.toNanos();
  }

  /**
   * A bar when {@link System#console()} is present, otherwise a plain line every 10 seconds.
   *
   * @param out where to print, usually {@code System.err}
   * @return the printer
   */
  public static ProgressPrinter auto(PrintStream out) {
    return System.console() != null ? terminal(out) : plain(out, Duration.ofSeconds(10));
  }

  /**
   * A bar redrawn in place with a carriage return.
   *
   * @param out where to print
   * @return the printer
   */
  public static ProgressPrinter terminal(PrintStream out) {
    return new ProgressPrinter(out, true, Duration.ofMillis(200));
  }

  /**
   * Plain lines, at most one per interval.
   *
   * @param out where to print
   * @param interval the least time between two lines
   * @return the printer
   */
  public static ProgressPrinter plain(PrintStream out, Duration interval) {
    return new ProgressPrinter(out, false, interval);
  }

  @Override
  public void onStart(BatchProgress start) {
    lastPrint =
        System.nanoTime(); // the first line after one interval, when the rate means something
    if (start.resumedFrom() > 0) {
      out.println(
          "resuming after "
              + start.resumedFrom()
              + " records already done"
              + (start.errors() > 0 ? " (" + start.errors() + " errors)" : ""));
    }
  }

  @Override
  public void onProgress(BatchProgress p) {
    long now = System.nanoTime();
    if (lastPrint != Long.MIN_VALUE && now - lastPrint < plainIntervalNanos) {
      return;
    }
    lastPrint = now;
    if (terminal) {
      out.print("\r" + bar(p) + "\u001b[K");
      out.flush();
      drawn = true;
    } else {
      out.println(line(p));
    }
  }

  @Override
  public void onFinish(BatchResult r) {
    endBar();
    if (r.records() == r.resumedFrom()) {
      out.println(
          "nothing to do: the checkpoint says this job is complete (restart it to score again)");
    }
    out.printf(
        Locale.ROOT,
        "done: %,d records (%,d scored, %,d errors) in %s, %,.0f records/s%n",
        r.records(),
        r.scored(),
        r.errors(),
        format(r.elapsed()),
        r.recordsPerSecond());
    if (r.errors() > 0) {
      out.println("failed records and their reasons: " + r.deadLetter());
    }
  }

  @Override
  public void onFailure(BatchProgress progress, RuntimeException failure) {
    endBar();
    out.println(
        "stopped after "
            + progress.recordsDone()
            + " records; run the same command again to resume from there");
  }

  private void endBar() {
    if (drawn) {
      out.println();
      drawn = false;
    }
  }

  /**
   * Formats the bar, e.g. {@code [#######.......] 45% 45,000/100,000 12,345 rec/s ETA 0:04 errors
   * 3}.
   *
   * @param p the progress
   * @return the line, without a line break
   */
  static String bar(BatchProgress p) {
    StringBuilder sb = new StringBuilder();
    if (p.fraction().isPresent()) {
      double f = p.fraction().get();
      int filled = (int) Math.round(f * BAR_WIDTH);
      sb.append('[')
          .append("#".repeat(filled))
          .append(".".repeat(BAR_WIDTH - filled))
          .append(String.format(Locale.ROOT, "] %3d%% ", (int) Math.floor(f * 100)));
    }
    sb.append(counts(p));
    return sb.toString();
  }

  /**
   * Formats a plain progress line.
   *
   * @param p the progress
   * @return the line
   */
  static String line(BatchProgress p) {
    String pct =
        p.fraction().map(f -> String.format(Locale.ROOT, " (%d%%)", (int) (f * 100))).orElse("");
    return "progress: " + counts(p).replace(" records", " records" + pct);
  }

  private static String counts(BatchProgress p) {
    String total =
        p.totalRecords() >= 0 ? String.format(Locale.ROOT, "/%,d", p.totalRecords()) : "";
    return String.format(
        Locale.ROOT,
        "%,d%s records, %,.0f rec/s, ETA %s, %,d errors",
        p.recordsDone(),
        total,
        p.recordsPerSecond(),
        p.eta().map(ProgressPrinter::format).orElse("?"),
        p.errors());
  }

  static String format(Duration d) {
    long s = d.toSeconds();
    if (s >= 3600) {
      return String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60);
    }
    if (s >= 1 || d.isZero()) {
      return String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
    return d.toMillis() + " ms";
  }
}
