package io.extractionguard.engine.policy;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.yaml.snakeyaml.nodes.Node;

/** Reads the {@code lists} section of a policy: the allow and deny lists, which must not overlap. */
final class ListsReader {

    private static final Set<String> LISTS = Vocabulary.keys("allow", "deny");
    private static final Set<String> LIST = Vocabulary.keys("accounts", "orgs", "payment-fingerprints");

    /** The allow and the deny list; empty where the section leaves one out or after an error. */
    record Lists(IdentityLists allow, IdentityLists deny) {
        static final Lists NONE = new Lists(IdentityLists.EMPTY, IdentityLists.EMPTY);
    }

    private ListsReader() {
    }

    static Lists read(YamlReader r, Node node) {
        Map<String, Node> lists = r.mapping(node, "lists", LISTS);
        if (lists == null) {
            return Lists.NONE;
        }
        IdentityLists allow = lists.containsKey("allow") ? list(r, lists.get("allow"), "lists.allow") : IdentityLists.EMPTY;
        IdentityLists deny = lists.containsKey("deny") ? list(r, lists.get("deny"), "lists.deny") : IdentityLists.EMPTY;
        crossCheck(r, node, allow, deny);
        return new Lists(allow, deny);
    }

    private static IdentityLists list(YamlReader r, Node node, String path) {
        Map<String, Node> l = r.mapping(node, path, LIST);
        if (l == null) {
            return IdentityLists.EMPTY;
        }
        List<String> accounts = l.containsKey("accounts") ? r.strings(l.get("accounts"), path + ".accounts") : List.of();
        List<String> orgs = l.containsKey("orgs") ? r.strings(l.get("orgs"), path + ".orgs") : List.of();
        List<String> payments = l.containsKey("payment-fingerprints")
                ? r.strings(l.get("payment-fingerprints"), path + ".payment-fingerprints") : List.of();
        return new IdentityLists(
                accounts == null ? Set.of() : new HashSet<>(accounts),
                orgs == null ? Set.of() : new HashSet<>(orgs),
                payments == null ? Set.of() : new HashSet<>(payments));
    }

    private static void crossCheck(YamlReader r, Node node, IdentityLists allow, IdentityLists deny) {
        for (String a : allow.accounts()) {
            if (deny.accounts().contains(a)) {
                r.error(node, "lists", "account '" + a + "' is on both the allow and the deny list");
            }
        }
        for (String o : allow.orgs()) {
            if (deny.orgs().contains(o)) {
                r.error(node, "lists", "org '" + o + "' is on both the allow and the deny list");
            }
        }
        for (String p : allow.paymentFingerprints()) {
            if (deny.paymentFingerprints().contains(p)) {
                r.error(node, "lists", "payment fingerprint '" + p + "' is on both the allow and the deny list");
            }
        }
    }
}
