package io.extractionguard.bench.driver;

import java.nio.file.Path;

/** {@code BodiesCommand OUT.jsonl KIB [COUNT]}: writes benchmark bodies (see {@link Bodies}). */
public final class BodiesCommand {

    private BodiesCommand() {
    }

    public static void main(String[] args) throws Exception {
        Bodies.write(Path.of(args[0]), args.length > 2 ? Integer.parseInt(args[2]) : 256, Integer.parseInt(args[1]), 7);
    }
}
