package io.extractionguard.gateway.faults;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.Stream;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * What was decided per account, as the decision log (audit records of kind {@code decision}) and the
 * clients saw it: the reference the fleet's stored state is checked against ({@link ConvergenceCheck}).
 * Per account the larger of the two counts is kept: a client cannot see a decision that was not made,
 * and the audit of a killed replica can miss its last records.
 */
public final class Ledger {

    /** One account's decisions: all of them, those admitted (ALLOW), and its tier (null: unknown). */
    public static final class Account {
        private long decided;
        private long admitted;
        private String tier;

        public long decided() {
            return decided;
        }

        public long admitted() {
            return admitted;
        }

        public String tier() {
            return tier;
        }
    }

    private final Map<String, Account> accounts = new TreeMap<>();
    private final Map<String, Account> fromAudit = new TreeMap<>();
    private final Map<String, Account> fromClients = new TreeMap<>();

    public Map<String, Account> accounts() {
        return accounts;
    }

    /** Decisions in these audit files (JSON lines) for accounts {@code wanted} accepts. */
    public Ledger audit(Predicate<String> wanted, Path... files) {
        ObjectMapper json = JsonMapper.builder().build();
        for (Path file : files) {
            if (!Files.exists(file)) {
                continue;
            }
            try (Stream<String> lines = Files.lines(file)) {
                lines.filter(l -> l.contains("\"kind\":\"decision\"")).forEach(line -> {
                    JsonNode data = json.readTree(line).path("data");
                    String account = data.path("account").asString();
                    if (wanted.test(account)) {
                        add(fromAudit, account, 1, "ALLOW".equals(data.path("action").asString()) ? 1 : 0,
                                data.path("tier").asString(null));
                    }
                });
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return settle();
    }

    /** Decisions the clients saw answered for {@code account} ({@code admitted}: forwarded to the model). */
    public Ledger client(String account, long decided, long admitted, String tier) {
        add(fromClients, account, decided, admitted, tier);
        return settle();
    }

    private static void add(Map<String, Account> into, String account, long decided, long admitted, String tier) {
        Account a = into.computeIfAbsent(account, k -> new Account());
        a.decided += decided;
        a.admitted += admitted;
        if (tier != null && !tier.isEmpty()) {
            a.tier = tier;
        }
    }

    private Ledger settle() {
        accounts.clear();
        for (Map<String, Account> source : java.util.List.of(fromAudit, fromClients)) {
            source.forEach((id, a) -> {
                Account to = accounts.computeIfAbsent(id, k -> new Account());
                to.decided = Math.max(to.decided, a.decided);
                to.admitted = Math.max(to.admitted, a.admitted);
                to.tier = to.tier != null ? to.tier : a.tier;
            });
        }
        return this;
    }

    public long audited() {
        return fromAudit.values().stream().mapToLong(Account::decided).sum();
    }

    public long clientSeen() {
        return fromClients.values().stream().mapToLong(Account::decided).sum();
    }
}
