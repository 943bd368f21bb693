package io.extractionguard.gateway.support;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;

/**
 * Registered for every gateway test (junit-platform.properties): when a test fails on a blocking read
 * that timed out (a request that got no response), prints every thread's stack and this process's TCP
 * sockets, and fails with a one-line gist (event loops not waiting for I/O, deadlocks) added to the
 * message, so an intermittent hang in a CI run leaves what is needed to explain it. The test fails either way.
 */
public final class HangDiagnostics implements TestExecutionExceptionHandler {

    @Override
    public void handleTestExecutionException(ExtensionContext context, Throwable error) throws Throwable {
        if (isTimeout(error)) {
            StringBuilder out = new StringBuilder(64 * 1024)
                    .append("[HangDiagnostics] ").append(context.getDisplayName()).append(" timed out waiting: ")
                    .append(error).append("\nthreads:\n");
            for (ThreadInfo t : ManagementFactory.getThreadMXBean().dumpAllThreads(true, true)) {
                out.append(t.toString().replace("\t...\n", "")); // ThreadInfo prints the first 8 frames
                StackTraceElement[] frames = t.getStackTrace();
                for (int i = 8; i < Math.min(frames.length, 40); i++) {
                    out.append("\tat ").append(frames[i]).append('\n');
                }
            }
            String sockets = sockets();
            out.append("sockets (ss -tanp):\n").append(sockets);
            System.err.println(out);
            // CI shows only the end of the output: the summary line there carries the gist
            throw new IllegalStateException(error.getMessage() + " [HangDiagnostics: " + gist() + "; " + unread(sockets)
                    + "; full dump above]", error);
        }
        throw error;
    }

    /** Event-loop threads that are not waiting for I/O (running, or parked: blocked), and deadlocked threads: one line. */
    private static String gist() {
        java.lang.management.ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        StringBuilder busy = new StringBuilder();
        for (ThreadInfo t : mx.dumpAllThreads(false, false)) {
            String name = t.getThreadName();
            StackTraceElement[] frames = t.getStackTrace();
            if (!(name.contains("-http-") || name.contains("epoll") || name.contains("nio")) || frames.length == 0) {
                continue;
            }
            String top = frames[0].getClassName() + "." + frames[0].getMethodName();
            // an event loop waits for I/O in epoll/select; one parked on a lock or a future is blocked, not idle
            if (top.contains("epollWait") || top.contains("EPoll") || top.contains("select")) {
                continue;
            }
            String engine = "";
            for (StackTraceElement f : frames) {
                if (f.getClassName().startsWith("io.extractionguard")) {
                    engine = " via " + f.getClassName().substring(f.getClassName().lastIndexOf('.') + 1) + "." + f.getMethodName()
                            + ":" + f.getLineNumber();
                    break;
                }
            }
            busy.append(busy.isEmpty() ? "" : ", ").append(name).append(' ').append(t.getThreadState()).append(" at ")
                    .append(top).append(engine);
        }
        long[] deadlocked = mx.findDeadlockedThreads();
        return "busy event loops: " + (busy.isEmpty() ? "none" : busy) + "; deadlocked threads: "
                + (deadlocked == null ? 0 : deadlocked.length);
    }

    private static boolean isTimeout(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof java.util.concurrent.TimeoutException
                    || String.valueOf(t.getMessage()).startsWith("Timeout on blocking read")) {
                return true;
            }
        }
        return false;
    }

    /** This process's connections holding bytes nobody has read (Recv-Q > 0): a side that stopped reading. */
    private static String unread(String sockets) {
        StringBuilder unread = new StringBuilder();
        sockets.lines().filter(l -> l.startsWith("ESTAB")).forEach(l -> {
            String[] f = l.trim().split("\\s+");
            if (f.length >= 5 && !f[1].equals("0")) {
                unread.append(unread.isEmpty() ? "" : ", ").append(f[3]).append("<-").append(f[4]).append(" recvq=").append(f[1]);
            }
        });
        return "unread sockets: " + (unread.isEmpty() ? "none" : unread);
    }

    private static String sockets() {
        try {
            Process p = new ProcessBuilder("ss", "-tanp").redirectErrorStream(true).start();
            String text = new String(p.getInputStream().readAllBytes());
            p.waitFor(5, TimeUnit.SECONDS);
            String pid = Long.toString(ProcessHandle.current().pid());
            StringBuilder mine = new StringBuilder();
            text.lines().filter(l -> l.contains("pid=" + pid + ",") || l.startsWith("State") || l.contains("LISTEN"))
                    .forEach(l -> mine.append(l).append('\n'));
            return mine.toString();
        } catch (Exception e) {
            return "(ss not available: " + e + ")\n";
        }
    }
}
