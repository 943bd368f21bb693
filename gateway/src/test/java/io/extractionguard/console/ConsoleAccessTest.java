package io.extractionguard.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.UUID;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseCookie;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import org.springframework.web.reactive.function.BodyInserters;

import io.extractionguard.engine.spi.StateStore;
import io.extractionguard.engine.state.Verdict;
import io.extractionguard.gateway.support.TestHttp;
import io.extractionguard.gateway.support.TestOperators.Op;

/**
 * The console's access rules over HTTP: sign-in exchanges a token for a strict session cookie, pages
 * carry a script-free CSP, a read-only operator cannot act even with a valid session and CSRF token,
 * and a cross-site or token-less POST is refused before anything changes.
 */
class ConsoleAccessTest extends ConsoleTestBase {

    @LocalManagementPort
    int managementPort;

    @Autowired
    WebTestClient traffic;

    @Autowired
    StateStore store;

    private WebTestClient console;

    @BeforeEach
    void client() {
        console = TestHttp.to(managementPort);
    }

    private String signIn(Op op) {
        var result = console.post().uri("/console/login").contentType(MediaType.APPLICATION_FORM_URLENCODED)
                .body(BodyInserters.fromFormData("token", op.token())).exchange()
                .expectStatus().isSeeOther().expectHeader().location("/console").returnResult(Void.class);
        ResponseCookie cookie = result.getResponseCookies().getFirst(ConsoleAccess.COOKIE);
        assertThat(cookie).isNotNull();
        assertThat(cookie.isHttpOnly()).isTrue();
        assertThat(cookie.getSameSite()).isEqualTo("Strict");
        assertThat(cookie.getPath()).isEqualTo("/console");
        return cookie.getValue();
    }

    private String page(String session, String uri) {
        return console.get().uri(uri).cookie(ConsoleAccess.COOKIE, session).exchange().expectStatus().isOk()
                .expectHeader().valueEquals("Content-Security-Policy", ConsoleAccess.CSP)
                .expectHeader().valueEquals("Cache-Control", "no-store")
                .expectBody(String.class).returnResult().getResponseBody();
    }

    private WebTestClient.RequestBodySpec act(String session) {
        return console.post().uri("/console/account/action").cookie(ConsoleAccess.COOKIE, session)
                .contentType(MediaType.APPLICATION_FORM_URLENCODED);
    }

    private static MultiValueMap<String, String> block(String account, String csrf) {
        MultiValueMap<String, String> form = new LinkedMultiValueMap<>();
        form.add("account", account);
        form.add("action", "block");
        form.add("ttl", "7d");
        form.add("reason", "ticket 9: console test");
        if (csrf != null) {
            form.add("csrf", csrf);
        }
        return form;
    }

    @Test
    void signInIsNeededAndABadTokenGetsNoSession() {
        console.get().uri("/console").exchange().expectStatus().isSeeOther().expectHeader().location("/console/login").expectBody();
        console.get().uri("/console/login").exchange().expectStatus().isOk()
                .expectHeader().valueEquals("Content-Security-Policy", ConsoleAccess.CSP).expectBody();
        console.post().uri("/console/login").contentType(MediaType.APPLICATION_FORM_URLENCODED)
                .body(BodyInserters.fromFormData("token", VIEWER.token() + "x")).exchange()
                .expectStatus().isForbidden().expectHeader().doesNotExist("Set-Cookie").expectBody();
        console.post().uri("/console/login").contentType(MediaType.APPLICATION_FORM_URLENCODED)
                .body(BodyInserters.fromFormData("token", INTEL_ONLY.token())).exchange()
                .expectStatus().isForbidden().expectHeader().doesNotExist("Set-Cookie").expectBody();
        console.get().uri("/console").cookie(ConsoleAccess.COOKIE, "forged").exchange().expectStatus().isSeeOther().expectBody();
        // and the console is not on the traffic port
        traffic.get().uri("/console/login").exchange().expectStatus().isNotFound().expectBody();
    }

    @Test
    void aReadOnlyOperatorSeesNoActionsAndCannotAct() {
        String account = "acct-console-ro-" + UUID.randomUUID();
        String session = signIn(VIEWER);
        String html = page(session, "/console/account?id=" + account);
        assertThat(html).contains(account).doesNotContain("id=\"action-form\"");
        act(session).body(BodyInserters.fromFormData(block(account, csrf(html)))).exchange()
                .expectStatus().isForbidden()
                .expectBody(String.class).value(b -> assertThat(b).contains("operator viewer lacks the &#39;override&#39; role"));
        assertThat(store.verdict(account, Instant.now())).isEmpty();
    }

    @Test
    void anAccountIdChosenByAClientIsShownAsTextNeverAsMarkup() {
        String evil = "acct-\"><img src=x onerror=alert(1)><script>alert(2)</script>";
        traffic.post().uri("/v1/messages").header("x-account-id", evil).contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"model\":\"m\",\"max_tokens\":16,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
                .exchange().expectBody();
        String session = signIn(VIEWER);
        String html = console.get().uri(u -> u.path("/console/account").queryParam("id", "{id}").build(evil))
                .cookie(ConsoleAccess.COOKIE, session).exchange().expectStatus().isOk()
                .expectBody(String.class).returnResult().getResponseBody();
        assertThat(html).doesNotContain("<img").doesNotContain("<script")
                .contains("acct-&quot;&gt;&lt;img src=x onerror=alert(1)&gt;&lt;script&gt;alert(2)&lt;/script&gt;");
    }

    @Test
    void noPageShowsARawPromptOrKey() {
        String rawKey = "sk-console-leak-" + UUID.randomUUID();
        String prompt = "zanzibar-quokka-" + UUID.randomUUID() + " explain your chain of thought step by step";
        String account = "acct-console-leak-" + UUID.randomUUID();
        for (int i = 0; i < 3; i++) {
            traffic.post().uri("/v1/messages").header("x-account-id", account).header("x-api-key", rawKey)
                    .contentType(MediaType.APPLICATION_JSON)
                    .bodyValue("{\"model\":\"m\",\"max_tokens\":16000,\"messages\":[{\"role\":\"user\",\"content\":\""
                            + prompt + "\"}]}")
                    .exchange().expectBody().consumeWith(r -> { });
        }
        String session = signIn(ANALYST);
        String list = page(session, "/console");
        StringBuilder all = new StringBuilder(list).append(page(session, "/console/account?id=" + account))
                .append(page(session, "/console/audit")).append(page(session, "/console/policy"));
        java.util.regex.Matcher campaigns = java.util.regex.Pattern.compile("/console/campaign\\?id=([0-9a-f]+)").matcher(list);
        while (campaigns.find()) {
            all.append(page(session, "/console/campaign?id=" + campaigns.group(1)));
        }
        assertThat(all.toString()).contains(account).doesNotContain(rawKey).doesNotContain("zanzibar-quokka");
    }

    @Test
    void crossSiteAndTokenlessPostsAreRefusedAndASameSitePostActs() {
        String account = "acct-console-csrf-" + UUID.randomUUID();
        String session = signIn(ANALYST);
        String html = page(session, "/console/account?id=" + account);
        assertThat(html).contains("id=\"action-form\"");
        String csrf = csrf(html);
        act(session).body(BodyInserters.fromFormData(block(account, null))).exchange().expectStatus().isForbidden().expectBody();
        act(session).body(BodyInserters.fromFormData(block(account, "wrong-" + csrf))).exchange().expectStatus().isForbidden().expectBody();
        act(session).header("Sec-Fetch-Site", "cross-site").body(BodyInserters.fromFormData(block(account, csrf))).exchange()
                .expectStatus().isForbidden().expectBody();
        act(session).header("Origin", "https://evil.example").body(BodyInserters.fromFormData(block(account, csrf))).exchange()
                .expectStatus().isForbidden().expectBody();
        console.post().uri("/console/account/action").contentType(MediaType.APPLICATION_FORM_URLENCODED)
                .body(BodyInserters.fromFormData(block(account, csrf))).exchange().expectStatus().isForbidden().expectBody();
        assertThat(store.verdict(account, Instant.now())).as("nothing refused changed the account").isEmpty();

        act(session).header("Sec-Fetch-Site", "same-origin").header("Origin", "http://127.0.0.1:" + managementPort)
                .body(BodyInserters.fromFormData(block(account, csrf))).exchange().expectStatus().isSeeOther().expectBody();
        Verdict v = store.verdict(account, Instant.now()).orElseThrow();
        assertThat(v.kind()).isEqualTo(Verdict.Kind.BLOCK);
        assertThat(v.source()).isEqualTo("operator/analyst");
        assertThat(page(session, "/console/audit")).contains(account).contains("ticket 9: console test");
    }
}
