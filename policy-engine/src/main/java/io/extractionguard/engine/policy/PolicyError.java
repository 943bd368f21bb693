package io.extractionguard.engine.policy;

/**
 * One problem in a policy file: where it is and how to fix it, e.g.
 * {@code default.yaml:14 signals.cot-elicitation.weight: must be between 0 and 100, was 140}.
 *
 * @param file    file name as given to the loader
 * @param line    1-based line, 0 when the problem concerns the whole file
 * @param path    dotted path of the offending element ({@code bands[2].action}), empty for the file
 * @param message what is wrong and what is expected
 */
public record PolicyError(String file, int line, String path, String message) {

    @Override
    public String toString() {
        String where = line > 0 ? file + ":" + line : file;
        return path.isEmpty() ? where + ": " + message : where + " " + path + ": " + message;
    }
}
