package io.ccdr.node.cluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ccdr.node.system.ServerInfo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The initial membership of the {@code system} Raft group, decided once by discovery and then
 * remembered on disk: later starts never depend on discovery again (Raft keeps the membership).
 * The group id is derived from the member ids, so every member computes the same one.
 */
public record SystemGroup(String groupId, List<ServerInfo> members) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public static SystemGroup of(List<ServerInfo> members) {
        List<ServerInfo> sorted = members.stream().sorted(Comparator.comparing(ServerInfo::id)).toList();
        String seed = "ccdr-system:" + String.join(",", sorted.stream().map(ServerInfo::id).toList());
        return new SystemGroup(UUID.nameUUIDFromBytes(seed.getBytes(StandardCharsets.UTF_8)).toString(), sorted);
    }

    public static Optional<SystemGroup> load(Path file) throws IOException {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        return Optional.of(JSON.readValue(file.toFile(), SystemGroup.class));
    }

    public void save(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), this);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
