package io.serve4j.batch;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/** The record formats the batch scorer reads and writes. Either may be gzip-compressed on input. */
public enum RecordFormat {
  /** JSON Lines: one JSON object per line ({@code .jsonl}, {@code .ndjson}, {@code .json}). */
  JSONL,
  /** Comma-separated values with a header row, RFC 4180 quoting ({@code .csv}). */
  CSV;

  /**
   * Guesses the format from a file name, ignoring a trailing {@code .gz}.
   *
   * @param file the file
   * @return the format, or empty if the extension is not known
   */
  public static Optional<RecordFormat> fromFileName(Path file) {
    String name = file.getFileName() == null ? "" : file.getFileName().toString();
    name = name.toLowerCase(Locale.ROOT);
    if (name.endsWith(".gz")) {
      name = name.substring(0, name.length() - 3);
    }
    if (name.endsWith(".jsonl") || name.endsWith(".ndjson") || name.endsWith(".json")) {
      return Optional.of(JSONL);
    }
    if (name.endsWith(".csv")) {
      return Optional.of(CSV);
    }
    return Optional.empty();
  }
}
