package io.ccdr.node.stream;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

/** Blocking frame I/O for simple request/response clients (discovery, status). */
public final class FrameIO {
    private FrameIO() {
    }

    public static void write(DataOutputStream out, Frame frame) throws IOException {
        byte[] p = frame.payload();
        out.writeInt(p.length + 6);
        out.writeByte(Frame.VERSION);
        out.writeByte(frame.type());
        out.write(p);
        out.writeInt(Frame.checksum(Frame.VERSION, frame.type(), p));
        out.flush();
    }

    public static Frame read(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length < 6 || length > Frame.MAX_LENGTH) {
            throw new IOException("frame length " + length + " outside 6.." + Frame.MAX_LENGTH);
        }
        int version = in.readUnsignedByte();
        int type = in.readUnsignedByte();
        byte[] payload = new byte[length - 6];
        in.readFully(payload);
        int checksum = in.readInt();
        if (version != Frame.VERSION || checksum != Frame.checksum(version, type, payload)) {
            throw new IOException("corrupt frame (version " + version + ", type " + type + ")");
        }
        return new Frame(type, payload);
    }
}
