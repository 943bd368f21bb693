package io.extractionguard.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.logging.Level;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.test.web.reactive.server.WebTestClient;

import io.extractionguard.engine.correlation.CampaignListing;
import io.extractionguard.engine.campaign.Indicators;
import io.extractionguard.engine.decision.GuardEngine;
import io.extractionguard.gateway.audit.AuditTrail;
import io.extractionguard.gateway.observe.RecentDecisions;
import io.extractionguard.gateway.support.CampaignTraffic;
import io.extractionguard.gateway.support.TestOperators.Op;

/**
 * The console in a real browser (Debian's chromium and chromedriver, headless) against the running
 * gateway with a seeded hydra campaign: the graph shows its accounts and exactly the shared values
 * linking them, an analyst blocks the whole campaign from the page (with TTL and reason) and sees
 * the audit records, the next request of a member is refused by that block, a read-only operator
 * gets no action forms, and no page trips its Content-Security-Policy. Fails, never skips, when the
 * browser is missing: {@code .ci/run} installs it.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleBrowserTest extends ConsoleTestBase {

    static final int ACCOUNTS = 10;
    static final Path CHROMIUM = Path.of(System.getenv().getOrDefault("CHROME_BIN", "/usr/bin/chromium"));
    static final Path CHROMEDRIVER = Path.of(System.getenv().getOrDefault("CHROMEDRIVER", "/usr/bin/chromedriver"));

    static WebDriver browser;
    static final List<String> members = new ArrayList<>();
    static String card;

    @LocalManagementPort
    int managementPort;

    @Autowired
    WebTestClient traffic;

    @Autowired
    GuardEngine engine;

    @Autowired
    AuditTrail audit;

    @Autowired
    RecentDecisions recent;

    @Autowired
    io.extractionguard.engine.spi.StateStore store;

    @BeforeAll
    static void startBrowser() {
        assertThat(CHROMIUM).as("chromium (apt-get install chromium chromium-driver; .ci/run installs them)").isExecutable();
        assertThat(CHROMEDRIVER).as("chromedriver (apt-get install chromium-driver; .ci/run installs it)").isExecutable();
        ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM.toFile())
                .addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                        "--window-size=1280,1000", "--no-first-run", "--disable-extensions");
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
        browser.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(150)); // a loaded 2-core CI machine
    }

    @AfterAll
    static void stopBrowser() {
        if (browser != null) {
            browser.quit();
        }
    }

    private String url(String path) {
        return "http://127.0.0.1:" + managementPort + path;
    }

    private void signIn(Op op) {
        browser.manage().deleteAllCookies();
        browser.get(url("/console"));
        assertThat(browser.getCurrentUrl()).endsWith("/console/login");
        browser.findElement(By.id("token")).sendKeys(op.token());
        browser.findElement(By.id("sign-in")).click();
        new WebDriverWait(browser, Duration.ofSeconds(150)).until(d -> !d.findElements(By.cssSelector("header .who")).isEmpty());
        assertThat(browser.findElement(By.cssSelector("header .who")).getText()).startsWith(op.name());
    }

    /** Ten accounts paying with one card and sending one template's tasks, until the listing links them. */
    private CampaignListing.Campaign seededCampaign() throws InterruptedException {
        if (members.isEmpty()) {
            card = "pf-" + UUID.randomUUID();
            int task = 0;
            for (int a = 0; a < ACCOUNTS; a++) {
                String account = "acct-hydra-" + UUID.randomUUID().toString().substring(0, 8);
                members.add(account);
                for (int r = 0; r < 2; r++) {
                    CampaignTraffic.post(traffic, account, card, CampaignTraffic.templated(task++), 16000);
                }
            }
        }
        Set<Long> hashes = members.stream().map(m -> Indicators.accountHash(m) & Long.MAX_VALUE).collect(Collectors.toSet());
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (true) {
            for (CampaignListing.Campaign c : engine.campaigns(1000)) {
                if (c.accounts().containsAll(hashes)) {
                    return c;
                }
            }
            assertThat(System.nanoTime()).as("the seeded accounts linked into one campaign within 20 s").isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    @Test
    @Order(1)
    void theGraphShowsTheCampaignsAccountsAndTheValuesLinkingThem() throws Exception {
        CampaignListing.Campaign campaign = seededCampaign();
        signIn(ANALYST);
        browser.findElement(By.cssSelector("a[href='/console/campaign?id=" + campaign.id() + "']")).click();
        new WebDriverWait(browser, Duration.ofSeconds(150)).until(d -> !d.findElements(By.id("campaign-id")).isEmpty());
        assertThat(browser.findElement(By.id("campaign-id")).getText()).isEqualTo(campaign.id());

        Set<String> nodes = attributes("svg#campaign-graph g.node.account", "data-account");
        assertThat(nodes).as("account nodes: the seeded members, by id").containsAll(members).hasSize(campaign.accounts().size());
        Set<String> edges = new HashSet<>();
        for (WebElement e : browser.findElements(By.cssSelector("svg#campaign-graph line.edge"))) {
            edges.add(e.getAttribute("data-value") + " " + e.getAttribute("data-account"));
        }
        Set<String> expected = new HashSet<>();
        Map<Long, String> names = new java.util.HashMap<>();
        members.forEach(m -> names.put(Indicators.accountHash(m) & Long.MAX_VALUE, m));
        for (CampaignListing.Value v : campaign.values()) {
            for (long a : v.accounts()) {
                expected.add(v.indicator() + ":" + Long.toHexString(v.key()) + " " + names.getOrDefault(a, "#" + Long.toHexString(a)));
            }
        }
        assertThat(edges).as("one edge per account sampled with each linking value").isEqualTo(expected);
        // the shared card is one payment value linking all ten accounts
        Map<String, Long> perValue = edges.stream().filter(e -> e.startsWith("payment:"))
                .collect(Collectors.groupingBy(e -> e.split(" ")[0], Collectors.counting()));
        assertThat(perValue.values()).contains((long) ACCOUNTS);

        browser.manage().window().setSize(new org.openqa.selenium.Dimension(1280, 1500)); // the whole graph: README's picture
        Path shot = Path.of("target", "console-campaign.png");
        Files.write(shot, ((org.openqa.selenium.TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
        browser.manage().window().setSize(new org.openqa.selenium.Dimension(1280, 1000));
        assertNoPolicyViolations();
    }

    @Test
    @Order(2)
    void aCampaignBlockedInThePageIsAuditedAndRefusesTheNextRequest() throws Exception {
        CampaignListing.Campaign campaign = seededCampaign();
        signIn(ANALYST);
        browser.get(url("/console/campaign?id=" + campaign.id()));
        new Select(browser.findElement(By.id("action"))).selectByValue("block");
        browser.findElement(By.id("ttl")).clear();
        browser.findElement(By.id("ttl")).sendKeys("7d");
        String reason = "ticket 4711: hydra campaign " + UUID.randomUUID();
        browser.findElement(By.id("reason")).sendKeys(reason);
        browser.findElement(By.id("apply")).click();
        new WebDriverWait(browser, Duration.ofSeconds(150)).until(d -> !d.findElements(By.id("flash")).isEmpty());
        // other tests' accounts (same network and client) may have joined the campaign since it was seeded
        java.util.regex.Matcher flash = java.util.regex.Pattern.compile("block: applied to (\\d+) of (\\d+) named members")
                .matcher(browser.findElement(By.id("flash")).getText());
        assertThat(flash.find()).as(browser.findElement(By.id("flash")).getText()).isTrue();
        assertThat(flash.group(1)).isEqualTo(flash.group(2));
        assertThat(Integer.parseInt(flash.group(1))).isGreaterThanOrEqualTo(ACCOUNTS);

        // the audit records, on the page and in the trail: one per member, naming the operator
        List<String> audited = browser.findElements(By.cssSelector("table.audit tr.audit-row")).stream()
                .filter(r -> r.getText().contains(reason)).map(WebElement::getText).toList();
        assertThat(audited).hasSize(Integer.parseInt(flash.group(1)))
                .allSatisfy(r -> assertThat(r).contains("analyst").contains("block"));
        for (String m : members) {
            assertThat(audited).anySatisfy(r -> assertThat(r).contains(m));
            assertThat(audit.recentActions()).anySatisfy(l -> assertThat(l).contains(reason).contains("\"actor\":\"analyst\"")
                    .contains("\"account\":\"" + m + "\"").contains("\"campaign\":\"" + campaign.id() + "\""));
        }

        // the next decision for a member
        String member = members.get(3);
        int status = CampaignTraffic.post(traffic, member, "pf-" + UUID.randomUUID(), "What is a good name for a cat?", 64);
        assertThat(status).isEqualTo(403);
        assertThat(recent.of(member).get(0).reasons()).contains("operator/block");
        browser.get(url("/console/account?id=" + member));
        assertThat(browser.findElement(By.id("verdict")).getText()).startsWith("BLOCK").contains(reason);
        assertThat(browser.findElement(By.cssSelector("tr.decision-row")).getText()).contains("BLOCK");
        assertNoPolicyViolations();
    }

    @Test
    @Order(3)
    void aReadOnlyOperatorSeesButCannotAct() throws Exception {
        CampaignListing.Campaign campaign = seededCampaign();
        signIn(VIEWER);
        browser.get(url("/console/campaign?id=" + campaign.id()));
        assertThat(attributes("svg#campaign-graph g.node.account", "data-account")).containsAll(members);
        assertThat(browser.findElements(By.id("action-form"))).isEmpty();
        browser.get(url("/console/account?id=" + members.get(0)));
        assertThat(browser.findElement(By.id("account-id")).getText()).isEqualTo(members.get(0));
        assertThat(browser.findElements(By.id("action-form"))).isEmpty();
        assertNoPolicyViolations();
    }

    @Test
    @Order(4)
    void aCampaignSanctionedInThePageReachesANewAccountOnTheSameCardAndIsReleasable() throws Exception {
        CampaignListing.Campaign campaign = seededCampaign();
        signIn(ANALYST);
        browser.get(url("/console/campaign?id=" + campaign.id()));
        String reason = "ticket 4712: sanction " + UUID.randomUUID();
        browser.findElement(By.id("sanction-ttl")).clear();
        browser.findElement(By.id("sanction-ttl")).sendKeys("7d");
        browser.findElement(By.id("sanction-reason")).sendKeys(reason);
        browser.findElement(By.id("sanction")).click();
        new WebDriverWait(browser, Duration.ofSeconds(150)).until(d -> !d.findElements(By.id("flash")).isEmpty());
        assertThat(browser.findElement(By.id("flash")).getText()).startsWith("block sanction: 1 imposed over");
        assertThat(audit.recentActions()).anySatisfy(l -> assertThat(l).contains("\"action\":\"campaign-enforce\"")
                .contains("\"actor\":\"analyst\"").contains(reason));

        // a new account paying with the campaign's card is reached by the sanction
        String newcomer = "acct-hydra-new-" + UUID.randomUUID().toString().substring(0, 8);
        CampaignTraffic.post(traffic, newcomer, card, CampaignTraffic.templated(900), 16000);
        assertThat(CampaignTraffic.post(traffic, newcomer, card, CampaignTraffic.templated(901), 16000)).isEqualTo(403);
        assertThat(store.verdict(newcomer, java.time.Instant.now()).orElseThrow().source()).startsWith("campaign/sanction-");

        browser.get(url("/console/campaign?id=" + seededCampaign().id()));
        WebElement row = browser.findElement(By.cssSelector("tr.sanction-row"));
        assertThat(row.getText()).contains("analyst").contains(reason);
        row.findElement(By.name("reason")).sendKeys("ticket 4712: lifted");
        row.findElement(By.cssSelector("button")).click();
        new WebDriverWait(browser, Duration.ofSeconds(150)).until(d -> !d.findElements(By.id("flash")).isEmpty());
        assertThat(browser.findElement(By.id("flash")).getText()).startsWith("released sanction-");
        assertThat(store.verdict(newcomer, java.time.Instant.now())).isEmpty();
        assertNoPolicyViolations();
    }

    private Set<String> attributes(String css, String attribute) {
        return browser.findElements(By.cssSelector(css)).stream().map(e -> e.getAttribute(attribute)).collect(Collectors.toSet());
    }

    /** Nothing on the pages was blocked by the CSP (an inline style or script would be) or failed to load. */
    private static void assertNoPolicyViolations() {
        List<String> problems = browser.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(e -> e.getLevel().intValue() >= Level.WARNING.intValue()).map(LogEntry::getMessage).toList();
        assertThat(problems).isEmpty();
    }
}
