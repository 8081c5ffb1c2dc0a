package io.bdus.driver;

import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.util.EnumSet;
import java.util.Set;

/**
 * Detects overridden default methods (the asynchronous ones for an {@link AsyncBlockDriver});
 * cached per driver class.
 */
final class OverriddenOperations {

    private static final ClassValue<Set<Operation>> CACHE = new ClassValue<>() {
        @Override
        protected Set<Operation> computeValue(Class<?> type) {
            return AsyncBlockDriver.class.isAssignableFrom(type) ? asynchronous(type) : blocking(type);
        }
    };

    private OverriddenOperations() {
    }

    static Set<Operation> of(Class<?> driverClass) {
        return EnumSet.copyOf(CACHE.get(driverClass));
    }

    private static Set<Operation> blocking(Class<?> type) {
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

    /** An asynchronous driver's capabilities are its overridden asynchronous methods. */
    private static Set<Operation> asynchronous(Class<?> type) {
        Set<Operation> supported = EnumSet.of(Operation.READ);
        Class<?> c = Completion.class;
        addIfOverridden(supported, type, Operation.WRITE, "write", ByteBuffer.class, long.class, c);
        addIfOverridden(supported, type, Operation.WRITE_ZEROES, "writeZeroes", long.class, long.class,
                boolean.class, c);
        addIfOverridden(supported, type, Operation.FUA_WRITE, "fuaWrite", ByteBuffer.class, long.class, c);
        addIfOverridden(supported, type, Operation.FLUSH, "flush", c);
        addIfOverridden(supported, type, Operation.DISCARD, "discard", long.class, long.class, c);
        addIfOverridden(supported, type, Operation.SECURE_ERASE, "secureErase", long.class, long.class, c);
        addIfOverridden(supported, type, Operation.IOCTL, "ioctl", int.class, ByteBuffer.class, boolean.class, c);
        return Set.copyOf(supported);
    }

    private static void addIfOverridden(Set<Operation> supported, Class<?> type, Operation operation,
            String name, Class<?>... parameters) {
        try {
            Method method = type.getMethod(name, parameters);
            Class<?> declaring = method.getDeclaringClass();
            if (declaring != BlockDriver.class && declaring != AsyncBlockDriver.class) {
                supported.add(operation);
            }
        }
        catch (NoSuchMethodException ex) {
            throw new IllegalStateException(ex);
        }
    }
}
