package io.extractionguard.gateway.support;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;

/**
 * Registered for every gateway test (junit-platform.properties): when a test fails on a blocking read
 * that timed out (a request that got no response), prints every thread's stack and this process's TCP
 * sockets before rethrowing, so an intermittent hang in a CI run leaves what is needed to explain it.
 * It changes no outcome.
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
            out.append("sockets (ss -tanp):\n").append(sockets());
            System.err.println(out);
        }
        throw error;
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
