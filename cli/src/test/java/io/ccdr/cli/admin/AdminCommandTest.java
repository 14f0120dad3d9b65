package io.ccdr.cli.admin;

import io.ccdr.cli.CcdrCommand;
import io.ccdr.node.security.InitialPassword;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class AdminCommandTest {
    @TempDir
    Path dir;

    @Test
    void setInitialPasswordWritesTheAuthFileInTheDataDirectory() throws Exception {
        Path conf = dir.resolve("ccdr.conf");
        Files.writeString(conf, "server.directories.data=" + dir.resolve("data") + "\n");
        int code = CcdrCommand.commandLine().execute("admin", "set-initial-password", "a-long-password", "--conf", conf.toString());
        assertThat(code).isZero();
        InitialPassword p = InitialPassword.resolve(dir.resolve("data"), java.util.Map.of());
        assertThat(p.password()).isEqualTo("a-long-password");
        assertThat(p.changeRequired()).isFalse();
    }

    @Test
    void shortPasswordsAreRefused() throws Exception {
        Path conf = dir.resolve("ccdr.conf");
        Files.writeString(conf, "server.directories.data=" + dir.resolve("data") + "\n");
        int code = CcdrCommand.commandLine().execute("admin", "set-initial-password", "short", "--conf", conf.toString());
        assertThat(code).isNotZero();
        assertThat(InitialPassword.file(dir.resolve("data"))).doesNotExist();
    }
}
