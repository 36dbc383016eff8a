/**
 * The {@code serve4j} command line. {@code io.serve4j.cli} is its embedding API; the commands in
 * {@code io.serve4j.cli.internal} are not exported, only opened to picocli, which reads their
 * annotations and sets their fields.
 */
module io.serve4j.cli {
  requires transitive io.serve4j;
  requires io.serve4j.batch;
  requires io.serve4j.server;
  requires info.picocli;
  requires com.fasterxml.jackson.databind;

  exports io.serve4j.cli;

  opens io.serve4j.cli.internal to
      info.picocli;
}
