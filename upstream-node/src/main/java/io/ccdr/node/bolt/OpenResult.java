package io.ccdr.node.bolt;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * A result being streamed to the client, with one row of look-ahead so that the PULL that sends
 * the last row can already say there is no more (instead of needing one more round trip).
 */
final class OpenResult {
    private static final Logger LOG = LoggerFactory.getLogger(OpenResult.class);

    final BoltResult result;
    private List<Object> peeked;
    private boolean exhausted;
    private boolean closed;

    OpenResult(BoltResult result) {
        this.result = result;
    }

    /** The next row, or null at the end. */
    List<Object> next() {
        if (peeked != null) {
            List<Object> r = peeked;
            peeked = null;
            return r;
        }
        if (exhausted) {
            return null;
        }
        List<Object> r = result.next();
        if (r == null) {
            exhausted = true;
        }
        return r;
    }

    boolean hasMore() {
        if (peeked == null && !exhausted) {
            peeked = result.next();
            exhausted = peeked == null;
        }
        return peeked != null;
    }

    /** Closes the backend result once; failures are logged, not thrown, since the stream is over anyway. */
    void close() {
        if (!closed) {
            closed = true;
            try {
                result.close();
            } catch (Exception e) {
                LOG.debug("Closing a result failed", e);
            }
        }
    }
}
