package io.serve4j.batch.internal;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.serve4j.batch.RecordFormat;
import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.zip.GZIPInputStream;

/**
 * Reads records from a list of files, in order. Blank lines are not records. In CSV the first
 * record of each file is its header. Not thread-safe.
 */
public final class RecordReader implements AutoCloseable {
  // Numbers with FastDoubleParser: the same doubles as Double.parseDouble (both round correctly),
  // at a fraction of the cost, which dominates reading numeric records.
  private static final ObjectMapper JSON =
      JsonMapper.builder().enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER).build();

  private final List<Path> files;
  private final RecordFormat forced;
  private int fileIndex = -1;
  private BufferedReader reader;
  private RecordFormat format;
  private long line;
  private long recordLine;
  private Map<String, Integer> header;

  /**
   * Creates a reader.
   *
   * @param files the files, in order
   * @param format the format of every file, or null to guess each from its name
   */
  public RecordReader(List<Path> files, RecordFormat format) {
    this.files = List.copyOf(files);
    this.forced = format;
  }

  /**
   * Reads the next record.
   *
   * @return the record, or null at the end of the last file
   * @throws UncheckedIOException if a file cannot be read
   * @throws io.serve4j.InvalidInputException if a file's format is unknown or a CSV has no header
   */
  public SourceRecord next() {
    String text = nextText();
    return text == null ? null : parse(text);
  }

  /**
   * Returns whether the record last read by {@link #nextText} is a JSON Lines record.
   *
   * @return true for JSON Lines, false for CSV
   */
  public boolean jsonLines() {
    return format == RecordFormat.JSONL;
  }

  /**
   * Returns the file of the record last read.
   *
   * @return the file
   */
  public Path file() {
    return files.get(fileIndex);
  }

  /**
   * Returns the 1-based line where the record last read starts.
   *
   * @return the line
   */
  public long line() {
    return recordLine;
  }

  /**
   * Parses the text {@link #nextText} returned last (before reading on: a CSV record needs its
   * file's header).
   *
   * @param text the text
   * @return the record
   */
  public SourceRecord parse(String text) {
    if (format == RecordFormat.JSONL) {
      return parseJson(recordLine, text);
    }
    List<String> cells;
    String error = null;
    try {
      cells = Csv.parse(text);
    } catch (IllegalArgumentException e) {
      cells = null;
      error = e.getMessage();
    }
    if (cells != null && cells.size() != header.size()) {
      error = "has " + cells.size() + " columns, the header has " + header.size();
      cells = null;
    }
    return new SourceRecord(files.get(fileIndex), recordLine, text, null, header, cells, error);
  }

  /**
   * Skips records without parsing them.
   *
   * @param count how many
   * @return how many were skipped (fewer at the end of the input)
   */
  public long skip(long count) {
    long n = 0;
    while (n < count && nextText() != null) {
      n++;
    }
    return n;
  }

  /**
   * Counts the records of files without parsing them.
   *
   * @param files the files
   * @param format the format, or null to guess from names
   * @return the number of records
   */
  public static long count(List<Path> files, RecordFormat format) {
    long n = 0;
    for (Path f : files) {
      RecordFormat ff = format != null ? format : RecordFormat.fromFileName(f).orElse(null);
      if (ff == RecordFormat.JSONL) {
        try (InputStream in = open(f)) {
          n += countJsonLines(in);
        } catch (IOException e) {
          throw new UncheckedIOException("cannot read " + f, e);
        }
      } else {
        // CSV (a quoted cell may span lines) and unknown formats (fails as reading would)
        try (RecordReader r = new RecordReader(List.of(f), format)) {
          n += r.skip(Long.MAX_VALUE);
        }
      }
    }
    return n;
  }

  /**
   * Counts the records of a JSON Lines stream as {@link #next} reads them (the lines that are not
   * blank; a line ends at {@code \n}, {@code \r} or both), on its bytes: no decoding into strings,
   * which cost as much as a second reading of the job's input. A line of only whitespace and
   * non-ASCII bytes is decoded to tell whether it is blank (Unicode spaces), as the reader does.
   */
  static long countJsonLines(InputStream in) throws IOException {
    byte[] buf = new byte[1 << 16];
    long count = 0;
    boolean content = false; // the current line has a character that is not whitespace
    ByteArrayOutputStream undecided = null; // the line from its first non-ASCII byte, if undecided
    int r;
    while ((r = in.read(buf)) > 0) {
      int i = 0;
      while (i < r) {
        if (content) {
          // the line is a record: only its end matters (the common case), 8 bytes at a time
          while (i + 8 <= r && !hasLineEnd((long) LONGS.get(buf, i))) {
            i += 8;
          }
          while (i < r && buf[i] != '\n' && buf[i] != '\r') {
            i++;
          }
          if (i < r) {
            count++;
            content = false;
            i++;
          }
          continue;
        }
        int b = buf[i++];
        if (b == '\n' || b == '\r') {
          if (undecided != null && !blank(undecided)) {
            count++;
          }
          undecided = null;
        } else if (b >= 0 && !Character.isWhitespace(b)) {
          content = true;
          undecided = null;
        } else if (b < 0 || undecided != null) {
          // from the first non-ASCII byte on, every byte: decoded as the reader would
          if (undecided == null) {
            undecided = new ByteArrayOutputStream();
          }
          undecided.write(b);
        }
      }
    }
    if (content || (undecided != null && !blank(undecided))) {
      count++;
    }
    return count;
  }

  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long ONES = 0x0101010101010101L;
  private static final long HIGHS = 0x8080808080808080L;

  /** Whether one of the word's 8 bytes is {@code \n} or {@code \r} (a zero byte after XOR). */
  private static boolean hasLineEnd(long word) {
    long n = word ^ ('\n' * ONES);
    long r = word ^ ('\r' * ONES);
    return ((((n - ONES) & ~n) | ((r - ONES) & ~r)) & HIGHS) != 0;
  }

  private static boolean blank(ByteArrayOutputStream nonAscii) {
    return nonAscii.toString(StandardCharsets.UTF_8).isBlank();
  }

  /**
   * Checks that every CSV file's header has the given columns, reading only the headers, so that a
   * misnamed column fails the job before any record is sent instead of failing every record.
   *
   * @param files the files (JSON Lines files are skipped: their fields can differ per record)
   * @param format the format of every file, or null to guess each from its name
   * @param columns the columns the job reads
   * @throws io.serve4j.InvalidInputException naming the file, the missing columns and the header
   * @throws UncheckedIOException if a file cannot be read
   */
  public static void checkColumns(
      List<Path> files, RecordFormat format, Collection<String> columns) {
    for (Path f : files) {
      try (RecordReader r = new RecordReader(List.of(f), format)) {
        if (!r.openNext() || r.format != RecordFormat.CSV) {
          continue;
        }
        r.nextText(); // reads the header (and one record, if any)
        if (r.header == null) {
          continue; // an empty file has no records to fail
        }
        List<String> missing = columns.stream().filter(c -> !r.header.containsKey(c)).toList();
        if (!missing.isEmpty()) {
          List<String> have = new ArrayList<>(r.header.keySet());
          have.sort(java.util.Comparator.comparing(r.header::get));
          throw Errors.invalid(
              "the CSV file "
                  + f
                  + " has no column "
                  + missing.stream().map(c -> "'" + c + "'").collect(Collectors.joining(", "))
                  + "; its header has "
                  + have
                  + ". Fix --map / --id-field or the file's header");
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + f, e);
      }
    }
  }

  /**
   * Reads the text of the next record without parsing it (blank lines skipped, CSV headers
   * consumed); {@link #parse} makes the record of it.
   *
   * @return the text, or null at the end of the last file
   * @throws UncheckedIOException if a file cannot be read
   * @throws io.serve4j.InvalidInputException if a file's format is unknown or a CSV has no header
   */
  public String nextText() {
    try {
      while (true) {
        if (reader == null && !openNext()) {
          return null;
        }
        String text = reader.readLine();
        if (text == null) {
          reader.close();
          reader = null;
          continue;
        }
        line++;
        recordLine = line;
        if (text.isBlank()) {
          continue;
        }
        if (format == RecordFormat.JSONL) {
          return text;
        }
        // CSV: a quoted field may span lines.
        StringBuilder sb = new StringBuilder(text);
        while (Csv.openQuote(sb)) {
          String more = reader.readLine();
          if (more == null) {
            break;
          }
          line++;
          sb.append('\n').append(more);
        }
        String full = sb.toString();
        if (header == null) {
          List<String> cells;
          try {
            cells = Csv.parse(full);
          } catch (IllegalArgumentException e) {
            throw Errors.invalid(
                "cannot read the CSV header of " + files.get(fileIndex) + ": " + e.getMessage());
          }
          header = new HashMap<>();
          for (int i = 0; i < cells.size(); i++) {
            header.putIfAbsent(cells.get(i).trim(), i);
          }
          continue;
        }
        return full;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + files.get(fileIndex), e);
    }
  }

  private SourceRecord parseJson(long start, String text) {
    Path file = files.get(fileIndex);
    try {
      JsonNode n = JSON.readTree(text);
      if (n == null || !n.isObject()) {
        return new SourceRecord(file, start, text, null, null, null, "is not a JSON object");
      }
      return new SourceRecord(file, start, text, n, null, null, null);
    } catch (IOException e) {
      String msg = e.getMessage();
      int nl = msg == null ? -1 : msg.indexOf('\n');
      return new SourceRecord(
          file,
          start,
          text,
          null,
          null,
          null,
          "is not valid JSON: " + (nl < 0 ? msg : msg.substring(0, nl)));
    }
  }

  private boolean openNext() throws IOException {
    if (fileIndex + 1 >= files.size()) {
      return false;
    }
    fileIndex++;
    Path f = files.get(fileIndex);
    format = forced != null ? forced : RecordFormat.fromFileName(f).orElse(null);
    if (format == null) {
      throw Errors.invalid(
          "cannot tell the format of "
              + f
              + " from its name; name it .jsonl or .csv (optionally .gz) or give the format");
    }
    line = 0;
    header = null;
    reader = new BufferedReader(new InputStreamReader(open(f), StandardCharsets.UTF_8), 1 << 16);
    return true;
  }

  private static InputStream open(Path f) throws IOException {
    InputStream in = new BufferedInputStream(Files.newInputStream(f), 1 << 16);
    in.mark(2);
    int b1 = in.read();
    int b2 = in.read();
    in.reset();
    if (b1 == 0x1f && b2 == 0x8b) {
      in = new BufferedInputStream(new GZIPInputStream(in, 1 << 16), 1 << 16);
    }
    return skipByteOrderMark(in);
  }

  /** Skips a UTF-8 byte-order mark (EF BB BF), which editors on Windows put first. */
  private static InputStream skipByteOrderMark(InputStream in) throws IOException {
    in.mark(3);
    if (in.read() != 0xEF || in.read() != 0xBB || in.read() != 0xBF) {
      in.reset();
    }
    return in;
  }

  @Override
  public void close() {
    if (reader != null) {
      try {
        reader.close();
      } catch (IOException e) {
        // reading only; nothing to lose
      }
      reader = null;
    }
  }
}
