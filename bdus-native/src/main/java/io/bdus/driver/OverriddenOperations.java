package io.bdus.driver;

import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.util.EnumSet;
import java.util.Set;

/** Detects overridden default methods; cached per driver class. */
final class OverriddenOperations {

    private static final ClassValue<Set<Operation>> CACHE = new ClassValue<>() {
        @Override
        protected Set<Operation> computeValue(Class<?> type) {
            Set<Operation> supported = EnumSet.of(Operation.READ);
            addIfOverridden(supported, type, Operation.WRITE, "write", ByteBuffer.class, long.class);
            addIfOverridden(supported, type, Operation.WRITE_ZEROES, "writeZeroes", long.class, long.class,
                    boolean.class);
            addIfOverridden(supported, type, Operation.FUA_WRITE, "fuaWrite", ByteBuffer.class, long.class);
            addIfOverridden(supported, type, Operation.FLUSH, "flush");
            addIfOverridden(supported, type, Operation.DISCARD, "discard", long.class, long.class);
            addIfOverridden(supported, type, Operation.SECURE_ERASE, "secureErase", long.class, long.class);
            addIfOverridden(supported, type, Operation.IOCTL, "ioctl", int.class, ByteBuffer.class);
            addIfOverridden(supported, type, Operation.IOCTL, "ioctl", int.class, ByteBuffer.class, boolean.class);
            return Set.copyOf(supported);
        }
    };

    private OverriddenOperations() {
    }

    static Set<Operation> of(Class<?> driverClass) {
        return EnumSet.copyOf(CACHE.get(driverClass));
    }

    private static void addIfOverridden(Set<Operation> supported, Class<?> type, Operation operation,
            String name, Class<?>... parameters) {
        try {
            Method method = type.getMethod(name, parameters);
            if (method.getDeclaringClass() != BlockDriver.class) {
                supported.add(operation);
            }
        }
        catch (NoSuchMethodException ex) {
            throw new IllegalStateException(ex);
        }
    }
}
