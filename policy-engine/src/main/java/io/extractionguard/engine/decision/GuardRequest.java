package io.extractionguard.engine.decision;

import io.extractionguard.engine.identity.ClientIdentity;
import io.extractionguard.engine.request.InferenceRequest;

/** One request to decide: who sent it and what it asks for. */
public record GuardRequest(ClientIdentity identity, InferenceRequest inference) {
}
