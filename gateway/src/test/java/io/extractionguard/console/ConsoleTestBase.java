package io.extractionguard.console;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.extractionguard.gateway.GatewayApplication;
import io.extractionguard.gateway.operators.Role;
import io.extractionguard.gateway.support.TestBackend;
import io.extractionguard.gateway.support.TestOperators;
import io.extractionguard.gateway.support.TestOperators.Op;

/**
 * One gateway for the console tests (the context is shared): an analyst who may act, a viewer who
 * may only look, a fast correlation tick so a seeded campaign appears within a second.
 */
@SpringBootTest(classes = GatewayApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "guard.campaign.correlation-tick=100ms")
@AutoConfigureWebTestClient(timeout = "30s")
abstract class ConsoleTestBase {

    static final Op ANALYST = Op.of("analyst", Role.READ, Role.OVERRIDE);
    static final Op VIEWER = Op.of("viewer", Role.READ);
    static final Op INTEL_ONLY = Op.of("intel-bot", Role.INTEL);

    @DynamicPropertySource
    static void gateway(DynamicPropertyRegistry registry) {
        TestBackend.register(registry);
        TestOperators.register(registry, ANALYST, VIEWER, INTEL_ONLY);
    }

    private static final Pattern CSRF = Pattern.compile("name=\"csrf\" value=\"([^\"]+)\"");

    /** The CSRF token in a console page's forms. */
    static String csrf(String page) {
        Matcher m = CSRF.matcher(page);
        if (!m.find()) {
            throw new AssertionError("no CSRF field on the page");
        }
        return m.group(1);
    }
}
