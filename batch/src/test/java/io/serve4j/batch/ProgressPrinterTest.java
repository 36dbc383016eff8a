package io.serve4j.batch;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ProgressPrinterTest {
  @Test
  void bar_showsFractionRecordsRateEtaAndErrors() {
    BatchProgress p = new BatchProgress(500, 1000, 3, 0, Duration.ofSeconds(5));
    assertThat(ProgressPrinter.bar(p))
        .isEqualTo(
            "[###############...............]  50% 500/1,000 records, 100 rec/s, ETA 0:05,"
                + " 3 errors");
  }

  @Test
  void line_withoutTotal_omitsPercentAndEta() {
    BatchProgress p = new BatchProgress(10, -1, 0, 0, Duration.ofSeconds(1));
    assertThat(ProgressPrinter.line(p))
        .isEqualTo("progress: 10 records, 10 rec/s, ETA ?, 0 errors");
  }

  @Test
  void terminal_redrawsInPlace_andEndsTheLineOnFinish() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    ProgressPrinter t = ProgressPrinter.terminal(new PrintStream(bytes, true));
    t.onProgress(new BatchProgress(1, 2, 0, 0, Duration.ofSeconds(1)));
    t.onFinish(new BatchResult(2, 2, 0, 0, Duration.ofSeconds(2), Path.of("o"), Path.of("d")));
    String s = bytes.toString(StandardCharsets.UTF_8);
    assertThat(s).startsWith("\r[").contains("\n" + "done: 2 records");
  }

  @Test
  void progress_ratesCountOnlyThisRunAfterAResume() {
    BatchProgress p = new BatchProgress(900, 1000, 0, 800, Duration.ofSeconds(1));
    assertThat(p.recordsPerSecond()).isEqualTo(100.0);
    assertThat(p.eta()).contains(Duration.ofSeconds(1));
    assertThat(p.fraction()).contains(0.9);
  }
}
