package io.ccdr.cli.console;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class ProgressTest {

    @Test
    void plainOutputIsOneLineWithRateAndEtaNoCarriageReturns() {
        StringWriter text = new StringWriter();
        Progress p = new Progress(new PrintWriter(text), "catching up", "tx", false, Duration.ZERO);
        p.update(100, 1000);
        p.update(500, 1000);
        p.finish();
        assertThat(text.toString()).doesNotContain("\r").contains("catching up: 100/1000 tx (900 behind)")
                .contains("catching up: 500/1000 tx (500 behind)");
        assertThat(p.line(500, 1000, 2.0)).contains("200 tx/s").contains("ETA 3s");
    }

    @Test
    void aTerminalGetsOneRedrawnBar() {
        StringWriter text = new StringWriter();
        Progress p = new Progress(new PrintWriter(text), "copy", "MB", true, Duration.ZERO);
        p.update(0, 10);
        p.update(5, 10);
        p.finish();
        assertThat(text.toString()).startsWith("\r").contains("[###############...............]").endsWith(System.lineSeparator());
        assertThat(p.line(10, 10, 1)).contains("ETA 0s");
    }
}
