package io.ccdr.cli.local;

import io.ccdr.cli.local.SandboxState.Intent;
import io.ccdr.cli.local.SandboxState.ServerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SandboxStateTest {

    @Test
    void roundTripsThroughSandboxJson(@TempDir Path dir) {
        SandboxLayout layout = SandboxLayout.of(24000, 2, 2).withHeap("1g").withSettings(Map.of("dbms.routing_ttl", "10s"));
        ServerRecord a1 = new ServerRecord(4242L, Instant.parse("2026-11-22T05:00:00.120Z"), Intent.RUNNING, 63);
        ServerRecord b2 = new ServerRecord(77L, Instant.parse("2026-11-22T05:00:01Z"), Intent.KILLED, 4096);
        SandboxState state = SandboxState.fresh(layout).with("a1", a1).with("b2", b2);

        state.save(dir);
        SandboxState loaded = SandboxState.load(dir).orElseThrow();

        assertThat(loaded).isEqualTo(state);
        assertThat(loaded.server("a2")).isEqualTo(ServerRecord.NEVER_STARTED);
        assertThat(loaded.layout().settings()).containsEntry("dbms.routing_ttl", "10s");
        assertThat(Files.exists(dir.resolve("sandbox.json.tmp"))).isFalse();
    }

    @Test
    void recordsPortsAndPathsForPeopleReadingTheFile(@TempDir Path dir) throws Exception {
        SandboxState.fresh(SandboxLayout.of(24000, 1, 1)).save(dir);

        String json = Files.readString(dir.resolve("sandbox.json"));

        assertThat(json).contains("\"raft\" : 24002", "\"conf\" : \"" + dir.toAbsolutePath().resolve("a1").resolve("ccdr.conf") + "\"",
                "\"intent\" : \"stopped\"");
    }

    @Test
    void missingFileIsEmptyAndGarbageIsAnError(@TempDir Path dir) throws Exception {
        assertThat(SandboxState.load(dir)).isEmpty();
        Files.writeString(dir.resolve("sandbox.json"), "{\"format\": 9}");
        assertThatThrownBy(() -> SandboxState.load(dir)).isInstanceOf(SandboxException.class).hasMessageContaining("format 9");
    }

    @Test
    void refusesServersTheLayoutDoesNotHave() {
        assertThatThrownBy(() -> new SandboxState(SandboxLayout.of(24000, 1, 1), Map.of("z9", ServerRecord.NEVER_STARTED)))
                .hasMessageContaining("z9");
    }
}
