package io.ccdr.node.stream;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageCodec;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;

import java.util.List;

/** Encodes and decodes {@link Frame}s, rejecting oversized, truncated-checksum and wrong-version frames. */
public final class FrameCodec extends ByteToMessageCodec<Frame> {

    @Override
    protected void encode(ChannelHandlerContext ctx, Frame frame, ByteBuf out) {
        byte[] p = frame.payload();
        out.writeInt(p.length + 6);
        out.writeByte(Frame.VERSION);
        out.writeByte(frame.type());
        out.writeBytes(p);
        out.writeInt(Frame.checksum(Frame.VERSION, frame.type(), p));
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (in.readableBytes() < 4) {
            return;
        }
        int length = in.getInt(in.readerIndex());
        if (length < 6 || length > Frame.MAX_LENGTH) {
            throw new TooLongFrameException("frame length " + length + " outside 6.." + Frame.MAX_LENGTH);
        }
        if (in.readableBytes() < 4 + length) {
            return;
        }
        in.skipBytes(4);
        int version = in.readUnsignedByte();
        int type = in.readUnsignedByte();
        byte[] payload = new byte[length - 6];
        in.readBytes(payload);
        int checksum = in.readInt();
        if (version != Frame.VERSION) {
            throw new CorruptedFrameException("unsupported frame version " + version);
        }
        if (checksum != Frame.checksum(version, type, payload)) {
            throw new CorruptedFrameException("frame checksum mismatch (type " + type + ", " + payload.length + " bytes)");
        }
        out.add(new Frame(type, payload));
    }
}
