package io.serve4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ServingExceptionTest {
  @Test
  void hierarchy_isSealed_oneFinalSubclassPerCategory() {
    assertThat(ServingException.class.isSealed()).isTrue();
    assertThat(Modifier.isAbstract(ServingException.class.getModifiers())).isTrue();
    Set<Class<?>> built = new HashSet<>();
    for (ErrorCategory c : ErrorCategory.values()) {
      ServingException e = ServingException.builder(c).build();
      assertThat(e.category()).isEqualTo(c);
      if (c == ErrorCategory.CONFLICT) {
        // The one category a module may refine (batch's JobLockedException): non-sealed.
        assertThat(e.getClass().isSealed()).isFalse();
        assertThat(Modifier.isFinal(e.getClass().getModifiers())).as(c.name()).isFalse();
      } else {
        assertThat(Modifier.isFinal(e.getClass().getModifiers())).as(c.name()).isTrue();
      }
      built.add(e.getClass());
    }
    assertThat(built).hasSize(ErrorCategory.values().length);
    assertThat(new HashSet<>(Arrays.asList(ServingException.class.getPermittedSubclasses())))
        .isEqualTo(built);
  }

  @Test
  void constructors_areNotReachableOutsideTheBuilder() {
    assertThat(ServingException.class.getDeclaredConstructors())
        .allMatch(
            c -> !Modifier.isPublic(c.getModifiers()) && !Modifier.isProtected(c.getModifiers()));
    for (Class<?> sub : ServingException.class.getPermittedSubclasses()) {
      if (sub == ConflictException.class) {
        // Refinable: subclasses outside core need its constructor; it still takes a builder.
        assertThat(sub.getDeclaredConstructors())
            .allMatch(c -> !Modifier.isPublic(c.getModifiers()))
            .allMatch(
                c ->
                    c.getParameterTypes().length == 1
                        && c.getParameterTypes()[0] == ServingException.Builder.class);
        continue;
      }
      assertThat(sub.getDeclaredConstructors())
          .as(sub.getSimpleName())
          .allMatch(
              c -> !Modifier.isPublic(c.getModifiers()) && !Modifier.isProtected(c.getModifiers()));
    }
  }

  @Test
  void toBuilder_keepsTheCategorysSubclassAndFields() {
    ServingException e =
        ServingException.builder(ErrorCategory.THROTTLED)
            .fromService()
            .providerId("aws")
            .requestId("r-1")
            .statusCode(429)
            .message("slow down")
            .build();
    ServingException copy = e.toBuilder().providerId("gcp").build();
    assertThat(copy).isInstanceOf(ThrottledException.class).hasMessage("slow down");
    assertThat(copy.providerId()).contains("gcp");
    assertThat(copy.requestId()).contains("r-1");
    assertThat(copy.statusCode()).hasValue(429);
    assertThat(copy.origin()).isEqualTo(ServingException.Origin.SERVICE);
  }
}
