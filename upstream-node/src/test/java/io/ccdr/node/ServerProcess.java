package io.ccdr.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ccdr.node.cluster.ClusterClient;
import io.ccdr.node.config.HostPort;
import io.ccdr.node.stream.Frame;

import java.io.IOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/** A ccdr server in its own JVM, for tests that need a real {@code kill -9}. */
public final class ServerProcess implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path conf;
    private final Path log;
    private final HostPort clusterAddress;
    private Process process;

    public ServerProcess(Path dir, Map<String, String> settings) throws IOException {
        Files.createDirectories(dir);
        this.conf = dir.resolve("ccdr.conf");
        this.log = dir.resolve("server.log");
        Properties p = new Properties();
        p.putAll(settings);
        try (Writer w = Files.newBufferedWriter(conf)) {
            p.store(w, null);
        }
        this.clusterAddress = HostPort.parse(settings.get("server.cluster.listen_address"), "127.0.0.1", 6000);
    }

    public ServerProcess start() throws IOException {
        return start("256m");
    }

    /** Starts with a heap of {@code maxHeap} ({@code -Xmx} syntax), for tests of what a small heap survives. */
    public ServerProcess start(String maxHeap) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        process = new ProcessBuilder(java, "-Xmx" + maxHeap, "-cp", System.getProperty("java.class.path"),
                "-Dorg.apache.ratis.thirdparty.io.netty.allocator.useCacheForAllThreads=false",
                ServerMain.class.getName(), "--conf", conf.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        return this;
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** SIGKILL, and wait until the process is gone. */
    public void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    /** What the server reports for {@code database} over its cluster port, if it answers. */
    public Optional<JsonNode> status(String database) {
        try {
            Frame reply = new ClusterClient(null).request(clusterAddress, new Frame(Frame.Type.STATUS, new byte[0]), Duration.ofSeconds(2));
            for (JsonNode db : JSON.readTree(reply.payload()).path("databases")) {
                if (db.path("name").asText().equals(database)) {
                    return Optional.of(db);
                }
            }
        } catch (IOException e) {
            // not up
        }
        return Optional.empty();
    }

    public String log() throws IOException {
        return Files.exists(log) ? Files.readString(log) : "";
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            process.waitFor();
        }
    }

    public boolean isLeaderOf(String database) {
        return status(database).map(s -> s.path("role").asText().equals("LEADER")).orElse(false);
    }
}
