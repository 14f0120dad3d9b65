package io.ccdr.node.query;

import io.ccdr.node.graph.GraphException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BookmarksTest {
    @Test
    void theHighestTxIdOfTheDatabaseCounts() {
        List<String> b = List.of(Bookmarks.of("neo4j", 7), Bookmarks.of("shipping", 99), Bookmarks.of("neo4j", 12));
        assertThat(Bookmarks.minTxId(b, "neo4j")).isEqualTo(12);
        assertThat(Bookmarks.minTxId(b, "shipping")).isEqualTo(99);
        assertThat(Bookmarks.minTxId(b, "other")).isZero();
        assertThat(Bookmarks.minTxId(List.of(), "neo4j")).isZero();
    }

    @Test
    void malformedBookmarksAreInvalid() {
        for (String bad : List.of("FB:abc", "ccdr:neo4j:", "ccdr:neo4j:-1", "ccdr::1", "ccdr:neo4j:1:2", "")) {
            assertThatThrownBy(() -> Bookmarks.minTxId(List.of(bad), "neo4j"))
                    .isInstanceOf(GraphException.class)
                    .satisfies(e -> assertThat(((GraphException) e).statusCode()).isEqualTo("Neo.ClientError.Transaction.InvalidBookmark"));
        }
    }
}
