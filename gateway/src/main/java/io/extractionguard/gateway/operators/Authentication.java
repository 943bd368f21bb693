package io.extractionguard.gateway.operators;

/** The outcome of checking an admin call's credentials. */
public sealed interface Authentication {

    /** The caller is {@code operator}. */
    record Authenticated(Operator operator) implements Authentication {
    }

    /** No bearer credentials were presented (HTTP 401). */
    record Missing() implements Authentication {
    }

    /**
     * Credentials were presented and are not valid (HTTP 403). {@code reason} is safe to log and to
     * return: it never contains the credential.
     */
    record Refused(String reason) implements Authentication {
    }
}
