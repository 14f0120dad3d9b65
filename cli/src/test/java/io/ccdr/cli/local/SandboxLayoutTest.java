package io.ccdr.cli.local;

import io.ccdr.node.config.HostPort;
import io.ccdr.node.config.ServerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SandboxLayoutTest {

    @Test
    void twoClustersOfThreeFollowThePortFormula() {
        SandboxLayout layout = SandboxLayout.of(20000, 2, 3);

        assertThat(layout.servers()).extracting(SandboxServer::name).containsExactly("a1", "a2", "a3", "b1", "b2", "b3");
        assertThat(layout.clusterNames()).containsExactly("a", "b");
        SandboxServer b2 = layout.server("b2");
        assertThat(b2.cluster()).isEqualTo("b");
        assertThat(List.of(b2.boltPort(), b2.clusterPort(), b2.raftPort(), b2.metricsPort())).containsExactly(20110, 20111, 20112, 20113);
        SandboxServer a1 = layout.server("a1");
        assertThat(List.of(a1.boltPort(), a1.clusterPort(), a1.raftPort(), a1.metricsPort())).containsExactly(20000, 20001, 20002, 20003);
        assertThat(layout.servers().stream().flatMap(s -> List.of(s.boltPort(), s.clusterPort(), s.raftPort(), s.metricsPort()).stream()))
                .doesNotHaveDuplicates().hasSize(24);
    }

    @Test
    void endpointsListOnlyTheServersOwnCluster() {
        SandboxLayout layout = SandboxLayout.of(30000, 2, 2);
        Map<String, String> b1 = layout.configuration(layout.server("b1"));

        assertThat(b1.get("dbms.cluster.endpoints")).isEqualTo("127.0.0.1:30101,127.0.0.1:30111");
        assertThat(b1.get("initial.dbms.default_primaries_count")).isEqualTo("2");
        assertThat(b1.get("server.bolt.listen_address")).isEqualTo(":30100");
    }

    @Test
    void generatedConfigurationIsAcceptedByTheServer(@TempDir Path dir) {
        SandboxLayout layout = SandboxLayout.of(20000, 2, 3).withSettings(Map.of("dbms.security.auth_enabled", "false"));
        Sandbox sandbox = Sandbox.create(dir.resolve("s"), layout);

        ServerConfig b3 = ServerConfig.load(sandbox.confFile("b3"), Map.of());

        assertThat(b3.dataDirectory()).isEqualTo(dir.resolve("s").resolve("b3").resolve("data").toAbsolutePath());
        assertThat(b3.clusterAdvertisedAddress()).isEqualTo(new HostPort("127.0.0.1", 20121));
        assertThat(b3.raftListenAddress()).isEqualTo(new HostPort("127.0.0.1", 20122));
        assertThat(b3.boltAdvertisedAddress()).isEqualTo(new HostPort("127.0.0.1", 20120));
        assertThat(b3.endpoints()).containsExactly(new HostPort("127.0.0.1", 20101), new HostPort("127.0.0.1", 20111),
                new HostPort("127.0.0.1", 20121));
        assertThat(b3.get("dbms.security.auth_enabled")).isEqualTo("false");
        // the endpoint is off by default (as in Neo4j); the sandbox turns it on, each server on its own port
        assertThat(b3.metrics().endpointEnabled()).isTrue();
        assertThat(b3.metrics().endpointText()).isEqualTo("127.0.0.1:20123");
        assertThat(sandbox.boltUri("a")).isEqualTo("neo4j://127.0.0.1:20000");
        assertThat(sandbox.boltUri("b")).isEqualTo("neo4j://127.0.0.1:20100");
        assertThatThrownBy(() -> sandbox.boltUri("c")).hasMessageContaining("no cluster 'c'");
    }

    @Test
    void rejectsShapesThatDoNotFit() {
        assertThatThrownBy(() -> SandboxLayout.of(20000, 3, 3)).isInstanceOf(SandboxException.class).hasMessageContaining("clusters");
        assertThatThrownBy(() -> SandboxLayout.of(20000, 1, 0)).isInstanceOf(SandboxException.class).hasMessageContaining("servers");
        assertThatThrownBy(() -> SandboxLayout.of(20000, 1, 10)).isInstanceOf(SandboxException.class).hasMessageContaining("servers");
        assertThatThrownBy(() -> SandboxLayout.of(80, 1, 3)).isInstanceOf(SandboxException.class).hasMessageContaining("base port 80");
        // 65450 + 100 (cluster b) + 20 (server 3) + 3 = 65573: past the last port.
        assertThatThrownBy(() -> SandboxLayout.of(65450, 2, 3)).isInstanceOf(SandboxException.class)
                .hasMessageContaining("65450..65573");
        assertThat(SandboxLayout.of(65500, 1, 3).servers().get(2).metricsPort()).isEqualTo(65523);
    }

    @Test
    void rejectsBadHeapAndSettingsTheLayoutOwns() {
        assertThatThrownBy(() -> SandboxLayout.of(20000, 1, 3).withHeap("lots")).hasMessageContaining("'lots'");
        assertThat(SandboxLayout.of(20000, 1, 3).withHeap("384m").heap()).isEqualTo("384m");
        assertThatThrownBy(() -> SandboxLayout.of(20000, 1, 3).withSettings(Map.of("server.cluster.listen_address", ":1")))
                .hasMessageContaining("server.cluster.listen_address");
    }

    @Test
    void unknownServerNamesTheValidOnes() {
        assertThatThrownBy(() -> SandboxLayout.of(20000, 1, 3).server("b1")).hasMessageContaining("a1 a2 a3");
    }
}
