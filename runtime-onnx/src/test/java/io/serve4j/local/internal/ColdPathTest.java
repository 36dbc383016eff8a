package io.serve4j.local.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The preloaded names stay true as classes are renamed, moved or made lazy. */
class ColdPathTest {
  @Test
  void everyPreloadedName_isALoadableClass() {
    for (String name : ColdPath.CLASSES) {
      assertThatCode(() -> Class.forName(name, false, ColdPath.class.getClassLoader()))
          .as(name)
          .doesNotThrowAnyException();
    }
    for (String name : ColdPath.JDK_CLASSES) {
      assertThat(name).startsWith("java.");
      assertThatCode(() -> Class.forName(name, false, null)).as(name).doesNotThrowAnyException();
    }
  }

  @Test
  void onlyServe4jAndOnnxRuntimeClasses_areLoadedWithoutInitialising_andNoneTwice() {
    Set<String> seen = new HashSet<>();
    for (List<String> names : List.of(List.of(ColdPath.CLASSES), List.of(ColdPath.JDK_CLASSES))) {
      for (String name : names) {
        assertThat(seen.add(name)).as("listed once: " + name).isTrue();
      }
    }
    assertThat(ColdPath.CLASSES)
        .allMatch(n -> n.startsWith("io.serve4j.") || n.startsWith("ai.onnxruntime."));
  }
}
