package io.extractionguard.gateway.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * No dead link in the README, the docs, or a markdown page of the repository they link to (e.g. the benchmark
 * history): every relative link names a file or directory of the repository, and every {@code #anchor} a heading
 * of the page it points into, spelled as GitHub makes heading anchors.
 * Links inside code (fenced blocks, inline code) are not links; external ones are not checked (no network).
 */
class DocLinksTest {

    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    // [text](target) or [text](target "title"); images too. Targets with spaces are not used in these docs.
    private static final Pattern LINK = Pattern.compile("\\[[^\\]]*\\]\\(([^)\\s]+)(?:\\s+\"[^\"]*\")?\\)");
    private static final Pattern REFERENCE = Pattern.compile("^\\s{0,3}\\[[^\\]]+\\]:\\s+(\\S+)");
    private static final Pattern HEADING = Pattern.compile("^\\s{0,3}#{1,6}\\s+(.*?)\\s*#*\\s*$");
    private static final Pattern HTML_ANCHOR = Pattern.compile("<a\\s+(?:id|name)=\"([^\"]+)\"");

    private final Map<Path, Set<String>> anchors = new HashMap<>();

    @Test
    void everyRelativeLinkAndAnchorResolves() throws IOException {
        List<Path> pages = new ArrayList<>(List.of(ROOT.resolve("README.md")));
        try (Stream<Path> docs = Files.list(ROOT.resolve("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
        }
        List<String> dead = new ArrayList<>();
        int checked = 0;
        for (int p = 0; p < pages.size(); p++) { // grows: linked pages are checked too
            Path page = pages.get(p);
            List<String> lines = proseLines(page);
            for (int i = 0; i < lines.size(); i++) {
                for (String target : targets(lines.get(i))) {
                    checked++;
                    String problem = check(page, target);
                    if (problem != null) {
                        dead.add(ROOT.relativize(page) + ":" + (i + 1) + ": " + target + " (" + problem + ")");
                    } else {
                        Path linked = linkedPage(page, target);
                        if (linked != null && !pages.contains(linked)) {
                            pages.add(linked);
                        }
                    }
                }
            }
        }
        assertThat(pages).hasSizeGreaterThan(5);
        assertThat(checked).as("links found (the parser reads them)").isGreaterThan(30);
        assertThat(dead).as("dead links").isEmpty();
    }

    @Test
    void anchorsAreMadeAsGitHubMakesThem() {
        assertThat(slug("Replay speed, 2026-11-28 07:00 UTC")).isEqualTo("replay-speed-2026-11-28-0700-utc");
        assertThat(slug("Side-by-side benchmark: `./guard bench`")).isEqualTo("side-by-side-benchmark-guard-bench");
        assertThat(slug("### `peer-indicators`".substring(4))).isEqualTo("peer-indicators");
        assertThat(slug("See [the policy](policy.md) **now**")).isEqualTo("see-the-policy-now");
    }

    @Test
    void aDeadFileOrAnchorIsReported() throws IOException {
        Path readme = ROOT.resolve("README.md");
        assertThat(check(readme, "docs/no-such-page.md")).isEqualTo("no such file");
        assertThat(check(readme, "docs/policy.md#no-such-heading")).isEqualTo("no such anchor");
        assertThat(check(readme, "#no-such-heading")).isEqualTo("no such anchor");
        assertThat(check(readme, "../outside.md")).isEqualTo("outside the repository");
        assertThat(check(readme, "docs/policy.md#peer-indicators")).isNull();
        assertThat(targets("see `[not](a-link.md)` and [a](b.md)")).containsExactly("b.md");
    }

    /** The markdown page of the repository that {@code target} (a resolving link) points into, or null. */
    private static Path linkedPage(Path page, String target) {
        String file = target.replaceFirst("#.*", "");
        if (file.isEmpty() || !file.endsWith(".md") || file.matches("^[a-zA-Z][a-zA-Z0-9+.-]*:.*")) {
            return null;
        }
        return page.getParent().resolve(file).normalize();
    }

    /** Why {@code target}, linked from {@code page}, is dead; null when it resolves (or is not checked). */
    private String check(Path page, String target) throws IOException {
        if (target.matches("^[a-zA-Z][a-zA-Z0-9+.-]*:.*")) {
            return null; // https:, mailto:, ...
        }
        int hash = target.indexOf('#');
        String file = hash < 0 ? target : target.substring(0, hash);
        Path resolved = file.isEmpty() ? page : page.getParent().resolve(file).normalize();
        if (!resolved.startsWith(ROOT)) {
            return "outside the repository";
        }
        if (!Files.exists(resolved)) {
            return "no such file";
        }
        if (hash >= 0 && resolved.toString().endsWith(".md")
                && !anchors(resolved).contains(target.substring(hash + 1).toLowerCase(Locale.ROOT))) {
            return "no such anchor";
        }
        return null;
    }

    private Set<String> anchors(Path page) throws IOException {
        Set<String> known = anchors.get(page);
        if (known == null) {
            known = new HashSet<>();
            Map<String, Integer> seen = new HashMap<>();
            for (String line : proseLines(page)) {
                Matcher h = HEADING.matcher(line);
                if (h.matches()) {
                    String s = slug(h.group(1));
                    int n = seen.merge(s, 1, Integer::sum) - 1; // GitHub numbers repeated headings: x, x-1, x-2
                    known.add(n == 0 ? s : s + "-" + n);
                }
                Matcher a = HTML_ANCHOR.matcher(line);
                while (a.find()) {
                    known.add(a.group(1).toLowerCase(Locale.ROOT));
                }
            }
            anchors.put(page, known);
        }
        return known;
    }

    /** GitHub's heading anchor: the rendered text, lower case, punctuation dropped, spaces to hyphens. */
    static String slug(String heading) {
        String text = heading.replaceAll("\\[([^\\]]*)\\]\\([^)]*\\)", "$1") // a link's text only
                .replaceAll("[`*]", "");
        return text.toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{M}\\p{N}\\p{Pc} -]", "").replace(' ', '-');
    }

    /** The link targets on one line of prose, inline code removed first. */
    static List<String> targets(String line) {
        String prose = line.replaceAll("`[^`]*`", "");
        List<String> found = new ArrayList<>();
        Matcher m = LINK.matcher(prose);
        while (m.find()) {
            found.add(m.group(1));
        }
        Matcher r = REFERENCE.matcher(prose);
        if (r.find()) {
            found.add(r.group(1));
        }
        return found;
    }

    /** The page's lines with fenced code blocks blanked (kept as empty lines, so line numbers stay right). */
    private static List<String> proseLines(Path page) throws IOException {
        List<String> lines = new ArrayList<>();
        boolean inFence = false;
        for (String line : Files.readAllLines(page)) {
            boolean fence = line.stripLeading().startsWith("```") || line.stripLeading().startsWith("~~~");
            if (fence) {
                inFence = !inFence;
            }
            lines.add(fence || inFence ? "" : line);
        }
        return lines;
    }
}
