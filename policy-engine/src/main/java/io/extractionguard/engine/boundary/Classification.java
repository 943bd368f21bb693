package io.extractionguard.engine.boundary;

import io.extractionguard.engine.request.ApiFormat;

/**
 * What the boundary makes of a request before its body is read: evaluate it, pass it, or refuse
 * it with an explicit cause. Every request on a guarded route gets exactly one.
 */
public sealed interface Classification {

    /** A single inference call, to be parsed in {@code format} and decided; {@code path} is what is forwarded. */
    record Inference(Endpoint endpoint, String path) implements Classification {
        public ApiFormat format() {
            return endpoint.format();
        }
    }

    /**
     * A call that creates many inference calls at once (Message Batches, batch files, batch
     * creation): evaluated item by item; {@code path} is what is forwarded.
     */
    record Batch(Endpoint endpoint, String path) implements Classification {
    }

    /**
     * Not an inference call: forwarded on {@code path} without evaluation. {@code endpoint} is null
     * when the route passes unknown paths ({@code unknown-paths: pass}).
     */
    record Passed(Endpoint endpoint, String path) implements Classification {
    }

    /** Refused before forwarding, answered in {@code format}'s error format. */
    record Refused(Cause cause, ApiFormat format, String message) implements Classification {
    }

    /** Why a request is refused at the boundary. */
    enum Cause {
        /** The path cannot be canonicalised unambiguously (400). */
        INVALID_PATH,
        /** No endpoint of the route has this path (404). */
        UNKNOWN_PATH,
        /** The path is served, not with this method (405). */
        METHOD_NOT_ALLOWED,
        /** A header the upstream reads would make its view differ from the guard's (400). */
        AMBIGUOUS_HEADER,
        /** The body is encoded in a way the guard does not decode the same way as the upstream (415). */
        UNSUPPORTED_ENCODING,
        /** Two different keys, a repeated or malformed key header, or a key where the guard reads none (401). */
        AMBIGUOUS_CREDENTIAL
    }
}
