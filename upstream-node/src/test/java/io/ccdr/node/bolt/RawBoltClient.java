package io.ccdr.node.bolt;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A byte-level Bolt client for protocol tests: handshake, hand-built messages, decoded responses. */
final class RawBoltClient implements AutoCloseable {
    static final int SUCCESS = 0x70;
    static final int RECORD = 0x71;
    static final int IGNORED = 0x7E;
    static final int FAILURE = 0x7F;

    /** A response: its tag and fields. */
    record Response(int tag, List<Object> fields) {
        @SuppressWarnings("unchecked")
        Map<String, Object> meta() {
            return (Map<String, Object>) fields.get(0);
        }

        @Override
        public String toString() {
            String name = switch (tag) {
                case SUCCESS -> "SUCCESS";
                case RECORD -> "RECORD";
                case IGNORED -> "IGNORED";
                case FAILURE -> "FAILURE";
                default -> "0x" + Integer.toHexString(tag);
            };
            return name + fields;
        }
    }

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    /** Date-time encoding for reading responses: Bolt 5 (or 4.4 with the utc patch) vs legacy 4.4. */
    boolean utc = true;

    RawBoltClient(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(10_000);
        in = new DataInputStream(new java.io.BufferedInputStream(socket.getInputStream(), 65536));
        out = socket.getOutputStream();
    }

    /** Sends the magic and up to four proposals; returns the server's 4-byte answer. */
    int handshake(int... proposals) throws IOException {
        ByteBuf b = Unpooled.buffer(20).writeInt(BoltHandshakeHandler.MAGIC);
        for (int i = 0; i < 4; i++) {
            b.writeInt(i < proposals.length ? proposals[i] : 0);
        }
        raw(bytes(b));
        return in.readInt();
    }

    int readVersion() throws IOException {
        return in.readInt();
    }

    /** Handshake for 5.4 then HELLO + LOGON with the test credentials; asserts both succeed. */
    static RawBoltClient connected(int port) throws IOException {
        RawBoltClient c = new RawBoltClient(port);
        if (c.handshake(0x00040405) != 0x0405) {
            throw new IllegalStateException("5.4 not negotiated");
        }
        c.send(0x01, Map.of("user_agent", "raw/1.0"));
        c.send(0x6A, Map.of("scheme", "basic", "principal", "neo4j", "credentials", "secret"));
        for (int i = 0; i < 2; i++) {
            Response r = c.read();
            if (r.tag() != SUCCESS) {
                throw new IllegalStateException("login failed: " + r);
            }
        }
        return c;
    }

    /** Packs a message with the given tag and fields and sends it in one chunk (plus end marker). */
    void send(int tag, Object... fields) throws IOException {
        ByteBuf body = Unpooled.buffer();
        PackStreamWriter w = new PackStreamWriter(body, BoltVersion.V5_4, utc, "test");
        w.structHeader(fields.length, tag);
        for (Object f : fields) {
            w.write(f);
        }
        sendMessage(bytes(body));
    }

    /** Frames already-packed message bytes in chunks of at most 65535 bytes and an end marker. */
    void sendMessage(byte[] message) throws IOException {
        ByteBuf b = Unpooled.buffer(message.length + 16);
        int off = 0;
        while (off < message.length) {
            int n = Math.min(0xFFFF, message.length - off);
            b.writeShort(n).writeBytes(message, off, n);
            off += n;
        }
        b.writeShort(0);
        raw(bytes(b));
    }

    void shutdownOutput() throws IOException {
        socket.shutdownOutput();
    }

    void raw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    Response read() throws IOException {
        ByteBuf message = Unpooled.buffer();
        while (true) {
            int size = in.readUnsignedShort();
            if (size == 0) {
                if (message.isReadable()) {
                    break;
                }
                continue;
            }
            byte[] chunk = new byte[size];
            in.readFully(chunk);
            message.writeBytes(chunk);
        }
        PackStreamReader r = new PackStreamReader(message, 100, utc, Long.MAX_VALUE);
        int header = r.readStructHeader();
        List<Object> fields = new ArrayList<>();
        for (int i = 0; i < header >>> 8; i++) {
            fields.add(r.readValue());
        }
        return new Response(header & 0xFF, fields);
    }

    /** True if the server closes the connection (EOF or reset) before the socket timeout. */
    boolean closedByServer() throws IOException {
        try {
            while (true) {
                if (in.read() < 0) {
                    return true;
                }
            }
        } catch (EOFException | SocketException e) {
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        }
    }

    /** Reads responses until the server closes; returns them. */
    List<Response> readUntilClosed() throws IOException {
        List<Response> responses = new ArrayList<>();
        try {
            while (true) {
                responses.add(read());
            }
        } catch (EOFException | SocketException e) {
            return responses;
        }
    }

    static byte[] bytes(ByteBuf b) {
        byte[] a = new byte[b.readableBytes()];
        b.readBytes(a);
        return a;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
