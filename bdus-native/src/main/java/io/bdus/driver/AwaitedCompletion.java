package io.bdus.driver;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.CountDownLatch;

/** A completion one thread waits for: how an asynchronous driver answers a blocking call. */
final class AwaitedCompletion implements Completion {

    /** Starts a request with a completion. */
    @FunctionalInterface
    interface Start {

        void start(Completion completion) throws Exception;
    }

    private final CountDownLatch done = new CountDownLatch(1);

    private volatile boolean completed;

    private volatile int result;

    private volatile Throwable failure;

    private AwaitedCompletion() {
    }

    /**
     * Starts a request and waits for its completion.
     * @return the ioctl result, or 0
     * @throws IOException what the request failed with ({@link BlockDriverException} for an errno)
     */
    static int run(Start start) throws IOException {
        AwaitedCompletion completion = new AwaitedCompletion();
        try {
            start.start(completion);
        }
        catch (Exception | Error ex) {
            completion.fail(ex);
        }
        try {
            completion.done.await();
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for the driver");
        }
        Throwable failure = completion.failure;
        if (failure == null) {
            return completion.result;
        }
        if (failure instanceof IOException io) {
            throw io;
        }
        if (failure instanceof RuntimeException runtime) {
            throw runtime;
        }
        if (failure instanceof Error error) {
            throw error;
        }
        throw new IOException(failure);
    }

    @Override
    public void complete() {
        complete(0);
    }

    @Override
    public void complete(int result) {
        if (settle()) {
            this.result = result;
            this.done.countDown();
        }
    }

    @Override
    public void fail(int errno) {
        fail(new BlockDriverException(errno, "the driver failed the request with errno " + errno));
    }

    @Override
    public void fail(Throwable cause) {
        if (settle()) {
            this.failure = (cause != null) ? cause : new IOException("the driver failed the request");
            this.done.countDown();
        }
    }

    private synchronized boolean settle() {
        if (this.completed) {
            return false;
        }
        this.completed = true;
        return true;
    }
}
