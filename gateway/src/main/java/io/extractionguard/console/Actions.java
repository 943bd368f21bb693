package io.extractionguard.console;

import java.util.Locale;
import java.util.Optional;

import io.extractionguard.admin.AccountOverrides;
import io.extractionguard.engine.state.Verdict;
import io.extractionguard.gateway.operators.Operator;
import reactor.core.publisher.Mono;

/** The actions the console offers on an account (and, member by member, on a campaign), and their form. */
final class Actions {

    static final String[] NAMES = {"block", "challenge", "allow", "release"};

    private Actions() {
    }

    static boolean known(String name) {
        return java.util.Arrays.asList(NAMES).contains(name);
    }

    /** Applies action {@code name} to {@code account}; empty when {@code name} is not one. */
    static Optional<Mono<AccountOverrides.Outcome>> apply(AccountOverrides overrides, Operator operator, String name,
                                                          String account, String ttl, String reason, String campaign) {
        return switch (name == null ? "" : name.toLowerCase(Locale.ROOT)) {
            case "block" -> Optional.of(overrides.override(operator, account, Verdict.Kind.BLOCK, ttl, reason, campaign));
            case "challenge" -> Optional.of(overrides.override(operator, account, Verdict.Kind.CHALLENGE, ttl, reason, campaign));
            case "allow" -> Optional.of(overrides.override(operator, account, Verdict.Kind.ALLOW, ttl, reason, campaign));
            case "release" -> Optional.of(overrides.release(operator, account, reason, campaign));
            default -> Optional.empty();
        };
    }

    /** The action form: action, TTL (ignored by release), reason, all required but the TTL. */
    static void form(Html h, ConsoleSessions.Session s, String action, String field, String value, String submit) {
        h.raw("<form class=\"act\" id=\"action-form\" method=\"post\" action=\"").text(action).raw("\">");
        ConsolePages.csrf(h, s);
        h.raw("<input type=\"hidden\" name=\"").text(field).raw("\" value=\"").text(value).raw("\">"
                + "<label>Action <select name=\"action\" id=\"action\">");
        for (String n : NAMES) {
            h.raw("<option value=\"").text(n).raw("\">").text(n).raw("</option>");
        }
        h.raw("</select></label> <label>TTL <input name=\"ttl\" id=\"ttl\" value=\"7d\" size=\"5\" "
                + "pattern=\"[0-9]+[smhd]\" title=\"e.g. 30m, 24h, 7d (at most 365d)\"></label> "
                + "<label>Reason <input name=\"reason\" id=\"reason\" size=\"40\" required "
                + "placeholder=\"ticket reference, why\"></label> <button type=\"submit\" id=\"apply\">").text(submit)
                .raw("</button></form>");
    }
}
