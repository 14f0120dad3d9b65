package io.ccdr.node.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ServerConfigTest {
    @TempDir
    Path dir;

    @Test
    void defaultsFollowNeo4j() {
        ServerConfig c = ServerConfig.of(Map.of(), dir);
        assertThat(c.defaultDatabase()).isEqualTo("neo4j");
        assertThat(c.clusterListenAddress()).isEqualTo(new HostPort("localhost", 6000));
        assertThat(c.boltAdvertisedAddress()).isEqualTo(new HostPort("localhost", 7687));
        assertThat(c.raftListenAddress().port()).isEqualTo(7000);
        assertThat(c.endpoints()).containsExactly(new HostPort("localhost", 6000));
        assertThat(c.dataDirectory()).isEqualTo(dir.resolve("data"));
        assertThat(c.retentionPolicy().text()).isEqualTo("2 days");
    }

    @Test
    void transactionMemoryLimitsHaveNeo4jsNamesAndDefaultsRelativeToTheHeap() {
        long heap = Runtime.getRuntime().maxMemory();
        ServerConfig defaults = ServerConfig.of(Map.of(), dir);
        assertThat(defaults.transactionMemoryTotalMax()).as("Neo4j's default: 70% of the heap").isEqualTo((long) (heap * 0.7));
        assertThat(defaults.databaseTransactionMemoryTotalMax()).as("Neo4j's default: unlimited").isZero();
        assertThat(defaults.transactionMemoryMax()).as("ccdr's default: a quarter of the heap").isEqualTo(heap / 4);

        ServerConfig set = ServerConfig.of(Map.of("dbms.memory.transaction.total.max", "2g",
                "db.memory.transaction.total.max", "512m", "db.memory.transaction.max", "0"), dir);
        assertThat(set.transactionMemoryTotalMax()).isEqualTo(2L << 30);
        assertThat(set.databaseTransactionMemoryTotalMax()).isEqualTo(512L << 20);
        assertThat(set.transactionMemoryMax()).as("0 = unlimited").isZero();

        assertThatThrownBy(() -> ServerConfig.of(Map.of("dbms.memory.transaction.total.max", "5m"), dir))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("dbms.memory.transaction.total.max").hasMessageContaining("at least 10m");
        assertThatThrownBy(() -> ServerConfig.of(Map.of("db.memory.transaction.max", "512k"), dir))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("db.memory.transaction.max").hasMessageContaining("at least 1m");
        assertThatThrownBy(() -> ServerConfig.of(Map.of("db.memory.transaction.max", "lots"), dir))
                .isInstanceOf(ConfigException.class).hasMessageContaining("db.memory.transaction.max");
    }

    @Test
    void advertisedAddressDefaultsToTheListenPort() {
        ServerConfig c = ServerConfig.of(Map.of("server.cluster.raft.listen_address", ":7123",
                "server.default_advertised_address", "db1.example.com"), dir);
        assertThat(c.raftAdvertisedAddress()).isEqualTo(new HostPort("db1.example.com", 7123));
    }

    @Test
    void fileAndEnvironmentOverrides() throws Exception {
        Path conf = dir.resolve("ccdr.conf");
        Files.writeString(conf, "server.bolt.listen_address=:7001\ninitial.dbms.default_primaries_count=3\n"
                + "dbms.cluster.endpoints=a:6000, b:6000,c\n");
        ServerConfig c = ServerConfig.load(conf, Map.of("CCDR_server_bolt_listen__address", ":7002",
                "CCDR_db_tx__log_rotation_retention__policy", "1G size", "PATH", "/bin"));
        assertThat(c.boltListenAddress().port()).isEqualTo(7002);
        assertThat(c.defaultPrimaries()).isEqualTo(3);
        assertThat(c.endpoints()).containsExactly(new HostPort("a", 6000), new HostPort("b", 6000), new HostPort("c", 6000));
        assertThat(c.retentionPolicy().amount()).isEqualTo(1L << 30);
    }

    @Test
    void launcherAndScriptVariablesAreNotSettings() throws Exception {
        Path conf = dir.resolve("ccdr.conf");
        Files.writeString(conf, "server.bolt.listen_address=:7001\n");
        // what bin/ccdr, the initial password, .ci/run and the scenario scripts read; before, the ones with an
        // underscore in them stopped the server ("Unrecognized setting 'JAVA.OPTS'")
        Map<String, String> env = new java.util.HashMap<>(Map.of("CCDR_JAVA_OPTS", "-Xmx256m", "CCDR_AUTH", "neo4j/a-long-password",
                "CCDR_REQUIRE_PROMETHEUS", "true", "CCDR_A_URI", "neo4j://a1:7687", "CCDR_SERVER_CONTROL", "/usr/local/bin/control",
                "CCDR_BASE_PORT", "20000", "CCDR_SEED", "7", "CCDR", "/opt/ccdr/bin/ccdr"));
        env.put("CCDR_server_bolt_listen__address", ":7002");
        ServerConfig c = ServerConfig.load(conf, env);
        assertThat(c.boltListenAddress().port()).isEqualTo(7002);
        assertThat(ServerConfig.environmentOverrides(env)).containsOnlyKeys("server.bolt.listen_address");
        assertThat(c.values()).doesNotContainKeys("JAVA.OPTS", "REQUIRE.PROMETHEUS", "SERVER.CONTROL");
    }

    @Test
    void aMistypedSettingVariableStillStopsTheServerWithTheKeyNamed() {
        assertThatThrownBy(() -> ServerConfig.load(null, Map.of("CCDR_server_bolt_listen__adress", ":7002")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("'server.bolt.listen_adress'");
        // a Neo4j namespace ccdr has no settings in is still a setting, refused as in the conf file
        assertThatThrownBy(() -> ServerConfig.load(null, Map.of("CCDR_browser_post__connect__cmd", "play start")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("'browser.post_connect_cmd'");
    }

    @Test
    void everyDeclaredSettingCanBeSetFromTheEnvironment() {
        java.util.Set<String> keys = new java.util.TreeSet<>(ServerConfig.of(Map.of(), dir).values().keySet());
        keys.addAll(io.ccdr.metrics.MetricsConfig.settingNames());
        keys.addAll(io.ccdr.tls.SslPolicyConfig.settingNames(io.ccdr.tls.SslPolicyConfig.CLUSTER));
        keys.addAll(io.ccdr.tls.SslPolicyConfig.settingNames(io.ccdr.tls.SslPolicyConfig.BOLT));
        keys.add("server.jvm.additional");
        assertThat(keys).hasSizeGreaterThan(30);
        for (String key : keys) {
            String variable = ServerConfig.ENV_PREFIX + key.replace("_", "__").replace('.', '_');
            // a new namespace must be added to ServerConfig.NAMESPACES, or its variables would be ignored
            assertThat(ServerConfig.environmentOverrides(Map.of(variable, "v"))).as(variable).containsExactly(Map.entry(key, "v"));
        }
    }

    @Test
    void unknownKeysAreRejectedByName() {
        assertThatThrownBy(() -> ServerConfig.of(Map.of("server.bolt.listen_adress", ":1"), dir))
                .isInstanceOf(ConfigException.class).hasMessageContaining("server.bolt.listen_adress");
    }

    @Test
    void badValuesNameTheKey() {
        assertThatThrownBy(() -> ServerConfig.of(Map.of("server.cluster.listen_address", "host:notaport"), dir))
                .isInstanceOf(ConfigException.class).hasMessageContaining("server.cluster.listen_address");
        assertThatThrownBy(() -> ServerConfig.of(Map.of("initial.dbms.default_primaries_count", "0"), dir))
                .hasMessageContaining("initial.dbms.default_primaries_count");
        assertThatThrownBy(() -> ServerConfig.of(Map.of("initial.server.mode_constraint", "LEADER"), dir))
                .hasMessageContaining("initial.server.mode_constraint");
        assertThatThrownBy(() -> ServerConfig.of(Map.of("db.tx_log.rotation.retention_policy", "forever"), dir))
                .hasMessageContaining("db.tx_log.rotation.retention_policy");
        assertThatThrownBy(() -> ServerConfig.of(Map.of("dbms.security.auth_enabled", "yes"), dir))
                .hasMessageContaining("dbms.security.auth_enabled");
        assertThatThrownBy(() -> ServerConfig.of(Map.of("initial.dbms.default_database", "X!"), dir))
                .hasMessageContaining("initial.dbms.default_database");
    }

    @Test
    void durations() {
        assertThat(ServerConfig.parseDuration("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(ServerConfig.parseDuration("5m")).isEqualTo(Duration.ofMinutes(5));
        assertThat(ServerConfig.parseDuration("30")).isEqualTo(Duration.ofSeconds(30));
    }
}
