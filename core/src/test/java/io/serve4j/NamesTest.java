package io.serve4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The hand-written name and digest checks accept exactly what the regular expressions did. */
class NamesTest {
  private static final String ALPHABET = "aZ09-._ /é:AzZ9\u0660";

  @Test
  void isName_agreesWithTheRegularExpressions_onEdgeCasesAndRandomStrings() {
    List<String> cases = new ArrayList<>(List.of("", "a", "-a", "a-", ".a", "a.b", "_", "9", "é"));
    cases.add("a".repeat(32));
    cases.add("a".repeat(33));
    cases.add("a".repeat(63));
    cases.add("a".repeat(64));
    Random r = new Random(42);
    for (int i = 0; i < 20_000; i++) {
      StringBuilder b = new StringBuilder();
      int n = r.nextInt(70);
      for (int j = 0; j < n; j++) {
        b.append(ALPHABET.charAt(r.nextInt(ALPHABET.length())));
      }
      cases.add(b.toString());
    }
    Pattern endpoint = Pattern.compile("[A-Za-z0-9][A-Za-z0-9-]{0,62}");
    Pattern deployment = Pattern.compile("[A-Za-z0-9][A-Za-z0-9-]{0,31}");
    Pattern model = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");
    for (String s : cases) {
      assertThat(Names.isName(s, 63, "-")).as(s).isEqualTo(endpoint.matcher(s).matches());
      assertThat(Names.isName(s, 32, "-")).as(s).isEqualTo(deployment.matcher(s).matches());
      assertThat(Names.isName(s, 63, "._-")).as(s).isEqualTo(model.matcher(s).matches());
    }
  }

  @Test
  void isSha256Hex_agreesWithTheRegularExpression() {
    Pattern sha = Pattern.compile("[0-9a-f]{64}");
    String hex = "0123456789abcdef".repeat(4);
    List<String> cases =
        List.of(hex, hex.substring(1), hex + "0", hex.replace('a', 'g'), hex.toUpperCase(), "");
    for (String s : cases) {
      assertThat(Names.isSha256Hex(s)).as(s).isEqualTo(sha.matcher(s).matches());
    }
    Random r = new Random(1);
    for (int i = 0; i < 5_000; i++) {
      char[] c = hex.toCharArray();
      c[r.nextInt(64)] = (char) ('0' + r.nextInt(80));
      String s = new String(c);
      assertThat(Names.isSha256Hex(s)).as(s).isEqualTo(sha.matcher(s).matches());
    }
  }
}
