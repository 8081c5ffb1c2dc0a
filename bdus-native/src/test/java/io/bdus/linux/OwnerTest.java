package io.bdus.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OwnerTest {

    @TempDir
    Path dir;

    @Test
    void parsesNamesAndNumbers() throws Exception {
        Path passwd = Files.writeString(this.dir.resolve("passwd"),
                "root:x:0:0:root:/root:/bin/sh\nbdus:x:1200:1300::/nonexistent:/usr/sbin/nologin\n");
        Path group = Files.writeString(this.dir.resolve("group"), "root:x:0:\ndisk:x:6:\nbdus:x:1300:\n");
        assertThat(Owner.parse("bdus", passwd, group)).isEqualTo(new Owner(1200, 1300));
        assertThat(Owner.parse("bdus:disk", passwd, group)).isEqualTo(new Owner(1200, 6));
        assertThat(Owner.parse("1200", passwd, group)).isEqualTo(new Owner(1200, 1300));
        assertThat(Owner.parse("4242", passwd, group)).isEqualTo(new Owner(4242, 4242));
        assertThat(Owner.parse("4242:7", passwd, group)).isEqualTo(new Owner(4242, 7));
        assertThatIllegalArgumentException().isThrownBy(() -> Owner.parse("nobody-here", passwd, group))
            .withMessageContaining("no user 'nobody-here'");
        assertThatIllegalArgumentException().isThrownBy(() -> Owner.parse("bdus:nogroup", passwd, group))
            .withMessageContaining("no group 'nogroup'");
        assertThatIllegalArgumentException().isThrownBy(() -> Owner.parse("bdus:", passwd, group));
    }
}
