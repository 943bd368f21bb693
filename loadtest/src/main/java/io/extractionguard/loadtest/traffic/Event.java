package io.extractionguard.loadtest.traffic;

/**
 * One request of the trace before it is written.
 *
 * @param atMillis when it arrives at the gateway
 * @param label    the population it belongs to (evaluation metadata, ignored by replay)
 * @param group    a finer grouping inside the population (a campaign cluster, an organisation)
 * @param account  who sends it
 * @param clientIp the client's address (x-forwarded-for)
 * @param client   the client software of this request
 * @param request  what it asks
 */
record Event(long atMillis, String label, String group, Account account, String clientIp, Infra.Client client,
             Request request) {
}
