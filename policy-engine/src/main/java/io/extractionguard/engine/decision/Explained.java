package io.extractionguard.engine.decision;

import io.extractionguard.engine.request.ParseError;

/** What {@link GuardEngine#explain(Arrival)} answers: an explanation, or why the body could not be read. */
public sealed interface Explained {

    record Ready(Explanation explanation) implements Explained {
    }

    record Invalid(ParseError error) implements Explained {
    }
}
