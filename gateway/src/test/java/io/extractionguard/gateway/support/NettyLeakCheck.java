package io.extractionguard.gateway.support;

import java.util.List;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Registered for every gateway test class (junit-platform.properties): fails the class when Netty reported
 * a buffer leak while it ran (see {@link NettyLeaks}), with Netty's access records of each leaked buffer in
 * the message. A response body a test leaves unread (a status-only {@code WebTestClient} check) is such a
 * leak, and so is a product path that drops a buffer. Checked per class, not per test: a check costs a full
 * GC. A buffer still referenced at the check is reported by a later class's check once it is collected.
 */
public final class NettyLeakCheck implements AfterAllCallback {

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        if (!NettyLeaks.installed()) {
            return; // outside Maven (an IDE without its settings): NettyLeakDetectionTest fails under Maven instead
        }
        List<String> leaks = NettyLeaks.collect();
        if (!leaks.isEmpty()) {
            throw new AssertionError(leaks.size() + " Netty buffer leak(s) reported while " + context.getDisplayName()
                    + " ran (or, if no record below names it, a class before it):\n" + String.join("\n\n", leaks));
        }
    }
}
