package io.ccdr.cli.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class StatusTableTest {

    @Test
    void rendersOneAlignedRowPerServer() {
        SandboxLayout layout = SandboxLayout.of(20000, 1, 3);
        StatusProbe.Report leader = new StatusProbe.Report("id-1", "127.0.0.1:20000", List.of(
                new StatusProbe.DatabaseReport("neo4j", "LEADER", "id-1", 42, "ab", 50),
                new StatusProbe.DatabaseReport("shop", "FOLLOWER", "id-2", 7, "cd", 9)));
        List<ServerStatus> rows = List.of(
                new ServerStatus(layout.server("a1"), 101L, ServerState.RUNNING, Path.of("/s/a1/data"), leader, null),
                new ServerStatus(layout.server("a2"), 102L, ServerState.KILLED, Path.of("/s/a2/data"), null, null),
                new ServerStatus(layout.server("a3"), 103L, ServerState.exited(2), Path.of("/s/a3/data"), null, null),
                new ServerStatus(layout.server("a3"), 104L, ServerState.RUNNING, Path.of("/s/a3/data"), null, "Connection refused"));

        List<String> lines = StatusTable.render(rows).lines().toList();

        assertThat(lines).hasSize(5);
        assertThat(lines.get(0)).startsWith("SERVER").contains("STATE", "DATABASES");
        assertThat(lines.get(1)).contains("101", "running", "neo4j LEADER tx=42, shop FOLLOWER tx=7", "/s/a1/data");
        assertThat(lines.get(2)).contains("killed").doesNotContain("102");
        assertThat(lines.get(3)).contains("exited(2)");
        assertThat(lines.get(4)).contains("unreachable: Connection refused");
        int stateColumn = lines.get(0).indexOf("STATE");
        assertThat(lines.subList(1, 5)).allSatisfy(l -> assertThat(l.substring(stateColumn)).matches("^(running|killed|exited).*"));
    }

    @Test
    void jsonCarriesStateExitCodeAndDatabases() throws Exception {
        SandboxLayout layout = SandboxLayout.of(20000, 2, 1);
        StatusProbe.Report report = new StatusProbe.Report("id-1", "127.0.0.1:20000", List.of(
                new StatusProbe.DatabaseReport("neo4j", "LEADER", "id-1", 42, "ab", 50)));
        List<ServerStatus> rows = List.of(
                new ServerStatus(layout.server("a1"), 101L, ServerState.RUNNING, Path.of("/s/a1/data"), report, null),
                new ServerStatus(layout.server("b1"), 102L, ServerState.exited(137), Path.of("/s/b1/data"), null, null));

        JsonNode json = new ObjectMapper().readTree(StatusTable.json(rows));

        assertThat(json).hasSize(2);
        assertThat(json.get(0).get("pid").asLong()).isEqualTo(101);
        assertThat(json.get(0).get("databases").get(0).get("lastCommittedTxId").asLong()).isEqualTo(42);
        assertThat(json.get(0).get("clusterAddress").asText()).isEqualTo("127.0.0.1:20001");
        assertThat(json.get(1).get("state").asText()).isEqualTo("exited");
        assertThat(json.get(1).get("exitCode").asInt()).isEqualTo(137);
        assertThat(json.get(1).get("pid").isNull()).isTrue();
        assertThat(json.get(1).get("cluster").asText()).isEqualTo("b");
    }
}
