package org.finetune4j.viz;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * report.html in headless Chromium: no console errors, no failed requests, nothing fetched from
 * outside the file; a screenshot stays in the module's target/report.png. Skipped (with the reason printed)
 * only when /usr/bin/chromium is absent; .ci/run installs it.
 */
class ReportBrowserTest {

    @TempDir
    static Path dir;

    @BeforeAll
    static void needsChromium() {
        if (!HeadlessChromium.available()) {
            System.out.println("SKIPPED ReportBrowserTest: " + HeadlessChromium.BINARY + " is absent (apt-get install chromium)");
        }
        Assumptions.assumeTrue(HeadlessChromium.available(), HeadlessChromium.BINARY + " is absent");
    }

    @Test
    void theReportLoadsCleanlyAndShowsItsSections() throws Exception {
        Path run = ReportFixture.trainedRun(dir.resolve("run"));
        Path report = run.resolve(Report.FILE);
        Path png = Path.of(System.getProperty("buildDirectory", "target"), "report.png");
        HeadlessChromium.Visit v = HeadlessChromium.open(report, png);
        assertThat(v.problems()).isEmpty();
        assertThat(v.requests()).anyMatch(u -> u.startsWith("file:")).allMatch(u -> u.startsWith("file:") || u.startsWith("data:"));
        assertThat(v.requests().stream().filter(u -> u.startsWith("data:image/png")).count()).isGreaterThanOrEqualTo(4);
        assertThat(png).isRegularFile();
        assertThat(Files.size(png)).isGreaterThan(10_000);
    }

    @Test
    void theCheckerSeesConsoleErrorsAndFailedRequests() throws Exception {
        Path bad = dir.resolve("bad.html");
        Files.writeString(bad, "<!DOCTYPE html><html><head><link rel=\"icon\" href=\"data:,\"></head><body>"
                + "<img src=\"missing.png\"><img src=\"http://127.0.0.1:9/x.png\"><script>console.error('boom')</script></body></html>");
        HeadlessChromium.Visit v = HeadlessChromium.open(bad, dir.resolve("bad.png"));
        assertThat(v.problems()).anyMatch(p -> p.contains("boom"));
        assertThat(v.problems()).anyMatch(p -> p.startsWith("failed request"));
        assertThat(v.problems()).anyMatch(p -> p.contains("leaving the file: http://127.0.0.1:9/x.png"));
    }
}
