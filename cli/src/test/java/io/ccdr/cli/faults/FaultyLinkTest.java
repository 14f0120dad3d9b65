package io.ccdr.cli.faults;

import io.ccdr.node.config.HostPort;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The link faults against a real echo server: what a client sees when the link is cut, blackholed and healed. */
class FaultyLinkTest {
    private ServerSocket echo;
    private FaultyLink link;

    @BeforeEach
    void start() throws IOException {
        echo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(() -> {
            while (!echo.isClosed()) {
                try {
                    Socket s = echo.accept();
                    Thread c = new Thread(() -> {
                        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                            in.transferTo(out);
                        } catch (IOException ignored) {
                            // client went away
                        }
                    });
                    c.setDaemon(true);
                    c.start();
                } catch (IOException e) {
                    return;
                }
            }
        });
        t.setDaemon(true);
        t.start();
        link = new FaultyLink(new HostPort("127.0.0.1", echo.getLocalPort()));
    }

    @AfterEach
    void stop() throws IOException {
        link.close();
        echo.close();
    }

    private Socket connect() throws IOException {
        Socket s = new Socket(link.address().host(), link.address().port());
        s.setSoTimeout(5_000);
        return s;
    }

    private static int roundTrip(Socket s, int b) throws IOException {
        s.getOutputStream().write(b);
        s.getOutputStream().flush();
        return s.getInputStream().read();
    }

    @Test
    void forwardsUntouched() throws IOException {
        try (Socket s = connect()) {
            assertThat(roundTrip(s, 7)).isEqualTo(7);
        }
    }

    @Test
    void aCutClosesOpenConnectionsAndRefusesNewOnesUntilHealed() throws IOException {
        try (Socket s = connect()) {
            assertThat(roundTrip(s, 1)).isEqualTo(1);
            link.cut();
            assertThat(s.getInputStream().read()).isEqualTo(-1);
        }
        try (Socket s = connect()) {
            assertThat(s.getInputStream().read()).isEqualTo(-1); // accepted, then closed at once
        }
        link.heal();
        try (Socket s = connect()) {
            assertThat(roundTrip(s, 2)).isEqualTo(2);
        }
    }

    @Test
    void aBlackholeKeepsTheConnectionOpenButSilentAndDeliversOnHeal() throws IOException {
        try (Socket s = connect()) {
            assertThat(roundTrip(s, 1)).isEqualTo(1);
            link.blackhole();
            s.setSoTimeout(300);
            s.getOutputStream().write(9);
            s.getOutputStream().flush();
            assertThatThrownBy(() -> s.getInputStream().read()).isInstanceOf(SocketTimeoutException.class);
            link.heal();
            s.setSoTimeout(5_000);
            assertThat(s.getInputStream().read()).isEqualTo(9); // what was sent during the blackhole arrives, as after TCP retransmits
        }
    }
}
