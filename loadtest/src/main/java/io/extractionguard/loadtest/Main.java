package io.extractionguard.loadtest;

import java.util.List;

import io.extractionguard.loadtest.eval.EvalCommand;
import io.extractionguard.loadtest.traffic.TraceGenerator;

/** {@code loadtest.jar}: {@code generate} a labelled trace, or {@code eval}uate the guard on one. */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) throws Exception {
        String command = args.length == 0 ? "help" : args[0];
        String[] rest = args.length == 0 ? new String[0] : java.util.Arrays.copyOfRange(args, 1, args.length);
        switch (command) {
            case "generate" -> TraceGenerator.main(rest);
            case "eval" -> System.exit(EvalCommand.run(List.of(rest), System.out, System.err));
            default -> {
                System.err.println("usage: loadtest generate --out TRACE.jsonl [--seed N] [--mix default|holdout|fresh|unseen|adaptive] [--requests N]\n"
                        + "       loadtest eval [--seed N] [--mix default|holdout|fresh|unseen|adaptive] [--requests N] [--policy P] [--check] ...");
                System.exit(command.equals("help") ? 0 : 2);
            }
        }
    }
}
