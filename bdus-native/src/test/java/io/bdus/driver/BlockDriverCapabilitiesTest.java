package io.bdus.driver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.bdus.driver.ram.RamDiskDriver;
import java.nio.ByteBuffer;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BlockDriverCapabilitiesTest {

    @Test
    void readOnlyDriverSupportsOnlyRead() {
        BlockDriver driver = (buffer, offset) -> buffer.position(buffer.limit());
        assertThat(driver.supportedOperations()).containsExactly(Operation.READ);
        assertThat(driver.concurrency()).isEqualTo(Concurrency.SERIALIZED);
    }

    @Test
    void overriddenMethodsBecomeCapabilities() {
        assertThat(new RamDiskDriver(1 << 20).supportedOperations()).containsExactlyInAnyOrder(Operation.READ,
                Operation.WRITE, Operation.WRITE_ZEROES, Operation.FLUSH, Operation.DISCARD);
    }

    @Test
    void inheritedOverridesCount() {
        class Base implements BlockDriver {
            @Override
            public void read(ByteBuffer buffer, long offset) {
            }

            @Override
            public int ioctl(int command, ByteBuffer argument) {
                return 0;
            }
        }
        class Derived extends Base {
            @Override
            public void secureErase(long offset, long length) {
            }
        }
        assertThat(new Derived().supportedOperations()).containsExactlyInAnyOrder(Operation.READ, Operation.IOCTL,
                Operation.SECURE_ERASE);
    }

    @Test
    void explicitDeclarationWins() {
        BlockDriver driver = new BlockDriver() {
            @Override
            public void read(ByteBuffer buffer, long offset) {
            }

            @Override
            public Set<Operation> supportedOperations() {
                return EnumSet.of(Operation.READ, Operation.FLUSH);
            }
        };
        assertThat(driver.supportedOperations()).containsExactlyInAnyOrder(Operation.READ, Operation.FLUSH);
    }

    @Test
    void unsupportedDefaultsFailWithEopnotsupp() {
        BlockDriver driver = (buffer, offset) -> {
        };
        assertThatThrownBy(() -> driver.discard(0, 512)).isInstanceOfSatisfying(BlockDriverException.class,
                ex -> assertThat(ex.errno()).isEqualTo(Errno.EOPNOTSUPP));
    }
}
