package io.bdus.driver;

/** What the asynchronous defaults share. */
final class AsyncOperations {

    private AsyncOperations() {
    }

    static BlockDriverException unsupported(Operation operation) {
        return new BlockDriverException(Errno.EOPNOTSUPP, operation.tag() + " is not supported");
    }
}
