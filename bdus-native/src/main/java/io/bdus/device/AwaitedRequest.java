package io.bdus.device;

import io.bdus.driver.Operation;
import io.bdus.transport.Request;
import io.bdus.transport.RequestHandler;
import java.util.concurrent.CountDownLatch;

/** A request the runtime makes itself (a flush) and waits for, whatever style its driver has. */
final class AwaitedRequest extends Request {

    private final CountDownLatch answered = new CountDownLatch(1);

    private volatile int answer;

    static AwaitedRequest flush() {
        AwaitedRequest request = new AwaitedRequest();
        request.set(Operation.FLUSH, 0, 0, null, false);
        return request;
    }

    /** Serves this request and waits for its answer; returns the errno. */
    int serve(RequestHandler handler) throws InterruptedException {
        if (handTo(handler)) {
            return errno();
        }
        this.answered.await();
        return this.answer;
    }

    @Override
    protected void sendLater(int errno) {
        this.answer = errno;
        this.answered.countDown();
    }
}
