package io.serve4j.batch.internal;

import java.util.ArrayList;
import java.util.List;

/** RFC 4180 CSV: comma separator, double-quote quoting, doubled quotes inside quotes. */
public final class Csv {
  private Csv() {}

  /**
   * Returns whether the text ends inside a quoted field, i.e. the record continues on the next
   * line.
   *
   * @param text the record so far
   * @return true if a quote is open
   */
  static boolean openQuote(CharSequence text) {
    boolean open = false;
    for (int i = 0; i < text.length(); i++) {
      if (text.charAt(i) == '"') {
        open = !open;
      }
    }
    return open;
  }

  /**
   * Splits one record into cells.
   *
   * @param record the record, possibly spanning lines inside quotes
   * @return the cells
   * @throws IllegalArgumentException if the quoting is broken
   */
  public static List<String> parse(String record) {
    List<String> cells = new ArrayList<>();
    StringBuilder cell = new StringBuilder();
    int i = 0;
    int n = record.length();
    while (true) {
      if (i < n && record.charAt(i) == '"') {
        i++;
        while (true) {
          if (i >= n) {
            throw new IllegalArgumentException("has an unterminated quoted field");
          }
          char c = record.charAt(i++);
          if (c == '"') {
            if (i < n && record.charAt(i) == '"') {
              cell.append('"');
              i++;
            } else {
              break;
            }
          } else {
            cell.append(c);
          }
        }
        if (i < n && record.charAt(i) != ',') {
          throw new IllegalArgumentException(
              "has text after a closing quote at column " + (cells.size() + 1));
        }
      } else {
        while (i < n && record.charAt(i) != ',') {
          char c = record.charAt(i++);
          if (c == '"') {
            throw new IllegalArgumentException(
                "has a quote inside an unquoted field at column " + (cells.size() + 1));
          }
          cell.append(c);
        }
      }
      cells.add(cell.toString());
      cell.setLength(0);
      if (i >= n) {
        return cells;
      }
      i++; // the comma
      if (i == n) {
        cells.add("");
        return cells;
      }
    }
  }

  /**
   * Quotes a cell if it needs it.
   *
   * @param cell the value
   * @return the cell as it goes in a CSV line
   */
  public static String quote(String cell) {
    boolean needs = false;
    for (int i = 0; i < cell.length(); i++) {
      char c = cell.charAt(i);
      if (c == ',' || c == '"' || c == '\n' || c == '\r') {
        needs = true;
        break;
      }
    }
    return needs ? '"' + cell.replace("\"", "\"\"") + '"' : cell;
  }
}
